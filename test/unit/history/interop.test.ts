// Interop: a JSON array of op maps (elle-cli's and Jepsen's JSON) is read like our JSONL; histories are written
// back as Jepsen EDN and as our JSONL and read again unchanged (keys, big integers, nemesis events, odd strings);
// `faultline export` does it from the command line and `check` agrees on the verdict in every format.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HistoryEvent } from '../../../harness/history/op.js';
import { detectFormat, parseHistory } from '../../../harness/history/readers/index.js';
import { toEdn, toJsonl } from '../../../harness/history/readers/write.js';
import { corruptOneRead, syntheticRegisterHistory } from '../../fixtures/synthetic-history.js';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-interop-'));
const strip = (es: readonly HistoryEvent[]): unknown[] => es.map(({ index: _i, sourceIndex: _s, ...rest }) => rest);

test('a JSON array of op maps, with or without Clojure colons, big integers exact', () => {
  const text = `[
  {"index": 0, "type": ":invoke", "process": 0, "f": ":write", "value": 12345678901234567890, "time": 10},
  {"index": 1, "type": "ok", "process": 0, "f": "write", "value": 12345678901234567890, "time": 20},
  {"type": "info", "process": ":nemesis", "f": "start-partition", "value": "majority"},
  {"type": "invoke", "process": 1, "f": "read", "value": null, "extra": {"a": 1}},
  {"type": "ok", "process": 1, "f": "read", "value": 12345678901234567890}
]`;
  assert.is(detectFormat(text), 'json');
  const h = parseHistory(text);
  assert.is(h.source, 'json');
  assert.is(h.events.length, 5);
  assert.equal(
    h.events.map((e) => e.type),
    ['invoke', 'ok', 'info', 'invoke', 'ok'],
  );
  assert.is(h.events[0].f, 'write');
  assert.is(h.events[2].process, 'nemesis');
  assert.is(h.events[0].value, 12345678901234567890n);
  assert.equal(h.events[3].extra, { a: 1 });
  assert.is(detectFormat('[{:type :invoke, :process 0, :f :read}]'), 'edn', 'an EDN vector is still EDN');
});

test('bad JSON arrays: one message naming the op', () => {
  assert.throws(
    () => parseHistory('[{"type":"invoke","process":0}]', { file: 'h.json' }),
    /op 0: "f" must be a non-empty string/,
  );
  assert.throws(() => parseHistory('[{"type":"begin","process":0,"f":"read"}]'), /"type" must be invoke/);
  assert.throws(() => parseHistory('[{"type":"invoke",'), /not valid JSON/);
  assert.throws(() => parseHistory('[]'), /no operations/);
});

const odd: HistoryEvent[] = [
  { index: 0, type: 'invoke', process: 0, f: 'write', key: 'k"1\n', value: 2n ** 70n, time: 1 },
  { index: 1, type: 'ok', process: 0, f: 'write', key: 'k"1\n', value: 2n ** 70n, time: 2 },
  {
    index: 2,
    type: 'info',
    process: 'nemesis',
    f: 'start-partition',
    value: { cut: ['n1', 'n2'], 'odd key': true },
    time: 3,
  },
  { index: 3, type: 'invoke', process: 1, f: 'cas', key: 7, value: [1, 2.5], time: 4 },
  { index: 4, type: 'fail', process: 1, f: 'cas', key: 7, value: [1, 2.5], error: 'cas-mismatch', time: 5 },
  { index: 5, type: 'invoke', process: 2, f: 'read', value: null },
  { index: 6, type: 'ok', process: 2, f: 'read', value: 'tab\there' },
];

test('JSONL and EDN writers round-trip through our readers', () => {
  const j = parseHistory(toJsonl({ header: { model: 'kv-register' }, events: odd }));
  assert.equal(strip(j.events), strip(odd));
  assert.is((j.header as { model?: string }).model, 'kv-register');
  const e = parseHistory(toEdn({ events: odd }));
  assert.is(e.source, 'edn');
  assert.equal(
    e.events.map((x) => [x.type, x.process, x.f, x.key, x.value, x.time, x.error ?? null]),
    odd.map((x) => [x.type, x.process, x.f, x.key, x.value, x.time, x.error ?? null]),
  );
  assert.match(
    toEdn({ events: odd }),
    /#jepsen\.independent\.Tuple\{:key "k\\"1\\n", :value 1180591620717411303424N\}/,
  );
});

test('faultline export: edn and jsonl files that check gives the same verdict as the source', () => {
  const events = corruptOneRead(syntheticRegisterHistory({ seed: 2, ops: 60, clients: 3, keys: 2 }), 4);
  const src = join(dir, 'h.json');
  writeFileSync(src, JSON.stringify(events.map(({ index: _i, ...e }) => ({ ...e, type: `:${e.type}` }))));
  const base = runCli(['check', src]);
  assert.is(base.code, 1, base.stdout + base.stderr);
  const edn = runCli(['export', src, '--format', 'edn']);
  assert.is(edn.code, 0, edn.stderr);
  writeFileSync(join(dir, 'h.edn'), edn.stdout);
  assert.is(runCli(['check', join(dir, 'h.edn')]).code, 1);
  assert.is(runCli(['export', join(dir, 'h.edn'), '--format', 'jsonl', '--out', join(dir, 'h.jsonl')]).code, 0);
  const c = runCli(['check', '--json', join(dir, 'h.jsonl')]);
  assert.is(c.code, 1);
  assert.is(JSON.parse(c.stdout).model, 'kv-register');
  const bad = runCli(['export', join(dir, 'missing.json'), '--format', 'edn']);
  assert.is(bad.code, 3);
  assert.match(bad.stderr, /^faultline: .*missing\.json: no such file/);
});

test.run();

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryError } from '../../../harness/history/op.js';
import { getLine, pairEvents } from '../../../harness/history/pair.js';
import { detectFormat, parseHistory, readHistoryFile } from '../../../harness/history/readers/index.js';
import { HistoryWriter } from '../../../harness/history/writer.js';

function throwsHistory(fn: () => unknown, msg: RegExp, line?: number): void {
  try {
    fn();
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, HistoryError);
    assert.match((e as HistoryError).oneLine(), msg);
    if (line !== undefined) assert.is((e as HistoryError).line, line);
  }
}

// --- EDN histories ---

test('EDN: one op map per line, keys in any order, nemesis kept, unknown keys kept', () => {
  const h = parseHistory(
    [
      '{:process 0, :type :invoke, :f :cas, :value [1 2]}',
      '{:type :invoke :f :read :process 1 :value nil :time 123 :extra "x"}',
      '{:process :nemesis, :type :info, :f :start, :value nil}',
      '{:process 0, :type :fail, :f :cas, :value [1 2] :error :precondition}',
      '{:process 1, :type :ok, :f :read, :value 3, :index 9}',
    ].join('\n'),
  );
  assert.is(h.source, 'edn');
  assert.is(h.events.length, 5);
  assert.equal(h.events[0], { index: 0, type: 'invoke', process: 0, f: 'cas', value: [1, 2] });
  assert.is(h.events[1].time, 123);
  assert.is(h.events[1].extra, 'x');
  assert.is(h.events[2].process, 'nemesis');
  assert.is(h.events[3].error, 'precondition');
  assert.is(h.events[4].sourceIndex, 9);
  assert.is(getLine(h.events[4]), 5);
});

test('EDN: the whole file one vector of maps spanning lines, with comments', () => {
  const h = parseHistory(
    '; a Knossos history\n[{:process 0\n  :type :invoke\n  :f :write\n  :value 1}\n' +
      ' {:process 0 :type :ok :f :write :value 1}]\n',
  );
  assert.is(h.events.length, 2);
  assert.is(getLine(h.events[1]), 6);
});

test('EDN: the whole file one list, independent tuples unpacked into key and value', () => {
  const h = parseHistory('({:process 0 :type :invoke :f :write :value #jepsen.independent.Tuple{:key 7 :value 3}})');
  assert.is(h.events[0].key, 7);
  assert.is(h.events[0].value, 3);
});

test('EDN: missing or bad fields name the line', () => {
  throwsHistory(
    () => parseHistory('{:process 0 :type :invoke :f :read}\n{:process 0 :f :read}', { file: 'h.edn' }),
    /^h\.edn:2: op map has no :type/,
    2,
  );
  throwsHistory(() => parseHistory('{:process "x" :type :ok :f :read}'), /:process must be an integer or :nemesis/);
  throwsHistory(() => parseHistory('{:process 1 :type :done :f :read}'), /:type must be/);
  throwsHistory(() => parseHistory('{:process 1 :type :ok}'), /no :f/);
  throwsHistory(() => parseHistory('{:process 1 :type :ok :f :read}\n[1 2]'), /expected an op map/);
  throwsHistory(() => parseHistory('{:process 1 :type :ok\n :f :read', { file: 'x' }), /^x:1: EDN: unclosed/);
});

// --- Porcupine formats ---

test('porcupine-etcd: tab and space separated lines, values nil, N, [A B], :timed-out', () => {
  const text =
    'INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\t3\n' +
    'INFO  jepsen.util - 4   :invoke :cas    [1 2]\nINFO  jepsen.util - 4   :info   :cas    :timed-out\n';
  assert.is(detectFormat(text), 'porcupine-etcd');
  const h = parseHistory(text);
  assert.is(h.source, 'porcupine-etcd');
  assert.equal(
    h.events.map((e) => [e.process, e.type, e.f, e.value]),
    [
      [0, 'invoke', 'read', null],
      [0, 'ok', 'read', 3],
      [4, 'invoke', 'cas', [1, 2]],
      [4, 'info', 'cas', 'timed-out'],
    ],
  );
});

test('porcupine-etcd: a foreign line is an error with its line number', () => {
  throwsHistory(
    () => parseHistory('INFO  jepsen.util - 0\t:invoke\t:read\tnil\ngarbage here\n', { file: 'e.log' }),
    /^e\.log:2: not a Jepsen log line/,
    2,
  );
  throwsHistory(
    () => parseHistory('INFO  jepsen.util - 0\t:invoke\t:read\t{1}\n', { format: 'porcupine-etcd' }),
    /unrecognised value/,
  );
});

test('porcupine-kv: detected from EDN whose ops are get/put/append with keys', () => {
  const h = parseHistory(
    '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}\n' +
      '{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}\n',
  );
  assert.is(h.source, 'porcupine-kv');
  assert.is(h.events[0].key, '0');
  const plain = parseHistory('{:process 0, :type :invoke, :f :read, :value nil}');
  assert.is(plain.source, 'edn');
});

// --- JSONL ---

test('jsonl: header, events, torn last line dropped with a warning', () => {
  const text =
    '{"faultline":"history","version":1,"workload":"register"}\n' +
    '{"type":"invoke","process":0,"f":"write","value":1}\n' +
    '{"type":"ok","process":0,"f":"write","value":1}\n' +
    '{"type":"inv';
  const h = parseHistory(text);
  assert.is(h.source, 'jsonl');
  assert.is(h.header?.workload, 'register');
  assert.is(h.events.length, 2);
  assert.is(h.warnings.length, 1);
  assert.match(h.warnings[0], /line 4: truncated last line dropped/);
});

test('jsonl: a bad line in the middle, a bad field, an unknown version are errors', () => {
  throwsHistory(
    () =>
      parseHistory('{"type":"invoke","process":0,"f":"read"}\n{oops\n{"type":"ok","process":0,"f":"read"}\n', {
        file: 'h.jsonl',
      }),
    /^h\.jsonl:2: not valid JSON/,
    2,
  );
  throwsHistory(() => parseHistory('{"type":"begin","process":0,"f":"read"}\n'), /"type" must be invoke/);
  throwsHistory(() => parseHistory('{"type":"ok","process":1.5,"f":"read"}\n'), /"process" must be an integer/);
  throwsHistory(() => parseHistory('{"type":"ok","process":1,"f":""}\n'), /"f" must be a non-empty string/);
  throwsHistory(
    () => parseHistory('{"faultline":"history","version":9}\n{"type":"ok","process":1,"f":"r"}\n'),
    /version 9 is not supported/,
  );
  throwsHistory(() => parseHistory('{"faultline":"history","version":1}\n'), /no operations/);
  throwsHistory(() => parseHistory('  \n'), /empty/);
});

test('writer → reader round trip; a crash mid-write loses at most the torn line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-hist-'));
  const path = join(dir, 'history.jsonl');
  const w = new HistoryWriter(path, { workload: 'test' });
  w.append({ type: 'invoke', process: 0, f: 'write', value: 1, time: 10 });
  w.append({ type: 'ok', process: 0, f: 'write', value: 1, time: 20 });
  w.append({ type: 'invoke', process: 'nemesis', f: 'start-partition', value: { kind: 'halves' } });
  w.close();
  const text = readFileSync(path, 'utf8');
  const h = parseHistory(text);
  assert.equal(
    h.events.map((e) => e.index),
    [0, 1, 2],
  );
  assert.is(h.events[2].process, 'nemesis');
  // Simulate a crash in the middle of writing the next event.
  writeFileSync(path, `${text}{"index":3,"type":"inv`);
  const torn = parseHistory(readFileSync(path, 'utf8'));
  assert.is(torn.events.length, 3);
  assert.is(torn.warnings.length, 1);
});

test('readHistoryFile: missing file and folder are one-line errors', async () => {
  try {
    await readHistoryFile('/nonexistent/h.jsonl');
    assert.unreachable();
  } catch (e) {
    assert.match((e as HistoryError).oneLine(), /^\/nonexistent\/h\.jsonl: cannot read: no such file or folder$/);
  }
  try {
    await readHistoryFile(tmpdir());
    assert.unreachable();
  } catch (e) {
    assert.match((e as HistoryError).oneLine(), /is a folder/);
  }
});

// --- pairing ---

test('pairing: info and pending ops are open-ended; double invoke and orphan completion are errors', () => {
  const h = parseHistory(
    '{"type":"invoke","process":0,"f":"write","value":1}\n' +
      '{"type":"invoke","process":1,"f":"read"}\n' +
      '{"type":"info","process":0,"f":"write"}\n' +
      '{"type":"ok","process":1,"f":"read","value":1}\n' +
      '{"type":"invoke","process":2,"f":"read"}\n',
  );
  const ops = pairEvents(h.events);
  assert.equal(
    ops.map((o) => [o.type, o.invokeIndex, o.completeIndex]),
    [
      ['info', 0, Infinity],
      ['ok', 1, 3],
      ['info', 4, Infinity],
    ],
  );
  throwsHistory(
    () =>
      pairEvents(
        parseHistory('{"type":"invoke","process":0,"f":"read"}\n{"type":"invoke","process":0,"f":"read"}\n').events,
        { file: 'p' },
      ),
    /^p:2: line 2: process 0 invokes read while its read \(line 1\) is still pending/,
  );
  throwsHistory(
    () => pairEvents(parseHistory('{"type":"ok","process":0,"f":"read"}\n').events),
    /has no matching invoke/,
  );
  throwsHistory(
    () =>
      pairEvents(
        parseHistory('{"type":"invoke","process":0,"f":"read"}\n{"type":"ok","process":0,"f":"write"}\n').events,
      ),
    /completes write but invoked read/,
  );
});

test.run();

// Issue 22 item 3: reading is bounded. Memory: a reader stops with a one-line error at its stated limit rather than
// letting V8 run out (a 200 MiB EDN string took 4.3 GB and a native crash); time: `check --timeout` covers reading
// and parsing (a 120 MiB EDN with --timeout 30 took 111 s). Speed and memory figures themselves are measured by
// `npm run bench:readers`, not here.
import { mkdtempSync, openSync, closeSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReadTimeout } from '../../../harness/history/limits.js';
import { HistoryError } from '../../../harness/history/op.js';
import { readHistoryFile } from '../../../harness/history/readers/index.js';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-bounded-'));

/** An EDN history of `ops` register operations (about 100 bytes each), valid for cas-register. */
function registerEdn(path: string, ops: number): string {
  const fd = openSync(path, 'w');
  for (let i = 0; i < ops; i += 1000) {
    let chunk = '';
    for (let j = i; j < Math.min(ops, i + 1000); j++)
      chunk +=
        `{:process ${j % 7} :type :invoke :f :write :value ${j} :time ${2 * j}}\n` +
        `{:process ${j % 7} :type :ok :f :write :value ${j} :time ${2 * j + 1}}\n`;
    writeSync(fd, chunk);
  }
  closeSync(fd);
  return path;
}

test('memory: past the limit reading stops with a HistoryError, in every streamed format', async () => {
  const edn = registerEdn(join(dir, 'm.edn'), 20_000);
  const jsonl = join(dir, 'm.jsonl');
  writeFileSync(jsonl, '{"type":"invoke","process":0,"f":"read"}\n'.repeat(40_000));
  for (const p of [edn, jsonl]) {
    // A limit below what the process already holds: refused at the first chunk, with the reason.
    const limit = process.memoryUsage.rss() - 1;
    try {
      await readHistoryFile(p, { limits: { maxRssBytes: limit } });
      assert.unreachable(`${p} was read past its memory limit`);
    } catch (e) {
      assert.instance(e, HistoryError);
      assert.match((e as HistoryError).oneLine(), /needs more than \d+ MiB of memory/);
    }
    // Within the default limit the same file reads.
    assert.ok((await readHistoryFile(p)).events.length >= 20_000);
  }
});

test('time: a deadline stops reading (ReadTimeout), and `check --timeout` reports it as UNKNOWN, exit 2', async () => {
  const p = registerEdn(join(dir, 't.edn'), 30_000); // ~3 MiB: several chunks
  try {
    await readHistoryFile(p, { limits: { deadline: performance.now() } });
    assert.unreachable('read past its deadline');
  } catch (e) {
    assert.instance(e, ReadTimeout);
  }
  // The same check without a deadline is valid and quick to decide: only the reading can run out of time.
  assert.is(runCli(['check', p]).code, 0);
  const r = runCli(['check', '--timeout', '0.0001', p]);
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /UNKNOWN \(reading .*t\.edn took longer than --timeout allows\)/);
  const t = runCli(['check', '--model', 'list-append', '--json', '--timeout', '0.0001', p]);
  assert.is(t.code, 2, t.stdout + t.stderr);
  assert.is(JSON.parse(t.stdout).valid, 'unknown');
});

test('an EDN string longer than 64 MiB is refused with its line, before it fills memory', () => {
  const p = join(dir, 'long.edn');
  const fd = openSync(p, 'w');
  writeSync(fd, '{:process 0 :type :invoke :f :write :value 1}\n{:process 0 :type :ok :f :write :value "');
  const mib = 'x'.repeat(2 ** 20);
  for (let i = 0; i < 65; i++) writeSync(fd, mib);
  writeSync(fd, '"}\n');
  closeSync(fd);
  const r = runCli(['check', p]);
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr.trim(), /long\.edn:2: EDN: string opened on line 2 is longer than 64 MiB$/);
});

test.run();

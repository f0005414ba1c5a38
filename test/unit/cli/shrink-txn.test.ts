// `faultline shrink --model list-append FILE` as a user runs it: the paper's G-single among noise comes out as
// its three transactions, in files `check --model list-append` reads and finds the same anomaly in; a history
// with nothing wrong, or one valid under the given --consistency-model, is refused in one line (exit 3).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../helpers/cli.js';
import { jsonlOf, noise, paperExample } from '../../helpers/txn-history.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-shrink-txn-'));
const file = join(dir, 'hist.jsonl');
writeFileSync(
  file,
  jsonlOf([...noise('list-append', 2, 12, 'a'), ...paperExample(), ...noise('list-append', 3, 12, 'b')]),
);

test('shrinks to the cycle; both written files re-check as G-single-item with three transactions', () => {
  const out = join(dir, 'out');
  const r = runCli(['shrink', '--model', 'list-append', file, '--out', out]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^shrunk 28 transactions to 3 still showing G-single-item in [\d.]+ s, \d+ checks\n/);
  assert.match(r.stdout, /history\.jsonl: INVALID \(list-append, 3 transactions, [\d.]+ ms\): G-single-item/);
  assert.not.match(r.stdout, /budget ran out/);
  const header = JSON.parse(readFileSync(join(out, 'history.jsonl'), 'utf8').split('\n')[0]);
  assert.equal([header.txnModel, header.anomaly, header.shrunkFrom], ['list-append', 'G-single-item', file]);
  for (const f of ['history.jsonl', 'history.edn']) {
    const c = runCli(['check', '--model', 'list-append', '--json', join(out, f)]);
    assert.is(c.code, 1, c.stdout + c.stderr);
    const o = JSON.parse(c.stdout);
    assert.equal([o.valid, o.anomalyTypes, o.txns], [false, ['G-single-item'], 3]);
  }
});

test('--json summary; the default folder is shrunk-<name> beside the file', () => {
  const r = runCli(['shrink', '--model', 'list-append', '--json', file]);
  assert.is(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(
    [o.out, o.anomaly, o.before.txns, o.after.txns, o.stoppedBy],
    [join(dir, 'shrunk-hist'), 'G-single-item', 28, 3, null],
  );
});

test('refused in one line, exit 3: nothing wrong, or valid under the --consistency-model given', () => {
  const valid = join(dir, 'valid.jsonl');
  writeFileSync(valid, jsonlOf(noise('list-append', 2, 8, 'a')));
  const r = runCli(['shrink', '--model', 'list-append', valid]);
  assert.is(r.code, 3, r.stdout);
  assert.is(
    r.stderr,
    `faultline: ${valid}: the history is valid as list-append; only an invalid history can be shrunk\n`,
  );
  const rc = runCli(['shrink', '--model', 'list-append', '--consistency-model', 'read-committed', file]);
  assert.is(rc.code, 3, rc.stdout);
  assert.match(rc.stderr, /^faultline: .*hist\.jsonl: the history is valid as list-append; only an invalid/);
  assert.is(rc.stderr.split('\n').length, 2);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

// `faultline check --model list-append` as a user runs it (issue 20's done-when): elle-cli's paper example names
// the G-single cycle the Elle paper's Figure 2 explains, prints its steps, and exits 1; --json carries Elle's names.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../helpers/cli.js';
import { ELLE_CONFORMANCE_DIR } from '../../helpers/paths.js';

const paper = join(ELLE_CONFORMANCE_DIR, 'list-append', 'elle-cli-paper-example.json');

test("the paper example: G-single-item, the cycle's transactions and steps, exit 1", () => {
  const r = runCli(['check', '--model', 'list-append', paper]);
  assert.is(r.code, 1, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(
    lines[0],
    /elle-cli-paper-example\.json: INVALID \(list-append, 4 transactions, [\d.]+ ms\): G-single-item$/,
  );
  assert.match(r.stdout, /rules out consistent-view, repeatable-read/);
  // Three transactions, named with their history indexes and micro-ops, then one sentence per step.
  assert.match(r.stdout, /T1 = op 7 \(process 1, ok\): \[append 250 10\] \[r 253 \[1 3 4\]\]/);
  const steps = lines.filter((l) => /^ {4}- /.test(l));
  assert.is(steps.length, 3, r.stdout);
  assert.match(steps[0], /T1 read key 255 up to 5, without T2's append of 8 that came next, so T1 precedes T2/);
  assert.match(steps[1], /T3 read T2's append of 8 to key 255, so T2 precedes T3/);
  assert.match(steps[2], /T1 appended 3 to key 256 right after T3's append of 4, .*closes the cycle/);
  assert.is(r.stderr, '');
});

test('--json: one line with valid, the anomaly types and the models ruled out, by Elle names', () => {
  const r = runCli(['check', '--model', 'list-append', '--json', paper]);
  assert.is(r.code, 1, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal([o.valid, o.anomalyTypes, o.not], [false, ['G-single-item'], ['consistent-view', 'repeatable-read']]);
  // Under a model that allows G-single, the same history is valid.
  const ok = runCli(['check', '--model', 'list-append', '--consistency-model', 'read-committed', '--json', paper]);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(JSON.parse(ok.stdout).valid, true);
});

test.run();

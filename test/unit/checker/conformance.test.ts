// Every history of Porcupine's own test suite, with the verdict Porcupine asserts for it (../shared/conformance).
// The files are checked through the same path as `faultline check` (format detection, model inference), and
// once more through the CLI with --json, as the "done when" states it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHistory } from '../../../harness/check/check-history.js';
import { runCli } from '../../helpers/cli.js';
import { CONFORMANCE_DIR } from '../../helpers/paths.js';

interface Expected {
  expected: 'linearizable' | 'not-linearizable';
  model: string;
  models?: string[];
}
const manifest = JSON.parse(readFileSync(join(CONFORMANCE_DIR, 'expected.json'), 'utf8')) as {
  files: Record<string, Expected>;
};
const entries = Object.entries(manifest.files);

test('the manifest lists 108 histories', () => {
  assert.is(entries.length, 108);
});

for (const [rel, e] of entries) {
  for (const model of e.models ?? [e.model]) {
    test(`${rel} is ${e.expected} under ${model}`, async () => {
      const c = await checkHistory(join(CONFORMANCE_DIR, rel), { model, timeoutMs: 60_000 });
      assert.is(c.valid, e.expected === 'linearizable');
      if (!c.valid) assert.ok(c.firstOffending, 'an invalid history names the operation that could not be placed');
    });
  }
  test(`${rel}: inferred model and format match the test suite's`, async () => {
    const c = await checkHistory(join(CONFORMANCE_DIR, rel), { timeoutMs: 60_000 });
    assert.is(c.model, e.model);
    assert.is(c.format, e.model === 'etcd' ? 'porcupine-etcd' : 'porcupine-kv');
  });
}

test('faultline check --json over every conformance file gives the expected verdicts', () => {
  const r = runCli(['check', '--json', ...entries.map(([rel]) => rel)], { cwd: CONFORMANCE_DIR });
  assert.is(r.code, 1, 'some histories are invalid, so the exit code is 1');
  assert.is(r.stderr.trim(), '');
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { file: string; valid: unknown; model: string; ops: number; ms: number });
  assert.is(lines.length, entries.length);
  for (const l of lines) {
    assert.is(l.valid, manifest.files[l.file].expected === 'linearizable', l.file);
    assert.type(l.ops, 'number');
    assert.type(l.ms, 'number');
  }
});

test('the empty etcd_095.log (excluded upstream) is bad input: one line, exit 3', () => {
  const r = runCli(['check', 'test_data/jepsen/etcd_095.log'], { cwd: CONFORMANCE_DIR });
  assert.is(r.code, 3);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /etcd_095\.log: the file is empty/);
});

test.run();

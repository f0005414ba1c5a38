// bench:checker reads Porcupine's own timings (../shared/tools/porcupine-timing's output, go test -v lines and
// all): the per-file lines are taken, the rest skipped, and a file that holds no timing or a garbled one is
// refused with a one-line error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readPorcupineTimingRuns, readPorcupineTimings } from '../../../bench/porcupine-timing.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-porcupine-timing-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('go test -v output: timing lines kept, the rest skipped', () => {
  const t = readPorcupineTimings(
    file(
      'ok.txt',
      [
        '=== RUN   TestZZTiming',
        'jepsen/etcd_000.log\tfalse\t0.824',
        'jepsen/etcd_002.log\ttrue\t157.336',
        'TOTAL_ETCD\t-\t158.160',
        'kv/c10-ok.txt\ttrue\t0.506',
        '--- PASS: TestZZTiming (3.44s)',
        'PASS',
      ].join('\n'),
    ),
  );
  assert.equal([...t.keys()], ['jepsen/etcd_000.log', 'jepsen/etcd_002.log', 'kv/c10-ok.txt']);
  assert.equal(t.get('jepsen/etcd_002.log'), { linearizable: true, ms: 157.336 });
  assert.equal(t.get('jepsen/etcd_000.log'), { linearizable: false, ms: 0.824 });
});

test('no timing lines, a garbled one, or no file: one-line errors', () => {
  assert.throws(() => readPorcupineTimings(file('empty.txt', 'PASS\n')), /no timing lines/);
  assert.throws(
    () => readPorcupineTimings(file('bad.txt', 'kv/c01-ok.txt\tyes\t0.1\n')),
    /not a Porcupine timing line/,
  );
  assert.throws(
    () => readPorcupineTimings(file('neg.txt', 'kv/c01-ok.txt\ttrue\t-1\n')),
    /not a Porcupine timing line/,
  );
  assert.throws(() => readPorcupineTimings(join(dir, 'missing.txt')), /cannot read the Porcupine timings/);
});

test('several runs: each file gets the median of its times; runs that disagree on a verdict are refused', () => {
  const runs = [0.3, 0.1, 0.2].map((ms, i) =>
    file(`run${i}.txt`, `kv/c01-ok.txt\ttrue\t${ms}\njepsen/etcd_000.log\tfalse\t${i}\n`),
  );
  const t = readPorcupineTimingRuns([...runs, file('partial.txt', 'kv/c01-ok.txt\ttrue\t9\n')]);
  assert.equal(t.get('kv/c01-ok.txt'), { linearizable: true, ms: 0.3 }, 'median of 0.1, 0.2, 0.3, 9');
  assert.equal(t.get('jepsen/etcd_000.log'), { linearizable: false, ms: 1 }, 'median of the three that have it');
  const other = file('other.txt', 'kv/c01-ok.txt\tfalse\t0.1\n');
  assert.throws(() => readPorcupineTimingRuns([runs[0], other]), /verdict on kv\/c01-ok.txt differs/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

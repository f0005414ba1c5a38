// Shared end-to-end cases for the sharded cluster, locks and fenced data, run on either runtime: the correct
// cluster is valid for each workload under the faults that apply, and each planted bug of that part is caught
// within a bounded number of seeded runs, with the violation named in the report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { runDirOf } from './cli.js';
import { CLI } from './paths.js';

export interface RunCase {
  name: string;
  args: string[];
  /** Valid cases must pass on their one seed; bug cases must be INVALID on some seed in `seeds`. */
  expect: 'valid' | 'invalid';
  seeds: number[];
  /** For invalid cases: what the report must show. */
  report?: RegExp;
}

export const SHARD_LOCK_CASES: RunCase[] = [
  {
    name: 'kv on 5 nodes, 8 shards, under partition, kill, pause and clock faults is valid',
    expect: 'valid',
    seeds: [7],
    args: [
      '--workload',
      'kv',
      '--nodes',
      '5',
      '--time-limit',
      '20',
      '--nemesis',
      'partition,kill,pause,clock',
      '--nemesis-interval',
      '3',
    ],
  },
  {
    name: 'lock under partition, kill and clock faults keeps mutual exclusion',
    expect: 'valid',
    seeds: [7],
    args: [
      '--workload',
      'lock',
      '--nodes',
      '3',
      '--time-limit',
      '20',
      '--nemesis',
      'partition,kill,clock',
      '--nemesis-interval',
      '3',
    ],
  },
  {
    name: 'fenced-counter under partition, kill, pause and clock faults loses no update',
    expect: 'valid',
    seeds: [7],
    args: [
      '--workload',
      'fenced-counter',
      '--nodes',
      '3',
      '--time-limit',
      '20',
      '--nemesis',
      'partition,kill,pause,clock',
      '--nemesis-interval',
      '3',
    ],
  },
  {
    name: 'planted wrong-shard is caught by kv',
    expect: 'invalid',
    seeds: [1, 2, 3],
    report: /could not be linearized/,
    args: ['--workload', 'kv', '--nodes', '5', '--time-limit', '10', '--nemesis', 'none', '--bug', 'wrong-shard'],
  },
  {
    name: 'planted lock-no-fence is caught by fenced-counter (a lost update)',
    expect: 'invalid',
    seeds: [1, 2, 3, 4],
    report: /lost update/,
    args: [
      '--workload',
      'fenced-counter',
      '--nodes',
      '3',
      '--time-limit',
      '15',
      '--nemesis',
      'none',
      '--bug',
      'lock-no-fence',
    ],
  },
  // Caught only when a forward clock bump lands on a lock shard's leader: measured on docker, 4 of 12 runs of 20 s
  // found it (seeds 1-6, two builds), and 2 of the 4 misses re-run for 30 s did. Eight 30 s runs miss with
  // probability under 1%; four 20 s runs missed once in CI (about 20%).
  {
    name: 'planted lease-local-clock is caught by lock under clock faults (two holders)',
    expect: 'invalid',
    seeds: [1, 2, 3, 4, 5, 6, 7, 8],
    report: /could not be linearized/,
    args: [
      '--workload',
      'lock',
      '--nodes',
      '3',
      '--time-limit',
      '30',
      '--nemesis',
      'clock',
      '--nemesis-interval',
      '2',
      '--bug',
      'lease-local-clock',
    ],
  },
];

export function runCase(runtime: 'docker' | 'local', c: RunCase): void {
  const out = mkdtempSync(join(tmpdir(), `fl-cases-${runtime}-`));
  let last = '';
  for (const seed of c.seeds) {
    const r = spawnSync(
      process.execPath,
      [CLI, 'run', '--runtime', runtime, '--out', out, '--seed', String(seed), ...c.args],
      { encoding: 'utf8', timeout: 300_000 },
    );
    last = `exit ${r.status}\n${r.stdout}\n${r.stderr}`;
    if (c.expect === 'valid') {
      assert.is(r.status, 0, last);
      return;
    }
    assert.ok(r.status === 0 || r.status === 1, last);
    if (r.status === 1) {
      const html = readFileSync(join(runDirOf(r.stdout), 'report.html'), 'utf8');
      if (c.report) assert.match(html, c.report);
      return;
    }
  }
  assert.unreachable(`never invalid on seeds ${c.seeds.join(', ')}; last run: ${last}`);
}

// Shared end-to-end cases for the sharded cluster, locks and fenced data, run on either runtime: the correct
// cluster is valid for each workload under the faults that apply, and each planted bug of that part is caught
// within a bounded number of seeded runs, with the violation named in the report.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { type CliResult, runCli, runDirOf } from './cli.js';

export interface RunCase {
  name: string;
  args: string[];
  /** Valid cases must pass on their one seed; bug cases must be INVALID on some seed in `seeds`. */
  expect: 'valid' | 'invalid';
  seeds: number[];
  /** For invalid cases: what the report must show. */
  report?: RegExp;
}

/** What a case runs, for how long and under which faults; what is left out stays the command line's default. */
export interface CaseRun {
  /** A built-in target or a module path (default: the reference cluster). */
  target?: string;
  workload: string;
  nodes?: number;
  seconds: number;
  /** The --nemesis value: fault kinds, `all` or `none`. */
  nemesis: string;
  /** --nemesis-interval, seconds. */
  interval?: number;
  /** A planted bug of the reference cluster (--bug). */
  bug?: string;
  /** One --target-opt NAME=VALUE. */
  targetOpt?: string;
}

/** The `faultline run` flags of a case, in one order for every case. */
export function caseArgs(r: CaseRun): string[] {
  return [
    ...(r.target ? ['--target', r.target] : []),
    ...['--workload', r.workload],
    ...(r.nodes ? ['--nodes', String(r.nodes)] : []),
    ...['--time-limit', String(r.seconds), '--nemesis', r.nemesis],
    ...(r.interval ? ['--nemesis-interval', String(r.interval)] : []),
    ...(r.bug ? ['--bug', r.bug] : []),
    ...(r.targetOpt ? ['--target-opt', r.targetOpt] : []),
  ];
}

/** `faultline run --runtime RUNTIME --out OUT ARGS` (five minutes at most). */
export function runOn(runtime: 'docker' | 'local', out: string, args: string[]): CliResult {
  return runCli(['run', '--runtime', runtime, '--out', out, ...args], { timeoutMs: 300_000 });
}

export const SHARD_LOCK_CASES: RunCase[] = [
  {
    name: 'kv on 5 nodes, 8 shards, under partition, kill, pause and clock faults is valid',
    expect: 'valid',
    seeds: [7],
    args: caseArgs({ workload: 'kv', nodes: 5, seconds: 20, nemesis: 'partition,kill,pause,clock', interval: 3 }),
  },
  {
    name: 'lock under partition, kill and clock faults keeps mutual exclusion',
    expect: 'valid',
    seeds: [7],
    args: caseArgs({ workload: 'lock', nodes: 3, seconds: 20, nemesis: 'partition,kill,clock', interval: 3 }),
  },
  {
    name: 'fenced-counter under partition, kill, pause and clock faults loses no update',
    expect: 'valid',
    seeds: [7],
    args: caseArgs({
      workload: 'fenced-counter',
      nodes: 3,
      seconds: 20,
      nemesis: 'partition,kill,pause,clock',
      interval: 3,
    }),
  },
  {
    name: 'planted wrong-shard is caught by kv',
    expect: 'invalid',
    seeds: [1, 2, 3],
    report: /could not be linearized/,
    args: caseArgs({ workload: 'kv', nodes: 5, seconds: 10, nemesis: 'none', bug: 'wrong-shard' }),
  },
  {
    name: 'planted lock-no-fence is caught by fenced-counter (a lost update)',
    expect: 'invalid',
    seeds: [1, 2, 3, 4],
    report: /lost update/,
    args: caseArgs({ workload: 'fenced-counter', nodes: 3, seconds: 15, nemesis: 'none', bug: 'lock-no-fence' }),
  },
  // Caught only when a forward clock bump lands on a lock shard's leader: measured on docker, 4 of 12 runs of 20 s
  // found it (seeds 1-6, two builds), and 2 of the 4 misses re-run for 30 s did. Eight 30 s runs miss with
  // probability under 1%; four 20 s runs missed once in CI (about 20%).
  {
    name: 'planted lease-local-clock is caught by lock under clock faults (two holders)',
    expect: 'invalid',
    seeds: [1, 2, 3, 4, 5, 6, 7, 8],
    report: /could not be linearized/,
    args: caseArgs({
      workload: 'lock',
      nodes: 3,
      seconds: 30,
      nemesis: 'clock',
      interval: 2,
      bug: 'lease-local-clock',
    }),
  },
];

export function runCase(runtime: 'docker' | 'local', c: RunCase): void {
  const out = mkdtempSync(join(tmpdir(), `fl-cases-${runtime}-`));
  let last = '';
  for (const seed of c.seeds) {
    const r = runOn(runtime, out, ['--seed', String(seed), ...c.args]);
    last = `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
    if (c.expect === 'valid') {
      assert.is(r.code, 0, last);
      return;
    }
    assert.ok(r.code === 0 || r.code === 1, last);
    if (r.code === 1) {
      const html = readFileSync(join(runDirOf(r.stdout), 'report.html'), 'utf8');
      if (c.report) assert.match(html, c.report);
      return;
    }
  }
  assert.unreachable(`never invalid on seeds ${c.seeds.join(', ')}; last run: ${last}`);
}

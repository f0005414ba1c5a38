// Everything that defines a run; written to test.json so a run can be understood and reproduced from its folder.

export interface RunOptions {
  runtime: 'docker' | 'local' | 'auto';
  workload: string;
  nemesis: string;
  nodes: number;
  concurrency: number;
  /** Target total ops/s across all workers (0: as fast as possible). */
  rate: number;
  timeLimitS: number;
  seed: number;
  bugs: string[];
  testCount: number;
  /** Results root (default results/). */
  out: string;
  /** Seconds between nemesis actions (quiet, then fault, alternating). */
  nemesisIntervalS: number;
  opTimeoutMs: number;
  /** Checker time budget in seconds (0: no limit). */
  checkTimeoutS: number;
}

export const DEFAULTS: RunOptions = {
  runtime: 'auto', workload: 'kv', nemesis: 'partition,kill', nodes: 5, concurrency: 10, rate: 100, timeLimitS: 60,
  seed: 0, bugs: [], testCount: 1, out: 'results', nemesisIntervalS: 5, opTimeoutMs: 3000, checkTimeoutS: 60,
};

/** The test's name in the results tree: workload, faults and planted bugs. */
export function testName(o: RunOptions): string {
  const parts = [o.workload, o.nemesis.replace(/,/g, '+') || 'none'];
  if (o.bugs.length > 0) parts.push(`bug-${o.bugs.join('+')}`);
  return parts.join('-').replace(/[^A-Za-z0-9+._-]/g, '_');
}

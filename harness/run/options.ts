// The defaults of every run option (the command line's, and what a folder from an older faultline lacks).
import type { RunOptions } from '../store/test.js';

export const DEFAULTS: RunOptions = {
  runtime: 'auto',
  target: 'reference',
  targetOpts: {},
  workload: 'kv',
  nemesis: 'partition,kill',
  nodes: 5,
  concurrency: 10,
  rate: 100,
  timeLimitS: 60,
  seed: 0,
  testCount: 1,
  out: 'results',
  nemesisIntervalS: 5,
  nemesisSchedule: 'alternate',
  burstSeconds: 2,
  opTimeoutMs: 3000,
  checkTimeoutS: 60,
};

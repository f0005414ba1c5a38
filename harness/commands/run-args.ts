// Options shared by the commands that start runs (test-all, rerun): flags and their checks, as `run` has them.
// Kept apart from run.ts so each command stays one file; the flag names are the same as run's.
import type { Argv } from 'yargs';
import { parseSchedule, SCHEDULES, type ScheduleName } from '../nemesis/plan.js';
import { DEFAULTS } from '../run/options.js';
import { parseTargetOpts } from '../target/options.js';
import { txnRunFlags, type TxnRunArgs } from './txn-run-args.js';

export interface CommonRunArgs extends TxnRunArgs {
  runtime: 'docker' | 'local' | 'ssh' | 'auto';
  'target-opt': string[];
  nodes: number;
  concurrency: number;
  rate: number;
  'time-limit': number;
  seed?: number;
  bug: string[];
  'test-count': number;
  out: string;
  'nemesis-interval': number;
  'nemesis-schedule': string;
  'burst-rate'?: number;
  'burst-seconds': number;
  'op-timeout': number;
  'check-timeout': number;
  junit?: string;
}

export function commonRunOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('runtime', {
      choices: ['docker', 'local', 'ssh', 'auto'] as const,
      default: DEFAULTS.runtime,
      describe:
        'docker containers, local child processes, processes on SSH hosts (--hosts), or docker when an engine answers',
    })
    .option('target-opt', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'a target option NAME=VALUE (repeatable), for every target',
    })
    .option('nodes', {
      type: 'number',
      describe: `cluster size (default ${DEFAULTS.nodes}; --runtime ssh: the number of hosts)`,
    })
    .option('concurrency', { type: 'number', default: DEFAULTS.concurrency, describe: 'client processes' })
    .option('rate', {
      type: 'number',
      default: DEFAULTS.rate,
      describe: 'target ops/s over all clients (0: unlimited)',
    })
    .option('time-limit', { type: 'number', default: DEFAULTS.timeLimitS, describe: 'seconds of load per run' })
    .option('seed', { type: 'number', describe: 'first seed (default: random, recorded); run i of a test uses seed+i' })
    .option('bug', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'reference target: planted bug (short for --target-opt bug=NAME)',
    })
    .option('test-count', { type: 'number', default: DEFAULTS.testCount, describe: 'seeds per combination' })
    .option('out', { type: 'string', default: DEFAULTS.out, describe: 'results root folder' })
    .option('nemesis-interval', {
      type: 'number',
      default: DEFAULTS.nemesisIntervalS,
      describe: "the schedule's time unit, seconds: alternate's quiet and fault length, random's mean gap and duration",
    })
    .option('nemesis-schedule', {
      type: 'string',
      default: DEFAULTS.nemesisSchedule,
      describe:
        `${SCHEDULES.join(', ')}: one fault at a time; ` +
        'overlapping packages with exponential gaps and durations; runs of short faults',
    })
    .option('burst-rate', {
      type: 'number',
      describe: 'client ops/s around each fault start and stop (default: 3 x --rate; equal to --rate: no bursts)',
    })
    .option('burst-seconds', {
      type: 'number',
      default: DEFAULTS.burstSeconds,
      describe: 'a burst runs this many seconds before and after each planned fault transition (0: none)',
    })
    .option('op-timeout', {
      type: 'number',
      default: DEFAULTS.opTimeoutMs,
      describe: 'client timeout per operation, ms',
    })
    .option('check-timeout', {
      type: 'number',
      default: DEFAULTS.checkTimeoutS,
      describe: 'checker time budget, seconds (0: none)',
    })
    .option('junit', { type: 'string', describe: 'write a JUnit XML file: one testcase per run' })
    .options(txnRunFlags) as unknown as Argv<T>;
}

/**
 * Checks the flags every run-starting command shares; returns the first seed, the target options and
 * the schedule. Throws a one-line Error.
 */
export function checkCommonArgs(a: CommonRunArgs): {
  seed: number;
  targetOpts: Record<string, string>;
  schedule: ScheduleName;
} {
  a.nodes ??= DEFAULTS.nodes;
  const positive: [string, number][] = [
    ['nodes', a.nodes],
    ['concurrency', a.concurrency],
    ['time-limit', a['time-limit']],
    ['test-count', a['test-count']],
    ['nemesis-interval', a['nemesis-interval']],
    ['op-timeout', a['op-timeout']],
  ];
  for (const [k, v] of positive)
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} must be a positive number, got ${v}`);
  if (!Number.isInteger(a.nodes) || a.nodes > 9)
    throw new Error(`--nodes must be an integer from 1 to 9, got ${a.nodes}`);
  if (!Number.isInteger(a['test-count'])) throw new Error(`--test-count must be an integer, got ${a['test-count']}`);
  if (!(a.rate >= 0)) throw new Error(`--rate must be >= 0, got ${a.rate}`);
  if (!(a['check-timeout'] >= 0)) throw new Error(`--check-timeout must be >= 0, got ${a['check-timeout']}`);
  if (a['burst-rate'] !== undefined && !(a['burst-rate'] >= 0))
    throw new Error(`--burst-rate must be >= 0, got ${a['burst-rate']}`);
  if (!(a['burst-seconds'] >= 0)) throw new Error(`--burst-seconds must be >= 0, got ${a['burst-seconds']}`);
  const schedule = parseSchedule(a['nemesis-schedule']);
  const seed = a.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${a.seed}`);
  const bugs = a.bug.flatMap((b) => b.split(',')).filter(Boolean);
  const targetOpts = parseTargetOpts([...a['target-opt'], ...(bugs.length ? [`bug=${bugs.join(',')}`] : [])]);
  return { seed, targetOpts, schedule };
}

// Options shared by the commands that start runs (run, test-all): flags, their checks, and the one place the
// options of a run are made from them (runOptions). The ssh runtime's flags are shared too (ssh-args.ts).
import type { Argv } from 'yargs';
import { parseSchedule, SCHEDULES, type ScheduleName } from '../nemesis/plan.js';
import { DEFAULTS } from '../run/options.js';
import type { RunOptions } from '../store/test.js';
import { parseTargetOpts } from '../target/options.js';
import { checkSshArgs, type SshArgs, sshRunOptions } from './ssh-args.js';

export interface CommonRunArgs extends SshArgs {
  runtime: 'docker' | 'local' | 'ssh' | 'auto';
  'target-opt': string[];
  /** Filled by checkCommonArgs: --runtime ssh defaults it to the number of hosts. */
  nodes?: number;
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
  return sshRunOptions(y)
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
    .option('junit', { type: 'string', describe: 'write a JUnit XML file: one testcase per run' });
}

/** The shared flags as checked: the first seed, the node count, the target options, the schedule, the ssh options. */
export interface CheckedRunArgs {
  seed: number;
  nodes: number;
  targetOpts: Record<string, string>;
  schedule: ScheduleName;
  ssh: ReturnType<typeof checkSshArgs>['options'];
}

/** Checks the flags every run-starting command shares (the ssh ones first: they decide --nodes). Throws one line. */
export function checkCommonArgs(a: CommonRunArgs): CheckedRunArgs {
  const ssh = checkSshArgs(a);
  const nodes = ssh.nodes;
  const positive: [string, number][] = [
    ['nodes', nodes],
    ['concurrency', a.concurrency],
    ['time-limit', a['time-limit']],
    ['test-count', a['test-count']],
    ['nemesis-interval', a['nemesis-interval']],
    ['op-timeout', a['op-timeout']],
  ];
  for (const [k, v] of positive)
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} must be a positive number, got ${v}`);
  if (!Number.isInteger(nodes) || nodes > 9) throw new Error(`--nodes must be an integer from 1 to 9, got ${nodes}`);
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
  return { seed, nodes, targetOpts, schedule, ssh: ssh.options };
}

/** What differs from one run of a command to the next; everything else comes from the shared flags. */
export type OneRun = Pick<RunOptions, 'target' | 'workload' | 'nemesis' | 'seed' | 'testCount'>;

/** The options of one run: the shared flags as checked (checkCommonArgs), and what this run is. */
export function runOptions(a: CommonRunArgs, c: CheckedRunArgs, one: OneRun): RunOptions {
  return {
    runtime: a.runtime,
    target: one.target,
    targetOpts: c.targetOpts,
    workload: one.workload,
    nemesis: one.nemesis,
    nodes: c.nodes,
    concurrency: a.concurrency,
    rate: a.rate,
    timeLimitS: a['time-limit'],
    seed: one.seed,
    testCount: one.testCount,
    out: a.out,
    nemesisIntervalS: a['nemesis-interval'],
    nemesisSchedule: c.schedule,
    burstRate: a['burst-rate'],
    burstSeconds: a['burst-seconds'],
    opTimeoutMs: a['op-timeout'],
    checkTimeoutS: a['check-timeout'],
    ...c.ssh,
  };
}

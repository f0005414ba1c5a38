// Options shared by the commands that start runs (run, test-all): flags, their checks, and the one place the
// options of a run are made from them (runOptions). The ssh runtime's flags are shared too (ssh-args.ts).
import type { Argv } from 'yargs';
import { parseSchedule, SCHEDULES, type ScheduleName } from '../nemesis/plan.js';
import { DEFAULTS } from '../run/options.js';
import type { RunOptions } from '../store/test.js';
import { parseTargetOpts } from '../target/options.js';
import { numberOption } from './numbers.js';
import { checkSshArgs, type SshArgs, sshRunOptions } from './ssh-args.js';

/** The largest cluster a run brings up. */
export const MAX_NODES = 9;

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

/** The groups of a run's help, in order: what a user sets first, then the rest by what it is about. */
export const RUN_GROUPS: readonly (readonly [string, readonly string[]])[] = [
  ['What to test:', ['target', 'workload', 'nemesis', 'time-limit', 'runtime', 'nodes', 'seed']],
  ['Faults:', ['nemesis-schedule', 'nemesis-interval']],
  ['Load:', ['concurrency', 'rate', 'burst-rate', 'burst-seconds', 'op-timeout']],
  ['Target options:', ['target-opt', 'bug']],
  ['Runs and results:', ['test-count', 'out', 'check-timeout', 'junit']],
  ['SSH runtime:', ['hosts', 'ssh-key', 'ssh-known-hosts', 'ssh-accept-new']],
];

/**
 * The flags of run and test-all (each adds --target, --workload, --nemesis, then calls this), grouped in help by
 * RUN_GROUPS, so --target and --workload come first rather than after twenty others.
 */
export function commonRunOptions<T>(y: Argv<T>): Argv<T> {
  const options = sshRunOptions(y)
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
    .option(
      'nodes',
      numberOption(
        'nodes',
        { whole: true, min: 1, max: MAX_NODES },
        {
          describe: `cluster size (default ${DEFAULTS.nodes}; --runtime ssh: the number of hosts)`,
        },
      ),
    )
    .option(
      'concurrency',
      numberOption(
        'concurrency',
        { whole: true, min: 1 },
        { default: DEFAULTS.concurrency, describe: 'client processes' },
      ),
    )
    .option(
      'rate',
      numberOption(
        'rate',
        { min: 0 },
        { default: DEFAULTS.rate, describe: 'target ops/s over all clients (0: unlimited)' },
      ),
    )
    .option(
      'time-limit',
      numberOption(
        'time-limit',
        { positive: true },
        { default: DEFAULTS.timeLimitS, describe: 'seconds of load per run' },
      ),
    )
    .option(
      'seed',
      numberOption(
        'seed',
        { whole: true },
        {
          describe: 'first seed (default: random, recorded); run i of a test uses seed+i',
        },
      ),
    )
    .option('bug', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'reference target: planted bug (short for --target-opt bug=NAME)',
    })
    .option(
      'test-count',
      numberOption(
        'test-count',
        { whole: true, min: 1 },
        { default: DEFAULTS.testCount, describe: 'seeds per combination' },
      ),
    )
    .option('out', { type: 'string', default: DEFAULTS.out, describe: 'results root folder' })
    .option(
      'nemesis-interval',
      numberOption(
        'nemesis-interval',
        { positive: true },
        {
          default: DEFAULTS.nemesisIntervalS,
          describe:
            "the schedule's time unit, seconds: alternate's quiet and fault length, random's mean gap and duration",
        },
      ),
    )
    .option('nemesis-schedule', {
      type: 'string',
      choices: SCHEDULES as unknown as string[],
      default: DEFAULTS.nemesisSchedule,
      describe:
        'alternate: one fault at a time; random: overlapping packages with exponential gaps and durations; ' +
        'burst: runs of short faults',
    })
    .option(
      'burst-rate',
      numberOption(
        'burst-rate',
        { min: 0 },
        {
          describe: 'client ops/s around each fault start and stop (default: 3 x --rate; equal to --rate: no bursts)',
        },
      ),
    )
    .option(
      'burst-seconds',
      numberOption(
        'burst-seconds',
        { min: 0 },
        {
          default: DEFAULTS.burstSeconds,
          describe: 'a burst runs this many seconds before and after each planned fault transition (0: none)',
        },
      ),
    )
    .option(
      'op-timeout',
      numberOption(
        'op-timeout',
        { positive: true },
        {
          default: DEFAULTS.opTimeoutMs,
          describe: 'client timeout per operation, ms',
        },
      ),
    )
    .option(
      'check-timeout',
      numberOption(
        'check-timeout',
        { min: 0 },
        {
          default: DEFAULTS.checkTimeoutS,
          describe: 'checker time budget, seconds (0: none)',
        },
      ),
    )
    .option('junit', { type: 'string', describe: 'write a JUnit XML file: one testcase per run' });
  for (const [name, keys] of RUN_GROUPS) options.group(keys as string[], name);
  return options;
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
  // The flags' own ranges were checked as they were parsed (numbers.ts); --runtime ssh's default is the hosts'.
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES)
    throw new Error(`--nodes: expected a whole number from 1 to ${MAX_NODES}, got '${nodes}'`);
  const schedule = parseSchedule(a['nemesis-schedule']);
  const seed = a.seed ?? Math.floor(Math.random() * 2 ** 31);
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

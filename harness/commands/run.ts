// `faultline run`: the main job. Starts the cluster, drives the workload while faults fly, checks, reports,
// exits with the verdict (0 valid, 1 invalid, 2 unknown, 3 the run itself failed).
import type { Argv, CommandModule } from 'yargs';
import { exitCodeFor, mergeValidity, type Validity } from '../checker/results.js';
import { FAULT_KINDS } from '../nemesis/faults.js';
import { parseNemesisSpec, requiredKinds } from '../nemesis/packages.js';
import { parseSchedule, SCHEDULES } from '../nemesis/plan.js';
import { DEFAULTS, type RunOptions } from '../run/options.js';
import { runOnce, StopSignal, type RunOutcome } from '../run/run.js';
import { renderRunReport } from '../report/run-report.js';
import { writeRunFile } from '../store/folder.js';
import { BUILTIN_TARGETS } from '../target/load.js';
import { parseTargetOpts } from '../target/options.js';
import { prepareTarget } from '../target/prepare.js';
import { WORKLOADS } from '../../workloads/index.js';
import { fail } from './errors.js';
import { setSignalOwner } from '../runtime/cleanup.js';
import { writeJunit, type JunitCase } from '../report/junit.js';
import { junitCase, refreshIndex } from './execute.js';
import { testName } from '../run/options.js';

interface RunArgs {
  runtime: 'docker' | 'local' | 'auto';
  target: string;
  'target-opt': string[];
  workload: string;
  nemesis: string;
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

function verdictWord(v: Validity): string {
  return v === true ? 'VALID' : v === false ? 'INVALID' : 'UNKNOWN';
}

/** Progress: a rewritten status line on a terminal, a plain line every 10 s otherwise. */
function progressPrinter(): { line: (s: string) => void; message: (s: string) => void; done: () => void } {
  const tty = process.stdout.isTTY;
  let last = 0;
  let pending = false;
  return {
    line: (s) => {
      if (tty) { process.stdout.write(`\r\x1b[K${s}`); pending = true; return; }
      if (Date.now() - last >= 10_000) { last = Date.now(); process.stdout.write(`${s}\n`); }
    },
    message: (s) => {
      if (tty && pending) { process.stdout.write('\r\x1b[K'); pending = false; }
      process.stdout.write(`${s}\n`);
    },
    done: () => { if (tty && pending) process.stdout.write('\r\x1b[K'); },
  };
}

/** The report is the command's to render, from what the run left in its folder. */
function writeReport(r: RunOutcome): void {
  writeRunFile(r.dir, 'report.html', renderRunReport({ test: r.test, events: r.events, results: r.results, nodes: r.test.nodes.map((n) => n.name) }));
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run a chaos test: cluster up, workload + faults, check, report',
  builder: (y: Argv<object>) =>
    y
      .option('runtime', { choices: ['docker', 'local', 'auto'] as const, default: DEFAULTS.runtime, describe: 'docker containers, local child processes, or docker when an engine answers' })
      .option('target', { type: 'string', default: DEFAULTS.target, describe: `the system under test: ${Object.keys(BUILTIN_TARGETS).join(', ')}, or the path of an ESM module exporting a target` })
      .option('target-opt', { type: 'string', array: true, default: [] as string[], describe: 'a target option NAME=VALUE (repeatable), e.g. reads=serializable for etcd' })
      .option('workload', { type: 'string', default: DEFAULTS.workload, describe: `one of ${WORKLOADS.map((w) => w.name).join(', ')}` })
      .option('nemesis', { type: 'string', default: DEFAULTS.nemesis, describe: `comma-separated fault packages: ${FAULT_KINDS.map((f) => f.name).join(', ')}, each optionally limited to shapes (partition:one-way-deaf/one-way-mute); all (every kind the target and runtime can take); or none` })
      .option('nodes', { type: 'number', default: DEFAULTS.nodes, describe: 'cluster size' })
      .option('concurrency', { type: 'number', default: DEFAULTS.concurrency, describe: 'client processes' })
      .option('rate', { type: 'number', default: DEFAULTS.rate, describe: 'target ops/s over all clients (0: unlimited)' })
      .option('time-limit', { type: 'number', default: DEFAULTS.timeLimitS, describe: 'seconds of load' })
      .option('seed', { type: 'number', describe: 'random seed for the op schedule and the faults (default: random, recorded)' })
      .option('bug', { type: 'string', array: true, default: [] as string[], describe: 'reference target: planted bug on every node (short for --target-opt bug=NAME)' })
      .option('test-count', { type: 'number', default: DEFAULTS.testCount, describe: 'run the test this many times (seeds seed, seed+1, ...); stops at the first invalid run' })
      .option('out', { type: 'string', default: DEFAULTS.out, describe: 'results root folder' })
      .option('nemesis-interval', { type: 'number', default: DEFAULTS.nemesisIntervalS, describe: 'the schedule\'s time unit, seconds: alternate\'s quiet and fault length, random\'s mean gap and duration' })
      .option('nemesis-schedule', { type: 'string', default: DEFAULTS.nemesisSchedule, describe: `${SCHEDULES.join(', ')}: one fault at a time; overlapping packages with exponential gaps and durations; runs of short faults` })
      .option('burst-rate', { type: 'number', describe: 'client ops/s around each fault start and stop (default: 3 x --rate; equal to --rate: no bursts)' })
      .option('burst-seconds', { type: 'number', default: DEFAULTS.burstSeconds, describe: 'a burst runs this many seconds before and after each planned fault transition (0: none)' })
      .option('op-timeout', { type: 'number', default: DEFAULTS.opTimeoutMs, describe: 'client timeout per operation, ms' })
      .option('check-timeout', { type: 'number', default: DEFAULTS.checkTimeoutS, describe: 'checker time budget, seconds (0: none)' })
      .option('junit', { type: 'string', describe: 'write a JUnit XML file: one testcase per run' }) as unknown as Argv<RunArgs>,
  handler: async (a) => {
    if (!WORKLOADS.some((w) => w.name === a.workload)) fail(new Error(`unknown --workload ${a.workload}; known: ${WORKLOADS.map((w) => w.name).join(', ')}`));
    let targetOpts: Record<string, string> = {};
    try {
      const bugs = a.bug.flatMap((b) => b.split(',')).filter(Boolean);
      targetOpts = parseTargetOpts([...a['target-opt'], ...(bugs.length ? [`bug=${bugs.join(',')}`] : [])]);
      parseSchedule(a['nemesis-schedule']);
      await prepareTarget(a.target, targetOpts, a.workload, requiredKinds(parseNemesisSpec(a.nemesis)));
    } catch (e) {
      fail(e);
    }
    const positive: [string, number][] = [['nodes', a.nodes], ['concurrency', a.concurrency], ['time-limit', a['time-limit']], ['test-count', a['test-count']], ['nemesis-interval', a['nemesis-interval']], ['op-timeout', a['op-timeout']]];
    for (const [k, v] of positive) if (!Number.isFinite(v) || v <= 0) fail(new Error(`--${k} must be a positive number, got ${v}`));
    if (!Number.isInteger(a.nodes) || a.nodes > 9) fail(new Error(`--nodes must be an integer from 1 to 9, got ${a.nodes}`));
    if (!(a.rate >= 0)) fail(new Error(`--rate must be >= 0, got ${a.rate}`));
    if (a['burst-rate'] !== undefined && !(a['burst-rate'] >= 0)) fail(new Error(`--burst-rate must be >= 0, got ${a['burst-rate']}`));
    if (!(a['burst-seconds'] >= 0)) fail(new Error(`--burst-seconds must be >= 0, got ${a['burst-seconds']}`));
    const seed = a.seed ?? Math.floor(Math.random() * 2 ** 31);
    if (!Number.isSafeInteger(seed)) fail(new Error(`--seed must be an integer, got ${a.seed}`));
    const p = progressPrinter();
    const stop = new StopSignal();
    // Ctrl-C ends the load early; the run still heals, checks, reports and tears down. A second one aborts.
    setSignalOwner(() => {
      p.message('interrupted: stopping the load; the run will heal, check what was recorded and tear down (Ctrl-C again to abort)');
      stop.stop('SIGINT');
    });
    const verdicts: Validity[] = [];
    // --junit and the results index (results/index.html, rewritten after every run) are kept beside the loop.
    const cases: JunitCase[] = [];
    const junit = (): void => { if (a.junit) try { writeJunit(a.junit, 'faultline run', cases); } catch (e) { fail(e); } };
    for (let i = 0; i < a['test-count']; i++) {
      const o: RunOptions = {
        runtime: a.runtime, target: a.target, targetOpts, workload: a.workload, nemesis: a.nemesis, nodes: a.nodes, concurrency: a.concurrency, rate: a.rate,
        timeLimitS: a['time-limit'], seed: seed + i, testCount: a['test-count'], out: a.out, nemesisIntervalS: a['nemesis-interval'],
        nemesisSchedule: parseSchedule(a['nemesis-schedule']), burstRate: a['burst-rate'], burstSeconds: a['burst-seconds'],
        opTimeoutMs: a['op-timeout'], checkTimeoutS: a['check-timeout'],
      };
      try {
        const r = await runOnce(o, stop, { line: p.line, message: p.message }).catch((e: Error & Partial<RunOutcome>) => {
          if (e.dir && e.test && e.results) writeReport(e as RunOutcome);
          throw e;
        });
        writeReport(r);
        p.done();
        refreshIndex(a.out, p.message);
        cases.push(junitCase({ options: o, verdict: r.results.valid, seconds: (Date.parse(r.test.finishedAt ?? r.test.startedAt) - Date.parse(r.test.startedAt)) / 1000, dir: r.dir, test: r.test, results: r.results }, r.test.name));
        verdicts.push(r.results.valid);
        p.message(`${verdictWord(r.results.valid)}  ${r.dir}/report.html  (seed ${o.seed})`);
        if (r.results.valid === false || stop.reason) break;
      } catch (e) {
        p.done();
        const dir = (e as { dir?: string }).dir;
        refreshIndex(a.out, p.message);
        cases.push(junitCase({ options: o, verdict: 'error', seconds: 0, dir, test: (e as Partial<RunOutcome>).test, error: (e as Error).message.split('\n')[0] }, testName(o)));
        junit();
        process.stderr.write(`faultline: the run failed: ${(e as Error).message.split('\n')[0]}${dir ? ` (partial results in ${dir})` : ''}\n`);
        process.exit(3);
      }
    }
    junit();
    process.exit(exitCodeFor(mergeValidity(verdicts)));
  },
};

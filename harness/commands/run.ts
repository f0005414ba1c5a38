// `faultline run`: the main job. Starts the cluster, drives the workload while faults fly, checks, reports,
// exits with the verdict (0 valid, 1 invalid, 2 unknown, 3 the run itself failed).
import type { Argv, CommandModule } from 'yargs';
import { exitCodeFor, mergeValidity, type Validity } from '../checker/results.js';
import { FAULT_KINDS } from '../nemesis/faults.js';
import { parseNemesisSpec, requiredKinds } from '../nemesis/packages.js';
import { DEFAULTS, type RunOptions } from '../run/options.js';
import { runOnce, StopSignal, type RunOutcome } from '../run/run.js';
import { renderRunReport } from '../report/run-report.js';
import { writeRunFile } from '../store/folder.js';
import { BUILTIN_TARGETS } from '../target/load.js';
import { prepareTarget } from '../target/prepare.js';
import { WORKLOADS } from '../../workloads/index.js';
import { fail } from './errors.js';
import { setSignalOwner } from '../runtime/cleanup.js';
import { writeJunit, type JunitCase } from '../report/junit.js';
import { junitCase, refreshIndex } from './execute.js';
import { testName } from '../run/options.js';
import { progressPrinter } from './progress.js';
import { checkCommonArgs, commonRunOptions, type CommonRunArgs } from './run-args.js';
import { checkSshArgs, sshRunOptions } from './ssh-args.js';
import { txnRunFields } from './txn-run-args.js';

interface RunArgs extends CommonRunArgs {
  hosts?: string;
  target: string;
  workload: string;
  nemesis: string;
}

function verdictWord(v: Validity): string {
  return v === true ? 'VALID' : v === false ? 'INVALID' : 'UNKNOWN';
}

/** The report is the command's to render, from what the run left in its folder. */
function writeReport(r: RunOutcome): void {
  writeRunFile(
    r.dir,
    'report.html',
    renderRunReport({ test: r.test, events: r.events, results: r.results, nodes: r.test.nodes.map((n) => n.name) }),
  );
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run a chaos test: cluster up, workload + faults, check, report',
  builder: (y: Argv<object>) =>
    sshRunOptions(commonRunOptions(y))
      .option('target', {
        type: 'string',
        default: DEFAULTS.target,
        describe:
          `the system under test: ${Object.keys(BUILTIN_TARGETS).join(', ')}, ` +
          'or the path of an ESM module exporting a target',
      })
      .option('workload', {
        type: 'string',
        default: DEFAULTS.workload,
        describe: `one of ${WORKLOADS.map((w) => w.name).join(', ')}`,
      })
      .option('nemesis', {
        type: 'string',
        default: DEFAULTS.nemesis,
        describe:
          `comma-separated fault packages: ${FAULT_KINDS.map((f) => f.name).join(', ')}, ` +
          'each optionally limited to shapes (partition:one-way-deaf/one-way-mute); ' +
          'all (every kind the target and runtime can take); or none',
      })
      .option('seed', {
        type: 'number',
        describe: 'random seed for the op schedule and the faults (default: random, recorded)',
      })
      .option('test-count', {
        type: 'number',
        default: DEFAULTS.testCount,
        describe: 'run the test this many times (seeds seed, seed+1, ...); stops at the first invalid run',
      }) as unknown as Argv<RunArgs>,
  handler: async (a) => {
    if (!WORKLOADS.some((w) => w.name === a.workload))
      fail(new Error(`unknown --workload ${a.workload}; known: ${WORKLOADS.map((w) => w.name).join(', ')}`));
    let common: ReturnType<typeof checkCommonArgs>;
    let ssh: ReturnType<typeof checkSshArgs>;
    let txn: ReturnType<typeof txnRunFields>;
    try {
      ssh = checkSshArgs(a);
      a.nodes = ssh.nodes;
      common = checkCommonArgs(a);
      txn = txnRunFields(a, a.workload);
      await prepareTarget(a.target, common.targetOpts, a.workload, requiredKinds(parseNemesisSpec(a.nemesis)));
    } catch (e) {
      fail(e);
    }
    const { seed, targetOpts, schedule } = common!;
    const p = progressPrinter();
    const stop = new StopSignal();
    // Ctrl-C ends the load early; the run still heals, checks, reports and tears down. A second one aborts.
    setSignalOwner(() => {
      p.message(
        'interrupted: stopping the load; the run will heal, ' +
          'check what was recorded and tear down (Ctrl-C again to abort)',
      );
      stop.stop('SIGINT');
    });
    const verdicts: Validity[] = [];
    // --junit and the results index (results/index.html, rewritten after every run) are kept beside the loop.
    const cases: JunitCase[] = [];
    const junit = (): void => {
      if (a.junit)
        try {
          writeJunit(a.junit, 'faultline run', cases);
        } catch (e) {
          fail(e);
        }
    };
    for (let i = 0; i < a['test-count']; i++) {
      const o: RunOptions = {
        runtime: a.runtime,
        target: a.target,
        targetOpts,
        workload: a.workload,
        nemesis: a.nemesis,
        nodes: a.nodes,
        concurrency: a.concurrency,
        rate: a.rate,
        timeLimitS: a['time-limit'],
        seed: seed + i,
        testCount: a['test-count'],
        out: a.out,
        nemesisIntervalS: a['nemesis-interval'],
        nemesisSchedule: schedule,
        burstRate: a['burst-rate'],
        burstSeconds: a['burst-seconds'],
        opTimeoutMs: a['op-timeout'],
        checkTimeoutS: a['check-timeout'],
        ...ssh!.options,
        ...txn!,
      };
      try {
        const r = await runOnce(o, stop, { line: p.line, message: p.message }).catch(
          (e: Error & Partial<RunOutcome>) => {
            if (e.dir && e.test && e.results) writeReport(e as RunOutcome);
            throw e;
          },
        );
        writeReport(r);
        p.done();
        refreshIndex(a.out, p.message);
        cases.push(
          junitCase(
            {
              options: o,
              verdict: r.results.valid,
              seconds: (Date.parse(r.test.finishedAt ?? r.test.startedAt) - Date.parse(r.test.startedAt)) / 1000,
              dir: r.dir,
              test: r.test,
              results: r.results,
            },
            r.test.name,
          ),
        );
        verdicts.push(r.results.valid);
        p.message(`${verdictWord(r.results.valid)}  ${r.dir}/report.html  (seed ${o.seed})`);
        if (r.results.valid === false || stop.reason) break;
      } catch (e) {
        p.done();
        const dir = (e as { dir?: string }).dir;
        refreshIndex(a.out, p.message);
        cases.push(
          junitCase(
            {
              options: o,
              verdict: 'error',
              seconds: 0,
              dir,
              test: (e as Partial<RunOutcome>).test,
              error: (e as Error).message.split('\n')[0],
            },
            testName(o),
          ),
        );
        junit();
        process.stderr.write(
          `faultline: the run failed: ${(e as Error).message.split('\n')[0]}` +
            `${dir ? ` (partial results in ${dir})` : ''}\n`,
        );
        process.exit(3);
      }
    }
    junit();
    process.exit(exitCodeFor(mergeValidity(verdicts)));
  },
};

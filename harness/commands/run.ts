// `faultline run`: the main job. Starts the cluster, drives the workload while faults fly, checks, reports,
// exits with the verdict (0 valid, 1 invalid, 2 unknown, 3 the run itself failed). With --test-count it loops
// over seeds through the same executeRun that test-all uses, stopping at the first invalid run.
import type { Argv, CommandModule } from 'yargs';
import { WORKLOADS } from '../../workloads/index.js';
import { BUILTIN_TARGETS } from '../../targets/load.js';
import { prepareTarget, type PreparedTarget } from '../../targets/prepare.js';
import { FAULT_KINDS } from '../nemesis/faults.js';
import { parseNemesisSpec, requiredKinds } from '../nemesis/packages.js';
import { writeJunit, type JunitCase } from '../report/junit.js';
import { DEFAULTS } from '../run/options.js';
import { StopSignal } from '../run/run.js';
import { setSignalOwner } from '../runtime/cleanup.js';
import { testName } from '../store/test.js';
import { fail } from './errors.js';
import { exitCode, verdictWord, worst, type Verdict } from '../checker/results.js';
import { executeRun, junitCase } from './execute.js';
import { numberOption } from './numbers.js';
import { progressPrinter } from './progress.js';
import { tally } from './tally.js';
import { checkCommonArgs, commonRunOptions, runOptions, type CommonRunArgs } from './run-args.js';

interface RunArgs extends CommonRunArgs {
  target: string;
  workload: string;
  nemesis: string;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run a chaos test: cluster up, workload + faults, check, report',
  builder: (y: Argv<object>) =>
    commonRunOptions(y)
      .option('target', {
        type: 'string',
        default: DEFAULTS.target,
        describe:
          `the system under test: ${Object.keys(BUILTIN_TARGETS).join(', ')}, ` +
          'or the path of an ESM module exporting a target',
      })
      .option('workload', {
        type: 'string',
        choices: WORKLOADS.map((w) => w.name),
        default: DEFAULTS.workload,
        describe: 'what the clients do (docs/cli.md says what each checks)',
      })
      .option('nemesis', {
        type: 'string',
        default: DEFAULTS.nemesis,
        describe:
          `comma-separated fault packages: ${FAULT_KINDS.map((f) => f.name).join(', ')}, ` +
          'each optionally limited to shapes (partition:one-way-deaf/one-way-mute); ' +
          'all (every kind the target and runtime can take); or none',
      })
      .option(
        'seed',
        numberOption(
          'seed',
          { whole: true },
          {
            describe: 'random seed for the op schedule and the faults (default: random, recorded)',
          },
        ),
      )
      .option(
        'test-count',
        numberOption(
          'test-count',
          { whole: true, min: 1 },
          {
            default: DEFAULTS.testCount,
            describe: 'run the test this many times (seeds seed, seed+1, ...); stops at the first invalid run',
          },
        ),
      ) as unknown as Argv<RunArgs>,
  handler: async (a) => {
    let common: ReturnType<typeof checkCommonArgs>;
    let prepared: PreparedTarget;
    try {
      common = checkCommonArgs(a);
      // Once for every seed: everything the target can refuse is refused before the first run starts.
      prepared = await prepareTarget(
        a.target,
        common.targetOpts,
        a.workload,
        requiredKinds(parseNemesisSpec(a.nemesis)),
      );
    } catch (e) {
      fail(e);
    }
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
    const done: { verdict: Verdict; seed: number }[] = [];
    const cases: JunitCase[] = [];
    const count = a['test-count'];
    // Several runs end with their tally (tally.ts), a failed run included, so a CI log says what each seed gave.
    const finish = (code: number): never => {
      if (count > 1) p.message(tally(done));
      if (a.junit)
        try {
          writeJunit(a.junit, 'faultline run', cases);
        } catch (e) {
          fail(e);
        }
      process.exit(code);
    };
    for (let i = 0; i < count; i++) {
      const o = runOptions(a, common!, {
        target: a.target,
        workload: a.workload,
        nemesis: a.nemesis,
        seed: common!.seed + i,
        testCount: count,
      });
      if (count > 1) p.message(`run ${i + 1}/${count}, seed ${o.seed}`);
      const x = await executeRun(o, prepared!, stop, p);
      p.done();
      cases.push(junitCase(x, x.test?.name ?? testName(o)));
      done.push({ verdict: x.verdict, seed: o.seed });
      if (x.verdict === 'error') {
        process.stderr.write(`faultline: the run failed: ${x.error}${x.dir ? ` (partial results in ${x.dir})` : ''}\n`);
        finish(3);
      }
      p.message(`${verdictWord(x.verdict)}  ${x.dir}/report.html  (seed ${o.seed})`);
      if (x.verdict === false || stop.reason) break;
    }
    finish(exitCode(worst(done.map((d) => d.verdict))));
  },
};

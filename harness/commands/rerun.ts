// `faultline rerun DIR`: run the test of a saved run folder again, with the options and the seed its test.json
// recorded, into a new folder of the same results root (or --out). The same seed gives the same schedule of
// operations and faults; a real system's timing still varies, so a rerun may or may not hit the bug again.
import { dirname, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { DEFAULTS } from '../run/options.js';
import { testName, type RunOptions } from '../store/test.js';
import { StopSignal } from '../run/run.js';
import { writeJunit } from '../report/junit.js';
import { setSignalOwner } from '../runtime/cleanup.js';
import { HistoryError } from '../history/op.js';
import { readResults, readTest } from '../store/folder.js';
import { prepareTarget, type PreparedTarget } from '../../targets/prepare.js';
import { parseNemesisSpec, requiredKinds } from '../nemesis/packages.js';
import { commandLine } from './command-line.js';
import { fail, safeText } from './errors.js';
import { exitCode, verdictWord } from '../checker/results.js';
import { executeRun, junitCase } from './execute.js';
import { progressPrinter } from './progress.js';

interface RerunArgs {
  dir: string;
  out?: string;
  junit?: string;
}

/** The run options a folder recorded, completed with today's defaults for options it predates. */
export function optionsOf(dir: string): RunOptions {
  const t = readTest(dir);
  if (!t) throw new HistoryError('not a run folder (no test.json)', dir);
  const o = { ...DEFAULTS, ...t.options, testCount: 1 } as RunOptions;
  if (typeof o.seed !== 'number' || !Number.isSafeInteger(o.seed))
    throw new HistoryError(`test.json: options.seed must be an integer, got ${String(o.seed)}`, dir);
  if (typeof o.workload !== 'string' || typeof o.target !== 'string')
    throw new HistoryError('test.json: options.workload and options.target must be strings', dir);
  return o;
}

export const rerunCommand: CommandModule<object, RerunArgs> = {
  command: 'rerun <dir>',
  describe: "Run a saved run folder's test again with its recorded options and seed",
  builder: (y: Argv<object>) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'a run folder (results/<test>/<time>)' })
      .option('out', {
        type: 'string',
        describe: "results root for the new run (default: the folder's own results root)",
      })
      .option('junit', {
        type: 'string',
        describe: 'write a JUnit XML file with the one testcase',
      }) as unknown as Argv<RerunArgs>,
  handler: async (a) => {
    let o: RunOptions;
    let prepared: PreparedTarget;
    let before: string;
    try {
      o = optionsOf(a.dir);
      prepared = await prepareTarget(o.target, o.targetOpts, o.workload, requiredKinds(parseNemesisSpec(o.nemesis)));
      // A run folder is <root>/<test>/<time>: the new run goes beside it unless told otherwise.
      o.out = a.out ?? resolve(dirname(dirname(resolve(a.dir))));
      const prior = readResults(a.dir);
      before = prior ? verdictWord(prior.valid) : 'no verdict';
    } catch (e) {
      fail(e);
    }
    const p = progressPrinter();
    const stop = new StopSignal();
    setSignalOwner(() => {
      p.message('interrupted: stopping the load (Ctrl-C again to abort)');
      stop.stop('SIGINT');
    });
    p.message(safeText(`rerun: ${commandLine(o!)}`));
    const x = await executeRun(o!, prepared!, stop, p);
    p.done();
    p.message(
      safeText(
        `${verdictWord(x.verdict)}  ${x.dir ? `${x.dir}/report.html` : ''}  ` +
          `(seed ${o!.seed}; the original run: ${before!})${x.error ? `: ${x.error}` : ''}`,
      ),
    );
    if (a.junit) {
      try {
        writeJunit(a.junit, 'faultline rerun', [junitCase(x, x.test?.name ?? testName(o!))]);
      } catch (e) {
        fail(e);
      }
    }
    process.exit(exitCode(x.verdict));
  },
};

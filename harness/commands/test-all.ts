// `faultline test-all`: a matrix for CI. The cross product of --workload, --target and --nemesis lists and
// --test-count seeds, one run each (every run, not stopping at the first invalid one), then a summary table
// (verdict, seed, duration, folder), an optional JUnit file and a Markdown job summary in $GITHUB_STEP_SUMMARY.
// Exit code: the worst verdict, ranked error (3) > invalid (1) > unknown (2) > valid (0), so CI fails on both
// a bug found and a run that could not be done.
import type { Argv, CommandModule } from 'yargs';
import { WORKLOADS } from '../../workloads/index.js';
import { parseNemesisSpec, requiredKinds } from '../nemesis/packages.js';
import { testName, type RunOptions } from '../store/test.js';
import { StopSignal } from '../run/run.js';
import { writeJunit } from '../report/junit.js';
import { setSignalOwner } from '../runtime/cleanup.js';
import { prepareTarget, type PreparedTarget } from '../../targets/prepare.js';
import { BUILTIN_TARGETS } from '../../targets/load.js';
import { plural } from '../words.js';
import { fail, safeText } from './errors.js';
import { exitCode, verdictWord, worst } from '../checker/results.js';
import { executeRun, junitCase, type Executed } from './execute.js';
import { progressPrinter } from './progress.js';
import { checkCommonArgs, commonRunOptions, runOptions, type CommonRunArgs } from './run-args.js';
import { textTable, writeStepSummary, type Row } from './summary.js';

interface TestAllArgs extends CommonRunArgs {
  workload: string;
  nemesis: string;
  target: string;
}

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** --nemesis lists fault sets separated by commas; a set of several faults joins them with "+". */
export function nemesisSets(s: string): string[] {
  const sets = list(s).map((x) =>
    x
      .split('+')
      .map((k) => k.trim())
      .filter(Boolean)
      .join(','),
  );
  return sets.length > 0 ? sets : ['none'];
}

export const testAllCommand: CommandModule<object, TestAllArgs> = {
  command: 'test-all',
  describe: 'Run a matrix of tests (workloads × targets × fault sets × seeds) and summarise it for CI',
  builder: (y: Argv<object>) =>
    commonRunOptions(
      y
        .option('workload', {
          type: 'string',
          default: WORKLOADS.map((w) => w.name).join(','),
          describe: `comma-separated workloads: ${WORKLOADS.map((w) => w.name).join(', ')}`,
        })
        .option('target', {
          type: 'string',
          default: 'reference',
          describe: `comma-separated targets: ${Object.keys(BUILTIN_TARGETS).join(', ')}, or module paths`,
        })
        .option('nemesis', {
          type: 'string',
          default: 'partition',
          describe:
            'comma-separated fault sets; faults of one set joined with "+" (e.g. partition,kill,partition+kill,none)',
        }),
    ) as unknown as Argv<TestAllArgs>,
  handler: async (a) => {
    let common: ReturnType<typeof checkCommonArgs>;
    // Each (target, workload, fault set) prepared once, before the first run: what can be refused is refused then.
    const prepared = new Map<string, PreparedTarget>();
    const key = (o: Pick<RunOptions, 'target' | 'workload' | 'nemesis'>): string =>
      JSON.stringify([o.target, o.workload, o.nemesis]);
    const workloads = list(a.workload);
    const targets = list(a.target);
    const sets = nemesisSets(a.nemesis);
    try {
      common = checkCommonArgs(a);
      if (workloads.length === 0) throw new Error('--workload names no workload');
      if (targets.length === 0) throw new Error('--target names no target');
      for (const w of workloads)
        if (!WORKLOADS.some((x) => x.name === w))
          throw new Error(`unknown --workload ${w}; known: ${WORKLOADS.map((x) => x.name).join(', ')}`);
      for (const target of targets)
        for (const workload of workloads)
          for (const nemesis of sets)
            prepared.set(
              key({ target, workload, nemesis }),
              await prepareTarget(target, common.targetOpts, workload, requiredKinds(parseNemesisSpec(nemesis))),
            );
    } catch (e) {
      fail(e);
    }
    const p = progressPrinter();
    const stop = new StopSignal();
    setSignalOwner(() => {
      p.message(
        'interrupted: the current run will heal, check and tear down; no further runs start (Ctrl-C again to abort)',
      );
      stop.stop('SIGINT');
    });
    const matrix: RunOptions[] = [];
    for (const target of targets)
      for (const workload of workloads)
        for (const nemesis of sets)
          for (let i = 0; i < a['test-count']; i++)
            matrix.push(runOptions(a, common!, { target, workload, nemesis, seed: common!.seed + i, testCount: 1 }));
    p.message(
      `test-all: ${plural(matrix.length, 'run')} (${plural(targets.length, 'target')} × ` +
        `${plural(workloads.length, 'workload')} × ${plural(sets.length, 'fault set')} × ` +
        `${plural(a['test-count'], 'seed')})`,
    );
    const rows: Row[] = [];
    for (const [i, o] of matrix.entries()) {
      if (stop.reason) break;
      const name = testName(o);
      p.message(`run ${i + 1}/${matrix.length}, seed ${o.seed}: ${name}`);
      const x: Executed = await executeRun(o, prepared.get(key(o))!, stop, p);
      p.done();
      // The folder's own test name when the run got that far (a target may name its folders itself).
      rows.push({ test: x.test?.name ?? name, x });
      p.message(
        `${verdictWord(x.verdict)}  ${x.dir ? `${x.dir}/report.html` : ''}${x.error ? `  (${safeText(x.error)})` : ''}`,
      );
    }
    process.stdout.write(`\n${textTable(rows)}\n`);
    writeStepSummary(rows, p.message);
    if (a.junit) {
      try {
        writeJunit(
          a.junit,
          'faultline test-all',
          rows.map((r) => junitCase(r.x, r.test)),
        );
      } catch (e) {
        fail(e);
      }
      p.message(`junit: ${safeText(a.junit)}`);
    }
    process.exit(exitCode(worst(rows.map((r) => r.x.verdict))));
  },
};

// One run as a command performs it: the runtime picked (auto resolved), the test's record built once from the
// options (new-test.ts), runOnce, then the report (the command's to render), then the results index. `run`,
// `test-all` and `rerun` all go through executeRun. A run that fails is caught and returned as an "error" outcome
// with its folder, never thrown, so a matrix goes on to the next run.
import type { PreparedTarget } from '../../targets/prepare.js';
import { firstOffending, unknownReason } from '../check/pipeline.js';
import type { Results, Verdict } from '../checker/results.js';
import type { HistoryEvent } from '../history/op.js';
import { writeIndex } from '../report/index-page.js';
import type { JunitCase } from '../report/junit.js';
import { renderRunReport } from '../report/run-report.js';
import { runOnce, type Progress, type RunOutcome, type StopSignal } from '../run/run.js';
import { pickRuntime } from '../runtime/index.js';
import { writeRunFile } from '../store/folder.js';
import type { RunOptions, Test } from '../store/test.js';
import { commandLine, runFlags } from './command-line.js';
import { newTest } from './new-test.js';

export interface Executed {
  options: RunOptions;
  verdict: Verdict;
  seconds: number;
  dir?: string;
  test?: Test;
  results?: Results;
  error?: string;
}

/**
 * report.html of a run folder. The command line that reruns it is the record's own, or for a folder from before
 * runs recorded one, what its options make.
 */
export function writeReport(r: { dir: string; test: Test; events: readonly HistoryEvent[]; results: Results }): void {
  const { test } = r;
  const command = test.command ?? commandLine(test.options, test.runtime);
  const flags = runFlags(test.options, test.runtime);
  const nodes = test.nodes.map((n) => n.name);
  const html = renderRunReport({ test, events: r.events, results: r.results, nodes, command, flags });
  writeRunFile(r.dir, 'report.html', html);
}

/** Rewrites results/index.html; a failure to do so is a warning, never a failed run. */
export function refreshIndex(root: string, warn: (s: string) => void): void {
  try {
    writeIndex(root);
  } catch (e) {
    warn(`could not rewrite the results index: ${(e as Error).message.split('\n')[0]}`);
  }
}

export async function executeRun(
  o: RunOptions,
  prepared: PreparedTarget,
  stop: StopSignal,
  progress: Progress,
): Promise<Executed> {
  const t0 = performance.now();
  try {
    const runtime = await pickRuntime(o.runtime);
    const test = newTest(o, prepared, runtime.kind);
    const r = await runOnce(test, prepared, stop, progress, runtime.why ? [runtime.why] : []).catch(
      (e: Error & Partial<RunOutcome>) => {
        if (e.dir && e.test && e.results) writeReport(e as RunOutcome);
        throw e;
      },
    );
    writeReport(r);
    return {
      options: o,
      verdict: r.results.valid,
      seconds: (performance.now() - t0) / 1000,
      dir: r.dir,
      test: r.test,
      results: r.results,
    };
  } catch (e) {
    const x = e as Error & Partial<RunOutcome>;
    return {
      options: o,
      verdict: 'error',
      seconds: (performance.now() - t0) / 1000,
      dir: x.dir,
      test: x.test,
      results: x.results,
      error: x.message.split('\n')[0],
    };
  } finally {
    refreshIndex(o.out, progress.message);
  }
}

export function junitCase(x: Executed, name: string): JunitCase {
  const message =
    x.verdict === false && x.results
      ? firstOffending(x.results)?.text
      : x.verdict === 'unknown' && x.results
        ? unknownReason(x.results, x.test?.error)
        : x.verdict === 'error'
          ? `the run failed: ${x.error ?? 'unknown error'}`
          : undefined;
  const details = [x.dir ? `folder: ${x.dir}` : '', x.test?.command ? `rerun: ${x.test.command}` : '']
    .filter(Boolean)
    .join('\n');
  return {
    classname: `faultline.${name}`,
    name: `${name} seed ${x.options.seed}`,
    timeS: x.seconds,
    verdict: x.verdict,
    message,
    details,
  };
}

// One run as a command performs it: runOnce, then the report (the command's to render), then the results
// index. A run that fails is caught and reported as an "error" outcome with its folder, never thrown, so a
// matrix (test-all) goes on to the next run.
import { firstOffending, unknownReason } from '../check/pipeline.js';
import type { Results, Validity } from '../checker/results.js';
import { renderRunReport } from '../report/run-report.js';
import type { JunitCase } from '../report/junit.js';
import type { RunOptions, Test } from '../store/test.js';
import { runOnce, type Progress, type RunOutcome, type StopSignal } from '../run/run.js';
import { writeRunFile } from '../store/folder.js';
import { writeIndex } from '../report/index-page.js';

export type Verdict = Validity | 'error';

export interface Executed {
  options: RunOptions;
  verdict: Verdict;
  seconds: number;
  dir?: string;
  test?: Test;
  results?: Results;
  error?: string;
}

export function writeReport(r: { dir: string; test: Test; events: RunOutcome['events']; results: Results }): void {
  writeRunFile(
    r.dir,
    'report.html',
    renderRunReport({ test: r.test, events: r.events, results: r.results, nodes: r.test.nodes.map((n) => n.name) }),
  );
}

/** Rewrites results/index.html; a failure to do so is a warning, never a failed run. */
export function refreshIndex(root: string, warn: (s: string) => void): void {
  try {
    writeIndex(root);
  } catch (e) {
    warn(`could not rewrite the results index: ${(e as Error).message.split('\n')[0]}`);
  }
}

export async function executeRun(o: RunOptions, stop: StopSignal, progress: Progress): Promise<Executed> {
  const t0 = performance.now();
  try {
    const r = await runOnce(o, stop, progress).catch((e: Error & Partial<RunOutcome>) => {
      if (e.dir && e.test && e.results) writeReport(e as RunOutcome);
      throw e;
    });
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

/** Worst first: a failed run (3) > invalid (1) > unknown (2) > valid (0). */
const RANK: Record<string, number> = { error: 3, false: 2, unknown: 1, true: 0 };

export function worst(vs: readonly Verdict[]): Verdict {
  let w: Verdict = true;
  for (const v of vs) if (RANK[String(v)] > RANK[String(w)]) w = v;
  return w;
}

export function exitCode(v: Verdict): number {
  return v === 'error' ? 3 : v === false ? 1 : v === 'unknown' ? 2 : 0;
}

export function verdictWord(v: Verdict): string {
  return v === true ? 'VALID' : v === false ? 'INVALID' : v === 'unknown' ? 'UNKNOWN' : 'ERROR';
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

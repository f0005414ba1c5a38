// The checkers of a run, kept as the entry point older callers use: a thin wrapper over the one pipeline
// (pipeline.ts), which is what run, check, report and shrink all call.
import type { HistoryEvent } from '../history/op.js';
import { compose, linearizableChecker, slimResults, statsChecker, type Checker } from './pipeline.js';
import { mergeValidity, type CheckerOutcome, type Results } from './results.js';

export { opStats, type OpStats } from './stats.js';

/** Linearizability with `modelName` (if any), then `extra` (a workload's checkers), then stats. */
export function checkRun(
  events: readonly HistoryEvent[],
  modelName: string | undefined,
  timeoutMs: number,
  extra?: (events: readonly HistoryEvent[]) => CheckerOutcome[],
): Results {
  const checkers: Checker[] = [];
  if (modelName) checkers.push(linearizableChecker(modelName, timeoutMs));
  if (extra)
    checkers.push({
      name: 'workload',
      check: (h) => {
        const cs = extra(h);
        return { valid: mergeValidity(cs.map((c) => c.valid)), checkers: cs };
      },
    });
  checkers.push(statsChecker);
  return slimResults(compose('run', checkers).check(events));
}

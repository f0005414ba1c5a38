// The checks a workload can name as data (Workload.checks: `{checker, args}`), each an algorithm of
// harness/checker run with the workload's arguments merged with the run's (CheckSpec.args). A new kind of check
// is one more entry here; the workload only names it and imports nothing of the checker.
import type { HistoryEvent } from '../history/op.js';
import type { CheckerOutcome } from './results.js';
import { txnOutcome } from './txn/outcome.js';

export type NamedCheckFn = (
  history: readonly HistoryEvent[],
  args: Record<string, unknown> | undefined,
) => CheckerOutcome;

export const NAMED_CHECKS: Readonly<Record<string, NamedCheckFn>> = {
  txn: txnOutcome,
};

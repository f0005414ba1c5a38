// `faultline shrink --model list-append|rw-register`: an invalid transactional history → the fewest transactions
// that still show the same anomaly type (its Elle name: G0, G1c, G-single, ...) under the same options. A bug
// report then shows the few transactions of the anomaly instead of thousands around it.
//
// The unit removed is a whole transaction: its invoke and its completion together (a pending one has only its
// invoke), so every candidate is a well-formed history: each process still alternates invoke and completion
// (history-index.ts pairs them by Jepsen's rule), and the order of what is kept is the original order, so the
// real-time and process orders among kept transactions are unchanged. Nothing else is required of a candidate:
// a read may show an element whose append was removed, which Elle reads as an append it cannot place (no edge
// from it, no anomaly by itself; list-append.ts). Only the named anomaly type decides, as the brief of a shrinker
// must: the type found first in the input (the first of Elle's :anomaly-types, leaving out the undecided
// cycle-search-timeout and empty-transaction-graph), checked with the input's own consistency models, anomalies
// and key options.
//
// Steps:
//   1. Check the input; refuse one that is not invalid.
//   2. Seed: the transactions the first anomaly of that type names (a cycle's members, a case's operations). When
//      they alone still show the type (a cycle whose edges need nothing else), that is where ddmin starts; else
//      (a G0 whose version order comes from a third transaction's read) it starts from every transaction.
//   3. ddmin (ddmin.ts) over transactions. Its last granularity removes one transaction at a time and it ends
//      only when no single removal keeps the anomaly, so a run that finishes is 1-minimal (Zeller and
//      Hildebrandt's ddmin; the one-at-a-time pass is its final stage, not a separate loop).
// A budget of wall time and of checks bounds it; when either runs out the smallest history found so far is
// returned, marked as such.
import { checkTxn } from '../checker/txn/check.js';
import { indexTxns } from '../checker/txn/history-index.js';
import {
  isCycle,
  type Anomaly,
  type TxnCheckOptions,
  type TxnCheckResult,
  type TxnModel,
} from '../checker/txn/types.js';
import type { HistoryEvent } from '../history/op.js';
import { ddmin } from './ddmin.js';
import { NotInvalidError } from './shrink.js';

/** Types that say the checker could not decide (check.ts): never a target, never evidence of one. */
const UNDECIDED = new Set(['cycle-search-timeout', 'empty-transaction-graph']);

/** Checks one shrink may run unless told otherwise: a limit on everything, time included. */
export const DEFAULT_MAX_CHECKS = 20_000;

export interface TxnShrinkOptions {
  /** Overall wall-time budget, ms (default 60 s). */
  budgetMs?: number;
  /** Most re-checks (default DEFAULT_MAX_CHECKS). */
  maxChecks?: number;
  /** Start ddmin from the first anomaly's own transactions when they suffice (default true). */
  seed?: boolean;
}

export interface TxnShrinkResult {
  /** The kept transactions' events, in history order, re-indexed from 0. */
  events: HistoryEvent[];
  /** The Elle anomaly type shrunk for. */
  anomaly: string;
  /** The check of the shrunk history with the input's options. */
  result: TxnCheckResult;
  before: { events: number; txns: number };
  after: { events: number; txns: number };
  /** Re-checks run (the first check of the input included). */
  checks: number;
  ms: number;
  /** What ran out before ddmin proved 1-minimality, if anything. */
  stoppedBy?: 'time' | 'checks';
}

/** The first type that makes the result invalid, as Elle lists them. */
function targetType(r: TxnCheckResult): string | undefined {
  return r.anomalyTypes.find((t) => !UNDECIDED.has(t));
}

/** History indexes (invoke or completion `index`) of the operations an anomaly names. */
function namedIndexes(a: Anomaly): number[] {
  return isCycle(a) ? a.txns.flatMap((t) => [t.index, t.invokeIndex]) : a.ops;
}

export function shrinkTxnHistory(
  events: readonly HistoryEvent[],
  model: TxnModel,
  opts: TxnCheckOptions,
  o: TxnShrinkOptions = {},
): TxnShrinkResult {
  const t0 = performance.now();
  const deadline = t0 + (o.budgetMs ?? 60_000);
  const maxChecks = o.maxChecks ?? DEFAULT_MAX_CHECKS;
  if (!(maxChecks >= 1)) throw new Error(`the check budget must be at least 1, got ${maxChecks}`);
  let checks = 1;
  const first = checkTxn(events, model, opts);
  const anomaly = targetType(first);
  if (first.valid !== false || anomaly === undefined)
    throw new NotInvalidError(
      `the history is ${first.valid === true ? 'valid' : 'unknown (undecided)'} as ${model}` +
        `${first.error ? ` (${first.error})` : ''}; only an invalid history can be shrunk`,
    );

  const x = indexTxns(events);
  /** The events of transactions `keep`, in history order. */
  const build = (keep: readonly number[]): HistoryEvent[] => {
    const pos: number[] = [];
    for (const t of keep) {
      pos.push(x.invokePos[t]);
      if (x.completePos[t] >= 0) pos.push(x.completePos[t]);
    }
    return pos.sort((a, b) => a - b).map((p) => events[p]);
  };
  const shows = (keep: readonly number[]): boolean => {
    checks++;
    return checkTxn(build(keep), model, opts).anomalyTypes.includes(anomaly);
  };
  let stoppedBy: TxnShrinkResult['stoppedBy'];
  const expired = (): boolean => {
    if (performance.now() > deadline) stoppedBy = 'time';
    else if (checks >= maxChecks) stoppedBy = 'checks';
    return stoppedBy !== undefined;
  };

  let start = Array.from({ length: x.n }, (_, t) => t);
  if (o.seed !== false && !expired()) {
    const byIndex = new Map<number, number>();
    for (let t = 0; t < x.n; t++) {
      byIndex.set(events[x.invokePos[t]].index, t);
      if (x.completePos[t] >= 0) byIndex.set(events[x.completePos[t]].index, t);
    }
    const named = new Set<number>();
    const a = first.anomalies[anomaly]?.[0];
    for (const i of a ? namedIndexes(a) : []) {
      const t = byIndex.get(i);
      if (t !== undefined) named.add(t);
    }
    const seed = [...named].sort((a, b) => a - b);
    if (seed.length > 0 && seed.length < x.n && shows(seed)) start = seed;
  }
  const r = ddmin(start, shows, { expired });
  const kept = build(r.items).map((e, index) => ({ ...e, index }));
  checks++;
  const result = checkTxn(kept, model, opts);
  // ddmin returns only sets it saw show the anomaly, or the start, which did.
  if (!result.anomalyTypes.includes(anomaly))
    throw new Error(`internal: the shrunk history no longer shows ${anomaly}`);
  return {
    events: kept,
    anomaly,
    result,
    before: { events: events.length, txns: x.n },
    after: { events: kept.length, txns: r.items.length },
    checks,
    ms: performance.now() - t0,
    ...(r.stoppedEarly ? { stoppedBy: stoppedBy ?? 'time' } : {}),
  };
}

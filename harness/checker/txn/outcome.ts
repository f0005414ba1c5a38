// The transactional checker as a named check of a workload (Workload.checks, `{checker: "txn", args}`): runs
// checkTxn with the workload's arguments and the run's (consistency models), and returns a checker outcome whose
// details a report and the command line can show: one line per anomaly (a cycle with its steps), the events it
// cites (positions in the history, for the time of the first violation) and the whole result for drawings.
import type { HistoryEvent } from '../../history/op.js';
import type { CheckerOutcome } from '../results.js';
import { checkTxn } from './check.js';
import { cycleText } from './explain.js';
import {
  isCycle,
  TXN_MODELS,
  type Anomaly,
  type TxnCheckOptions,
  type TxnCheckResult,
  type TxnModel,
} from './types.js';

/** Most anomaly lines in an outcome's details (the result keeps up to MAX_CASES of each type). */
export const MAX_PROBLEM_LINES = 20;

/** What a named "txn" check takes: the model, and Elle's options by our names (TxnCheckOptions). */
export interface TxnCheckArgs extends TxnCheckOptions {
  model: TxnModel;
}

/** The arguments as recorded (plain JSON), checked; throws a one-line Error. */
export function txnCheckArgs(args: Record<string, unknown> | undefined): TxnCheckArgs {
  const a = args ?? {};
  if (!(TXN_MODELS as readonly unknown[]).includes(a.model))
    throw new Error(`the txn check needs args.model ${TXN_MODELS.join(' or ')}, got ${JSON.stringify(a.model)}`);
  const strings = (k: string): string[] | undefined => {
    const v = a[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw new Error(`the txn check's args.${k} must be a list of names, got ${JSON.stringify(v)}`);
    return v;
  };
  const flag = (k: string): boolean | undefined => (a[k] === undefined ? undefined : a[k] === true);
  return {
    model: a.model as TxnModel,
    consistencyModels: strings('consistencyModels'),
    anomalies: strings('anomalies'),
    lostAppends: flag('lostAppends'),
    linearizableKeys: flag('linearizableKeys'),
    sequentialKeys: flag('sequentialKeys'),
    wfrKeys: flag('wfrKeys'),
  };
}

/** One anomaly in one line: its type, then its sentence or the cycle's transactions and steps. */
export function anomalyLine(type: string, a: Anomaly): string {
  if (!isCycle(a)) return `${type}: ${a.text}`;
  return `${type}: ${cycleText(a)
    .map((l) => l.trim().replace(/^- /, ''))
    .join('; ')}`;
}

function citedIndexes(r: TxnCheckResult): number[] {
  const out = new Set<number>();
  for (const t of r.anomalyTypes)
    for (const a of r.anomalies[t] ?? []) for (const i of isCycle(a) ? a.txns.map((x) => x.index) : a.ops) out.add(i);
  return [...out];
}

export function txnOutcome(
  history: readonly HistoryEvent[],
  rawArgs: Record<string, unknown> | undefined,
): CheckerOutcome {
  const t0 = performance.now();
  const { model, ...opts } = txnCheckArgs(rawArgs);
  const r = checkTxn(history, model, opts);
  const problems: string[] = [];
  for (const t of r.anomalyTypes) for (const a of r.anomalies[t] ?? []) problems.push(anomalyLine(t, a));
  const problemCount = r.anomalyTypes.reduce((n, t) => n + (r.counts[t] ?? 0), 0);
  // History positions of the events the anomalies cite (their `index` fields name them).
  const at = new Map<number, number>();
  for (let i = 0; i < history.length; i++) at.set(history[i].index, i);
  const events = citedIndexes(r).flatMap((i) => (at.has(i) ? [at.get(i)!] : []));
  const undecided = r.anomalyTypes.filter((t) => t === 'cycle-search-timeout' || t === 'empty-transaction-graph');
  return {
    checker: 'txn',
    valid: r.valid,
    model,
    ops: r.stats.txns,
    ms: performance.now() - t0,
    details: {
      problems: problems.slice(0, MAX_PROBLEM_LINES),
      problemCount,
      consistencyModels: opts.consistencyModels ?? ['strict-serializable'],
      anomalyTypes: r.anomalyTypes,
      not: r.not,
      alsoNot: r.alsoNot,
      events,
      result: r,
    },
    ...(r.valid === 'unknown' ? { error: r.error ?? `undecided: ${undecided.join(', ') || 'unknown'}` } : {}),
  };
}

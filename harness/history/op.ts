// The history event: one line of history.jsonl. Field names follow Jepsen so that Jepsen users (and Elle)
// can read our histories, and so that Jepsen/Knossos EDN histories map onto the same shape.
import type { TxnColumns } from './txn-columns.js';

/** invoke, then exactly one of ok (happened), fail (definitely did not happen), info (unknown). */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** A client process id, or "nemesis" for fault events (which the linearizability checker skips). */
export type ProcessId = number | 'nemesis';

export interface HistoryEvent {
  /** Position in the history, 0-based, assigned by the recorder or the reader. */
  index: number;
  type: OpType;
  /**
   * Absent only in foreign files that leave it out (Elle's own EDN, e.g. its paper-example.edn). Such an op is not
   * a client op, as Elle's client-ops says; the linearizability checkers refuse it with a one-line error.
   */
  process?: ProcessId;
  /** Operation name: read, write, cas, get, put, append, acquire, release, start-partition, ... */
  f: string;
  /** Present for keyed workloads (kv, locks); Jepsen's independent-key tuples [k v] are unpacked into key/value. */
  key?: unknown;
  value?: unknown;
  /** Nanoseconds from a monotonic clock, relative to the run's start. Absent in some foreign formats. */
  time?: number;
  error?: unknown;
  /** Any other fields a source carried (kept, never fatal). */
  [extra: string]: unknown;
}

/** The first line of history.jsonl. */
export interface HistoryHeader {
  faultline: 'history';
  /** Format version; readers refuse versions they do not know. */
  version: 1;
  /** Free-form description of what produced the history (test name, workload, seed, ...). */
  [extra: string]: unknown;
}

export const HISTORY_FORMAT_VERSION = 1 as const;

/** A history as read from any source. */
export interface History {
  header?: HistoryHeader;
  events: HistoryEvent[];
  /**
   * Transactions' micro-ops, when the caller asked the reader for columns (readHistoryFile's `txns`): then the
   * events with f "txn" carry no value, and their micro-ops are here (txn-columns.ts).
   */
  txns?: TxnColumns;
  /** Where it came from, for error messages and the report. */
  source?: string;
  /** Non-fatal remarks made while reading (e.g. "truncated last line dropped"). */
  warnings: string[];
}

/** A client's event, not the nemesis's: what the checkers, the stats and the report's timelines look at. */
export function isClientEvent(e: HistoryEvent): boolean {
  return e.process !== 'nemesis';
}

/** The client events of a history, in order (their positions are the times of the Porcupine operations). */
export function clientEvents(events: readonly HistoryEvent[]): HistoryEvent[] {
  return events.filter(isClientEvent);
}

/** A complete operation: an invoke paired with its completion (or none, when the history ended first). */
export interface PairedOp {
  process: number;
  f: string;
  key?: unknown;
  /** Value given at invocation. */
  invokeValue: unknown;
  /** Value reported at completion (ok/fail/info), undefined when pending. */
  completeValue: unknown;
  /** ok | fail | info; a pending op (no completion) is reported as info. */
  type: 'ok' | 'fail' | 'info';
  /** Index of the invoke and of the completion event in the history (completion = Infinity when pending). */
  invokeIndex: number;
  completeIndex: number;
  invokeTime?: number;
  completeTime?: number;
  error?: unknown;
}

// HistoryError lives in its own file so the byte readers (bytes.ts, limits.ts) can throw it without importing
// the event types, which name the transaction columns, which read EDN: an import cycle.
export { HistoryError } from './error.js';

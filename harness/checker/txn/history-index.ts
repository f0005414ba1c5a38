// A transactional history as integer arrays: transactions, keys and values each get a dense id, micro-ops sit in
// flat typed arrays, so inference and the dependency graph scale to millions of transactions without an object
// per micro-op (the Elle paper, §7.1, on why Elle itself spends its time there).
//
// A transaction is one client operation with :f :txn: its invoke paired with its completion, Jepsen's rules (a
// process has one operation outstanding; its next completion ends it). Its micro-ops are the completion's (an ok
// says what the reads saw; a fail or info carries what was attempted), or the invoke's when the history ended
// first. Such a pending transaction counts as info: its writes may have happened. Elle drops it instead (it has
// no completion), which loses writes a later read may show; counting it as info is the sound reading.
// Ops without an integer :process are not client ops and are left out, as Elle's client-ops does.
import { HistoryError, type HistoryEvent } from '../../history/op.js';
import { getLine } from '../../history/pair.js';
import {
  ABSENT,
  APPEND,
  EV_CLIENT,
  EV_FAIL,
  EV_INVOKE,
  EV_OK,
  EV_TXN,
  EV_TYPE,
  IntList,
  MALFORMED,
  NIL,
  R,
  TxnColumns,
  W,
} from '../../history/txn-columns.js';
import { TXN_F } from '../../history/txn.js';

export { APPEND, NIL, R, W };
export const OK = 0;
export const INFO = 1;
export const FAIL = 2;

/** Limits on what one history may hold (TigerBeetle's habit: a bound on everything). */
export const MAX_TXNS = 50_000_000;
export const MAX_MOPS = 500_000_000;

export interface TxnIndex {
  /** Number of transactions. */
  readonly n: number;
  /** OK, INFO or FAIL. */
  readonly type: Uint8Array;
  readonly process: Int32Array;
  /** Positions in the events array of the invoke and of the completion (-1: none, a pending transaction). */
  readonly invokePos: Int32Array;
  readonly completePos: Int32Array;
  /** Micro-ops of transaction t are mopStart[t] .. mopStart[t + 1] - 1. */
  readonly mopStart: Int32Array;
  /** R, APPEND or W. */
  readonly mopF: Uint8Array;
  readonly mopKey: Int32Array;
  /** The value written, or read (rw-register); NIL for a read of nil; unused (NIL) for a list read. */
  readonly mopVal: Int32Array;
  /** A list read's elements are readElems[readStart[m] .. + readLen[m]]; readStart -1 for a read of nil. */
  readonly readStart: Int32Array;
  readonly readLen: Int32Array;
  readonly readElems: Int32Array;
  readonly keys: readonly unknown[];
  readonly values: readonly unknown[];
  readonly events: readonly HistoryEvent[];
  /** The micro-op columns, and per transaction the event whose micro-ops it is judged by. */
  readonly cols: TxnColumns;
  readonly srcPos: Int32Array;
}

function where(e: HistoryEvent, pos: number): { line?: number; text: string } {
  const line = getLine(e);
  return { line, text: line !== undefined ? `line ${line}` : `event ${pos}` };
}

/** The micro-ops of every transaction event, from their values (what a reader does when asked for columns). */
export function columnsOf(events: readonly HistoryEvent[]): TxnColumns {
  const cols = new TxnColumns();
  for (let pos = 0; pos < events.length; pos++) {
    const e = events[pos];
    if (typeof e.process === 'number' && e.f === TXN_F) cols.addPlain(pos, e.value);
    cols.noteEvent(pos, e);
  }
  return cols;
}

/**
 * Indexes the transactions of a history; a malformed transaction is a HistoryError naming its line. `cols` holds
 * the events' micro-ops when the reader kept them in columns (their events then carry no value); without it they
 * are taken from the events' values.
 */
export function indexTxns(events: readonly HistoryEvent[], file?: string, cols = columnsOf(events)): TxnIndex {
  const typeL = new IntList();
  const procL = new IntList();
  const invL = new IntList();
  const compL = new IntList();
  const srcL = new IntList(); // the event whose micro-ops the txn keeps (its invoke's, replaced by its completion's)
  // Process -> txn id + 1 awaiting completion: small process ids in an array, any other in a Map.
  const pendingSmall = new Int32Array(1 << 16);
  const pendingMap = new Map<number, number>();
  const pendingOf = (p: number): number | undefined =>
    p >= 0 && p < pendingSmall.length && Number.isInteger(p)
      ? pendingSmall[p] > 0
        ? pendingSmall[p] - 1
        : undefined
      : pendingMap.get(p);
  const setPending = (p: number, t: number): void => {
    if (p >= 0 && p < pendingSmall.length && Number.isInteger(p)) pendingSmall[p] = t + 1;
    else if (t < 0) pendingMap.delete(p);
    else pendingMap.set(p, t);
  };

  const bad = (e: HistoryEvent, pos: number, msg: string): never => {
    const w = where(e, pos);
    throw new HistoryError(`${w.line === undefined ? `${w.text}: ` : ''}${msg}`, file, w.line);
  };

  // Pairs events by their codes (noted by the reader); the event objects are read only to name a bad one.
  if (cols.noted < events.length)
    for (let pos = cols.noted; pos < events.length; pos++) cols.noteEvent(pos, events[pos]);
  for (let pos = 0; pos < events.length; pos++) {
    const c = cols.evCode(pos);
    if (!(c & EV_CLIENT)) continue; // nemesis, or no process at all: not a client op
    const e = (): HistoryEvent => events[pos];
    if (!(c & EV_TXN))
      bad(e(), pos, `operation "${e().f}" is not a transaction (f "txn"); give a transactional history`);
    const proc = cols.evProcess(pos);
    const type = c & EV_TYPE;
    if (type === EV_INVOKE) {
      if (pendingOf(proc) !== undefined)
        bad(e(), pos, `process ${proc} invokes a transaction while its previous one is still pending`);
      const t = typeL.length;
      if (t >= MAX_TXNS) bad(e(), pos, `more than ${MAX_TXNS} transactions`);
      setPending(proc, t);
      typeL.push(INFO);
      procL.push(proc);
      invL.push(pos);
      compL.push(-1);
      srcL.push(pos);
      continue;
    }
    const t = pendingOf(proc);
    if (t === undefined) bad(e(), pos, `${e().type} by process ${proc} has no matching invoke`);
    setPending(proc, -1);
    typeL.a[t!] = type === EV_OK ? OK : type === EV_FAIL ? FAIL : INFO;
    compL.a[t!] = pos;
    if (cols.evStart(pos) !== ABSENT) srcL.a[t!] = pos;
  }

  const n = typeL.length;
  let total = 0;
  for (let t = 0; t < n; t++) {
    const pos = srcL.a[t];
    const s = cols.evStart(pos);
    if (s === MALFORMED) bad(events[pos], pos, cols.malformed.get(pos)!);
    if (s === ABSENT) bad(events[pos], pos, "a transaction's value must be a list of micro-ops, got nil");
    total += cols.evLen(pos);
    if (total > MAX_MOPS) bad(events[pos], pos, `more than ${MAX_MOPS} micro-ops`);
  }
  // Each transaction's micro-ops, copied next to each other; list reads stay in the columns' element array.
  const mopStart = new Int32Array(n + 1);
  const mopF = new Uint8Array(total);
  const mopKey = new Int32Array(total);
  const mopVal = new Int32Array(total);
  const readStart = new Int32Array(total);
  const readLen = new Int32Array(total);
  let m = 0;
  for (let t = 0; t < n; t++) {
    mopStart[t] = m;
    const pos = srcL.a[t];
    const s = cols.evStart(pos);
    const len = cols.evLen(pos);
    for (let i = s; i < s + len; i++, m++) {
      mopF[m] = cols.f(i);
      mopKey[m] = cols.key.a[i];
      mopVal[m] = cols.val.a[i];
      readStart[m] = cols.readStartOf(i);
      readLen[m] = cols.readLen.a[i];
    }
  }
  mopStart[n] = m;

  const type = new Uint8Array(n);
  for (let t = 0; t < n; t++) type[t] = typeL.a[t];
  return {
    n,
    type,
    process: procL.view(),
    invokePos: invL.view(),
    completePos: compL.view(),
    mopStart,
    mopF,
    mopKey,
    mopVal,
    readStart,
    readLen,
    readElems: cols.elems.view(),
    keys: cols.keys.list,
    values: cols.values.list,
    events,
    cols,
    srcPos: srcL.view(),
  };
}

/** Transaction t's micro-ops as plain values, as recorded ([f, k, v], list reads as arrays). */
export function txnValue(x: TxnIndex, t: number): unknown[] {
  return x.cols.plainValue(x.srcPos[t]) ?? [];
}

/** The history position that names transaction t: its completion, else its invoke. */
export function txnPos(x: TxnIndex, t: number): number {
  return x.completePos[t] >= 0 ? x.completePos[t] : x.invokePos[t];
}

/** The `index` field of the event that names transaction t (what the report links to). */
export function txnIndexField(x: TxnIndex, t: number): number {
  return x.events[txnPos(x, t)].index;
}

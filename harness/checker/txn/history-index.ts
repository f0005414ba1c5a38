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
import { showValue } from '../../history/show.js';
import { mopF as mopFOf, showTxnValue, TXN_F } from '../../history/txn.js';

export const OK = 0;
export const INFO = 1;
export const FAIL = 2;
export const R = 0;
export const APPEND = 1;
export const W = 2;
/** A read of nil (rw-register), or a list read that returned nil. */
export const NIL = -1;

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
}

/** Interns keys or values: numbers, strings and BigInts by value (a keyword ":x" is a string, never "x"). */
class Interner {
  private readonly ids = new Map<unknown, number>();
  /** Small non-negative integers, the common case, skip the Map: id + 1 by value (0: not seen). */
  private small = new Int32Array(1024);
  readonly list: unknown[] = [];
  id(v: unknown): number {
    if (typeof v === 'number' && v >= 0 && v < SMALL && Number.isInteger(v)) {
      if (v >= this.small.length) {
        const b = new Int32Array(Math.min(SMALL, Math.max(v + 1, this.small.length * 2)));
        b.set(this.small);
        this.small = b;
      }
      const id = this.small[v];
      if (id > 0) return id - 1;
      this.small[v] = this.list.length + 1;
      this.list.push(v);
      return this.list.length - 1;
    }
    const k =
      typeof v === 'object' && v !== null
        ? `\u0001${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))}`
        : v;
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.list.length;
      this.ids.set(k, id);
      this.list.push(v);
    }
    return id;
  }
}

const SMALL = 1 << 22;

/** Growable Int32 storage: appends into doubling typed arrays. */
class IntList {
  a: Int32Array;
  length = 0;
  constructor(cap = 1024) {
    this.a = new Int32Array(cap);
  }
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  done(): Int32Array {
    return this.a.slice(0, this.length);
  }
}

function where(e: HistoryEvent, pos: number): { line?: number; text: string } {
  const line = getLine(e);
  return { line, text: line !== undefined ? `line ${line}` : `event ${pos}` };
}

/** Indexes the transactions of a history; a malformed transaction is a HistoryError naming its line. */
export function indexTxns(events: readonly HistoryEvent[], file?: string): TxnIndex {
  const keys = new Interner();
  const values = new Interner();
  const typeL = new IntList();
  const procL = new IntList();
  const invL = new IntList();
  const compL = new IntList();
  const mopStart = new IntList();
  const mopF = new IntList();
  const mopKey = new IntList();
  const mopVal = new IntList();
  const readStart = new IntList();
  const readLen = new IntList();
  const readElems = new IntList();
  const pending = new Map<number, number>(); // process -> txn id awaiting completion
  const txnValue: unknown[] = []; // the value whose micro-ops the txn keeps (set at invoke, replaced at completion)

  const bad = (e: HistoryEvent, pos: number, msg: string): never => {
    const w = where(e, pos);
    throw new HistoryError(`${w.line === undefined ? `${w.text}: ` : ''}${msg}`, file, w.line);
  };

  for (let pos = 0; pos < events.length; pos++) {
    const e = events[pos];
    if (typeof e.process !== 'number') continue; // nemesis, or no process at all: not a client op
    if (e.f !== TXN_F) bad(e, pos, `operation "${e.f}" is not a transaction (f "txn"); give a transactional history`);
    if (e.type === 'invoke') {
      if (pending.has(e.process))
        bad(e, pos, `process ${e.process} invokes a transaction while its previous one is still pending`);
      const t = typeL.length;
      if (t >= MAX_TXNS) bad(e, pos, `more than ${MAX_TXNS} transactions`);
      pending.set(e.process, t);
      typeL.push(INFO);
      procL.push(e.process);
      invL.push(pos);
      compL.push(-1);
      txnValue.push(e.value);
      continue;
    }
    const t = pending.get(e.process);
    if (t === undefined) bad(e, pos, `${e.type} by process ${e.process} has no matching invoke`);
    pending.delete(e.process);
    typeL.a[t!] = e.type === 'ok' ? OK : e.type === 'fail' ? FAIL : INFO;
    compL.a[t!] = pos;
    if (e.value !== undefined && e.value !== null) txnValue[t!] = e.value;
  }

  const n = typeL.length;
  for (let t = 0; t < n; t++) {
    const value = txnValue[t];
    const pos = compL.a[t] >= 0 ? compL.a[t] : invL.a[t];
    if (!Array.isArray(value))
      bad(events[pos], pos, `a transaction's value must be a list of micro-ops, got ${showValue(value, 80)}`);
    mopStart.push(mopF.length);
    for (const m of value as unknown[]) {
      if (!Array.isArray(m) || m.length < 2 || m.length > 3)
        bad(events[pos], pos, `micro-op must be [f, key, value], got ${showValue(m, 80)}`);
      const mop = m as unknown[];
      const f = mopFOf(mop[0]);
      if (f === undefined)
        bad(events[pos], pos, `micro-op function must be r, append or w, got ${showValue(mop[0], 40)}`);
      if (mopF.length >= MAX_MOPS) bad(events[pos], pos, `more than ${MAX_MOPS} micro-ops`);
      const v = mop.length === 3 ? mop[2] : null;
      mopKey.push(keys.id(mop[1]));
      if (f === 'r') {
        mopF.push(R);
        if (Array.isArray(v)) {
          readStart.push(readElems.length);
          readLen.push(v.length);
          for (const x of v) readElems.push(values.id(x));
          mopVal.push(NIL);
        } else {
          readStart.push(-1);
          readLen.push(0);
          mopVal.push(v === null || v === undefined ? NIL : values.id(v));
        }
      } else {
        if (v === null || v === undefined)
          bad(events[pos], pos, `${f} of ${showTxnValue(mop[1])} needs a value, got nil`);
        mopF.push(f === 'append' ? APPEND : W);
        mopVal.push(values.id(v));
        readStart.push(-1);
        readLen.push(0);
      }
    }
  }
  mopStart.push(mopF.length);

  const type = new Uint8Array(n);
  for (let t = 0; t < n; t++) type[t] = typeL.a[t];
  const f8 = new Uint8Array(mopF.length);
  for (let i = 0; i < mopF.length; i++) f8[i] = mopF.a[i];
  return {
    n,
    type,
    process: procL.done(),
    invokePos: invL.done(),
    completePos: compL.done(),
    mopStart: mopStart.done(),
    mopF: f8,
    mopKey: mopKey.done(),
    mopVal: mopVal.done(),
    readStart: readStart.done(),
    readLen: readLen.done(),
    readElems: readElems.done(),
    keys: keys.list,
    values: values.list,
    events,
  };
}

/** The history position that names transaction t: its completion, else its invoke. */
export function txnPos(x: TxnIndex, t: number): number {
  return x.completePos[t] >= 0 ? x.completePos[t] : x.invokePos[t];
}

/** The `index` field of the event that names transaction t (what the report links to). */
export function txnIndexField(x: TxnIndex, t: number): number {
  return x.events[txnPos(x, t)].index;
}

// Transactions' micro-ops in columns: what a reader fills when the transactional checker is the consumer, so that a
// million transactions with sixty million read elements cost typed arrays, not an array per micro-op and per read
// (the Elle paper, §7.1, on where Elle itself spends its time). Keys and values get dense ids, exactly as written
// (exact-text.ts); each event that carries a transaction has a range of micro-ops; list reads are ranges of one
// shared array of value ids.
//
// Reads share their prefixes. Appends make every read of a key a prefix of the longer ones (the Elle paper §4.3:
// traceability), so each key keeps one list, the longest read of it so far, and a read that is a prefix of it is
// stored as a length: its elements are compared with the key's list as they are read and only what extends the list
// is written. A read that departs from it (an incompatible order, which the checker reports) is written out whole.
// A million-transaction history reads sixty million elements of about a million and a half appends: this stores the
// latter, and reading writes a few MB where it wrote hundreds.
//
// Readers call addPlain with a value they parsed, or, on EDN's fast path (readers/edn.ts), write micro-ops
// directly and commit or roll back. A value that is not a list of micro-ops is remembered with the reason; the
// checker reports it only if that value is the one its transaction is judged by (history-index.ts).
import { exactText } from './exact-text.js';
import { showValue } from './show.js';
import { mopF as mopFOf, showTxnValue, TXN_F } from './txn.js';

export const R = 0;
export const APPEND = 1;
export const W = 2;
/** A read of nil (rw-register), or a list read that returned nil. */
export const NIL = -1;
/** evStart of an event without micro-ops (no value, or nil). */
export const ABSENT = -1;
/** evStart of an event whose value is not a list of micro-ops. */
export const MALFORMED = -2;
/** Event codes (noteEvent): the type in the low bits, then whether it is a client op and a transaction. */
export const EV_INVOKE = 1;
export const EV_OK = 2;
export const EV_FAIL = 3;
export const EV_INFO = 4;
export const EV_TYPE = 7;
export const EV_CLIENT = 8;
export const EV_TXN = 16;

/** Growable Int32 storage: appends into a typed array that doubles when full. */
export class IntList {
  a: Int32Array;
  length = 0;
  constructor(cap = 1024) {
    this.a = new Int32Array(cap);
  }
  push(v: number): void {
    if (this.length === this.a.length) this.reserve(1);
    this.a[this.length++] = v;
  }
  reserve(more: number): void {
    if (this.length + more <= this.a.length) return;
    const b = new Int32Array(Math.max(this.length + more, this.a.length * 2));
    b.set(this.a.subarray(0, this.length));
    this.a = b;
  }
  /** The values, trimmed (shares memory when already exact). */
  view(): Int32Array {
    return this.a.subarray(0, this.length);
  }
}

const SMALL = 1 << 22;

/**
 * Interns keys or values by exact value: small non-negative integers (the common case) through a table, other
 * numbers, strings and BigInts through one Map each kind cannot collide in, structured values by their exact text.
 */
export class Interner {
  private readonly prims = new Map<unknown, number>();
  private readonly structured = new Map<string, number>();
  /** id + 1 of each small non-negative integer seen (0: not yet); readers' fast paths look here first. */
  small = new Int32Array(1024);
  readonly list: unknown[] = [];

  /** Id of a small non-negative integer (no boxing, no Map). */
  smallId(v: number): number {
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

  id(v: unknown): number {
    if (typeof v === 'number' && v >= 0 && v < SMALL && Number.isInteger(v)) return this.smallId(v);
    if (v !== null && typeof v === 'object') {
      const k = exactText(v);
      let id = this.structured.get(k);
      if (id === undefined) {
        id = this.list.length;
        this.structured.set(k, id);
        this.list.push(v);
      }
      return id;
    }
    // A BigInt within 2^53 equals the number it is (readers make such integers numbers; this keeps it so).
    const key = typeof v === 'bigint' && v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
    if (typeof key === 'number' && key >= 0 && key < SMALL && Number.isInteger(key)) return this.smallId(key);
    let id = this.prims.get(key);
    if (id === undefined) {
      id = this.list.length;
      this.prims.set(key, id);
      this.list.push(v);
    }
    return id;
  }

  get size(): number {
    return this.list.length;
  }

  /** Forgets every id from `size` on (a rolled-back read). */
  truncate(size: number): void {
    for (let id = this.list.length - 1; id >= size; id--) {
      const v = this.list[id];
      if (typeof v === 'number' && v >= 0 && v < this.small.length && this.small[v] === id + 1) this.small[v] = 0;
      else if (v !== null && typeof v === 'object') this.structured.delete(exactText(v));
      else this.prims.delete(typeof v === 'bigint' && v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v);
    }
    this.list.length = size;
  }
}

export interface Checkpoint {
  mops: number;
  elems: number;
  keys: number;
  values: number;
  undo: number;
}

/** readStart of a read that is a prefix of its key's list (resolved by readStartOf). */
const PREFIX_READ = -3;

export class TxnColumns {
  /**
   * `inputBytes`, the size of the file being read, sizes the arrays up front: a history of transactions spends
   * about 40 bytes of text per micro-op, and growing typed arrays of many MB by copying cost a good part of the
   * reading time. Reserved memory that is never written is never touched, so a guess too high costs address
   * space, not RSS; a guess too low grows as before.
   */
  constructor(inputBytes = 0) {
    const mops = Math.floor(inputBytes / 40);
    for (const l of [this.key, this.val, this.readStart, this.readLen]) l.reserve(mops);
    this.fA = new Uint8Array(Math.max(1024, mops));
    this.elems.reserve(Math.floor(inputBytes / 64));
  }

  readonly keys = new Interner();
  readonly values = new Interner();
  /** Per event position: its first micro-op, ABSENT or MALFORMED; and how many micro-ops it has. */
  private evStartA = new Int32Array(1024).fill(ABSENT);
  private evLenA = new Int32Array(1024);
  /**
   * Per event position: its type and kind (EV_* codes) and process, noted by the reader while the event is at
   * hand, so that pairing a million transactions reads two arrays instead of two million objects.
   */
  private evCodeA = new Uint8Array(1024);
  private evProcA = new Float64Array(1024);
  /** How many events, from the first, have been noted (noteEvent). */
  noted = 0;
  /** Why an event's value is not a list of micro-ops (event position -> sentence). */
  readonly malformed = new Map<number, string>();
  private fA = new Uint8Array(1024);
  readonly key = new IntList();
  readonly val = new IntList();
  readonly readStart = new IntList();
  readonly readLen = new IntList();
  readonly elems = new IntList();
  /** Per key id: where its list sits in elems, its length, and the room of its block. */
  private readonly klStart = new IntList();
  private readonly klLen = new IntList();
  private readonly klCap = new IntList();
  /** (key, start, length, room) of keys' lists as they were before a change since the last checkpoint. */
  private readonly undo = new IntList();
  /** The read being built: its key, how many elements so far, and where it is written out (-1: a prefix). */
  private rk = 0;
  private rn = 0;
  private rOut = -1;

  get mops(): number {
    return this.key.length;
  }

  evStart(pos: number): number {
    return pos < this.evStartA.length ? this.evStartA[pos] : ABSENT;
  }
  evLen(pos: number): number {
    return pos < this.evLenA.length ? this.evLenA[pos] : 0;
  }
  f(m: number): number {
    return this.fA[m];
  }

  private setEvent(pos: number, start: number, len: number): void {
    if (pos >= this.evStartA.length) this.growEvents(pos);
    this.evStartA[pos] = start;
    this.evLenA[pos] = len;
  }

  private growEvents(pos: number): void {
    const cap = Math.max(pos + 1, this.evStartA.length * 2);
    const s = new Int32Array(cap).fill(ABSENT);
    const l = new Int32Array(cap);
    const c = new Uint8Array(cap);
    const p = new Float64Array(cap);
    s.set(this.evStartA);
    l.set(this.evLenA);
    c.set(this.evCodeA);
    p.set(this.evProcA);
    this.evStartA = s;
    this.evLenA = l;
    this.evCodeA = c;
    this.evProcA = p;
  }

  /**
   * Notes event `pos` (the next one): its type, whether it is a client op and a transaction, its process. The
   * event is typed by the fields read, not as op.ts's HistoryEvent: op.ts names these columns (History.txns).
   */
  noteEvent(pos: number, e: { readonly type: string; readonly process?: unknown; readonly f: string }): void {
    if (pos >= this.evCodeA.length) this.growEvents(pos);
    let c = e.type === 'invoke' ? EV_INVOKE : e.type === 'ok' ? EV_OK : e.type === 'fail' ? EV_FAIL : EV_INFO;
    if (typeof e.process === 'number') {
      c |= EV_CLIENT;
      this.evProcA[pos] = e.process;
    }
    if (e.f === TXN_F) c |= EV_TXN;
    this.evCodeA[pos] = c;
    if (pos === this.noted) this.noted++;
  }

  evCode(pos: number): number {
    return this.evCodeA[pos];
  }
  evProcess(pos: number): number {
    return this.evProcA[pos];
  }

  checkpoint(): Checkpoint {
    this.undo.length = 0;
    return {
      mops: this.mops,
      elems: this.elems.length,
      keys: this.keys.size,
      values: this.values.size,
      undo: 0,
    };
  }

  rollback(cp: Checkpoint): void {
    this.key.length = this.val.length = this.readStart.length = this.readLen.length = cp.mops;
    for (let i = this.undo.length - 4; i >= cp.undo; i -= 4) {
      const k = this.undo.a[i];
      this.klStart.a[k] = this.undo.a[i + 1];
      this.klLen.a[k] = this.undo.a[i + 2];
      this.klCap.a[k] = this.undo.a[i + 3];
    }
    this.undo.length = cp.undo;
    this.elems.length = cp.elems;
    for (let k = cp.keys; k < this.klLen.length; k++) this.klStart.a[k] = this.klLen.a[k] = this.klCap.a[k] = 0;
    this.keys.truncate(cp.keys);
    this.values.truncate(cp.values);
  }

  /** The micro-ops written since `cp` belong to event `pos`. */
  commit(pos: number, cp: Checkpoint): void {
    this.setEvent(pos, cp.mops, this.mops - cp.mops);
  }

  /** Appends a micro-op with function R, APPEND or W on key id `k`; returns its index. */
  mop(f: number, k: number): number {
    const m = this.mops;
    if (m === this.fA.length) {
      const b = new Uint8Array(m * 2);
      b.set(this.fA);
      this.fA = b;
    }
    if (m === this.key.a.length) for (const l of [this.key, this.val, this.readStart, this.readLen]) l.reserve(1);
    this.fA[m] = f;
    this.key.a[m] = k;
    this.val.a[m] = NIL;
    this.readStart.a[m] = -1;
    this.readLen.a[m] = 0;
    this.key.length = this.val.length = this.readStart.length = this.readLen.length = m + 1;
    return m;
  }

  setVal(m: number, v: number): void {
    this.val.a[m] = v;
  }

  /** A list read of micro-op m: elements given with elem() until endRead(m). */
  beginRead(m: number): void {
    const k = this.key.a[m];
    while (this.klLen.length <= k) {
      this.klStart.push(0);
      this.klLen.push(0);
      this.klCap.push(0);
    }
    this.rk = k;
    this.rn = 0;
    this.rOut = -1;
  }

  /** The next element of the read being built: compared with its key's list, extending it, or written out. */
  elem(v: number): void {
    const k = this.rk;
    const i = this.rn++;
    if (this.rOut < 0) {
      if (i < this.klLen.a[k]) {
        if (this.elems.a[this.klStart.a[k] + i] === v) return;
        // The read departs from the key's list: written out from here on, its prefix copied.
        this.rOut = this.elems.length;
        this.elems.reserve(i + 1);
        this.elems.a.copyWithin(this.rOut, this.klStart.a[k], this.klStart.a[k] + i);
        this.elems.length += i;
      } else {
        this.extend(k, v);
        return;
      }
    }
    this.elems.push(v);
  }

  /** Appends v to key k's list, moving it to a block twice as large at the end of elems when it is full. */
  private extend(k: number, v: number): void {
    const len = this.klLen.a[k];
    this.undo.push(k);
    this.undo.push(this.klStart.a[k]);
    this.undo.push(len);
    this.undo.push(this.klCap.a[k]);
    if (len === this.klCap.a[k]) {
      const cap = Math.max(8, len * 2);
      const at = this.elems.length;
      this.elems.reserve(cap);
      this.elems.a.copyWithin(at, this.klStart.a[k], this.klStart.a[k] + len);
      this.elems.length += cap;
      this.klStart.a[k] = at;
      this.klCap.a[k] = cap;
    }
    this.elems.a[this.klStart.a[k] + len] = v;
    this.klLen.a[k] = len + 1;
  }

  endRead(m: number): void {
    this.readStart.a[m] = this.rOut < 0 ? PREFIX_READ : this.rOut;
    this.readLen.a[m] = this.rn;
  }

  /** Where micro-op m's read starts in elems (-1: a read of nil, or not a read). */
  readStartOf(m: number): number {
    const s = this.readStart.a[m];
    return s === PREFIX_READ ? this.klStart.a[this.key.a[m]] : s;
  }

  /** Records event `pos`'s value as read by any reader: micro-ops, nothing (nil), or why it is not a transaction. */
  addPlain(pos: number, value: unknown): void {
    if (value === undefined || value === null) {
      this.setEvent(pos, ABSENT, 0);
      return;
    }
    const why = malformedWhy(value);
    if (why) {
      this.malformed.set(pos, why);
      this.setEvent(pos, MALFORMED, 0);
      return;
    }
    const cp = this.checkpoint();
    for (const m of value as unknown[][]) {
      const f = mopFOf(m[0]);
      const v = m.length === 3 ? m[2] : null;
      const i = this.mop(f === 'r' ? R : f === 'append' ? APPEND : W, this.keys.id(m[1]));
      if (f !== 'r') this.setVal(i, this.values.id(v));
      else if (Array.isArray(v)) {
        this.beginRead(i);
        for (const x of v) this.elem(this.values.id(x));
        this.endRead(i);
      } else if (v !== null && v !== undefined) this.setVal(i, this.values.id(v));
    }
    this.commit(pos, cp);
  }

  /** Event `pos`'s micro-ops as plain values ([f, k, v] with list reads as arrays), as a reader would have kept. */
  plainValue(pos: number): unknown[] | undefined {
    const s = this.evStart(pos);
    if (s < 0) return undefined;
    const out: unknown[] = [];
    for (let m = s; m < s + this.evLen(pos); m++) out.push(this.plainMop(m));
    return out;
  }

  plainMop(m: number): [string, unknown, unknown] {
    const f = this.fA[m];
    const k = this.keys.list[this.key.a[m]];
    if (f !== R) return [f === APPEND ? 'append' : 'w', k, this.values.list[this.val.a[m]]];
    const rs = this.readStartOf(m);
    if (rs < 0) return ['r', k, this.val.a[m] < 0 ? null : this.values.list[this.val.a[m]]];
    const read: unknown[] = [];
    for (let i = rs; i < rs + this.readLen.a[m]; i++) read.push(this.values.list[this.elems.a[i]]);
    return ['r', k, read];
  }
}

/** Why a value is not a list of [f, key, value] micro-ops, or undefined when it is one. */
function malformedWhy(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `a transaction's value must be a list of micro-ops, got ${showValue(value, 80)}`;
  for (const m of value) {
    if (!Array.isArray(m) || m.length < 2 || m.length > 3)
      return `micro-op must be [f, key, value], got ${showValue(m, 80)}`;
    const f = mopFOf(m[0]);
    if (f === undefined) return `micro-op function must be r, append or w, got ${showValue(m[0], 40)}`;
    const v = m.length === 3 ? m[2] : null;
    if (f !== 'r' && (v === null || v === undefined)) return `${f} of ${showTxnValue(m[1])} needs a value, got nil`;
  }
  return undefined;
}

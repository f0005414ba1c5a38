// The per-key indexes of list-append (the Elle paper §4.3.2; list_append.clj): who appended each element, the
// version order of each key read off its longest read, and who read each state. Inference (list-append.ts) and
// the non-cycle anomalies (list-append-anomalies.ts) both read them.
//
// Everything is indexed by position in a key's version order: each order element's writer, and the readers whose
// read ends at each position (a read that is a prefix of the longest ends at its length, found without a hash), so
// an append costs one lookup of its position and a read none.
import { APPEND, FAIL, INFO, R, type TxnIndex } from './history-index.js';
import { KeyedMap } from './pair-map.js';

/** The state before the first append, as a "previous element". */
export const INIT = -1;

/** Per-key indexes list-append inference and its anomaly checks share. */
export interface AppendIndexes {
  /** (key, value) -> 2 * txn + 1 if that append is not the txn's last to the key (intermediate), for every txn. */
  writer: KeyedMap;
  /** Version order per key: order[orderStart[k] .. orderStart[k] + orderLen[k]) are value ids. */
  order: Int32Array;
  orderStart: Int32Array;
  orderLen: Int32Array;
  /** The writer of each order element, as `writer` holds it (-1: nobody appended it). */
  orderWriter: Int32Array;
  /** (key, value) -> position in the key's version order. */
  position: KeyedMap;
  /**
   * Readers (ok and info transactions) by where their read ends: slot slotBase[k] + p + 1 holds the readers of k
   * whose read ends with the order element at position p, slot slotBase[k] the readers of an empty list; their
   * transactions are readerTxn[readerOff[slot] .. readerOff[slot + 1]).
   */
  slotBase: Int32Array;
  readerOff: Int32Array;
  readerTxn: Int32Array;
  /** Per key: the read mop that gave the version order (-1: none, or a single append). */
  longestMop: Int32Array;
}

/** Whether transaction t may have happened (ok or info: not fail). */
export const possible = (x: TxnIndex, t: number): boolean => x.type[t] !== FAIL;

/** The writer of (k, v) if it may have happened (ok or info), else -1. */
export function possibleWriter(x: TxnIndex, ix: AppendIndexes, k: number, v: number): number {
  return possibleTxn(x, ix.writer.get(k, v));
}

/** The transaction of a writer code (2 * txn + intermediate bit), if it may have happened, else -1. */
export function possibleTxn(x: TxnIndex, w: number): number {
  if (w < 0) return -1;
  const t = w >> 1;
  return possible(x, t) ? t : -1;
}

/** Position in k's order of the element an append of v follows: -1 for INIT (Elle's previously-appended-element). */
export function previousPosition(ix: AppendIndexes, k: number, v: number): number {
  const p = ix.position.get(k, v);
  return p >= 0 ? p - 1 : ix.orderLen[k] - 1;
}

/** Elle's previously-appended-element: the element right before v in k's order, or the last known, or INIT. */
export function previousElement(ix: AppendIndexes, k: number, v: number): number {
  const p = previousPosition(ix, k, v);
  return p < 0 ? INIT : ix.order[ix.orderStart[k] + p];
}

/** The last element read m saw, or INIT for an empty read or nil. */
export function lastRead(x: TxnIndex, m: number): number {
  const s = x.readStart[m];
  return s < 0 || x.readLen[m] === 0 ? INIT : x.readElems[s + x.readLen[m] - 1];
}

/**
 * Where read m ends in its key's order: -1 for an empty read (or nil), the position of its last element, or -2
 * when that element is not in the order (such a read precedes no append). A read that is a prefix of the longest
 * (it shares its elements, history/txn-columns.ts) ends at its length when the order has no repeats.
 */
export function readEnd(x: TxnIndex, ix: AppendIndexes, m: number): number {
  const len = x.readLen[m];
  if (x.readStart[m] < 0 || len === 0) return -1;
  const k = x.mopKey[m];
  const lm = ix.longestMop[k];
  if (lm >= 0 && x.readStart[m] === x.readStart[lm] && ix.orderLen[k] === x.readLen[lm]) return len - 1;
  const p = ix.position.get(k, x.readElems[x.readStart[m] + len - 1]);
  return p >= 0 ? p : -2;
}

/** Calls fn with each reader of k whose read ends at position p (-1: an empty list). */
export function readersAt(ix: AppendIndexes, k: number, p: number, fn: (t: number) => void): void {
  const slot = ix.slotBase[k] + p + 1;
  for (let i = ix.readerOff[slot]; i < ix.readerOff[slot + 1]; i++) fn(ix.readerTxn[i]);
}

/** Builds the indexes; returns an error when two appends share a key and value (Elle's verify-unique-appends). */
export function appendIndexes(x: TxnIndex): { ix: AppendIndexes; error?: string } {
  const nk = x.keys.length;
  // Per key: appends (every transaction), to size the writer map.
  const appends = new Int32Array(nk);
  for (let m = 0; m < x.mopF.length; m++) if (x.mopF[m] === APPEND) appends[x.mopKey[m]]++;
  const writer = new KeyedMap(appends);
  let error: string | undefined;
  const lastAppend = new Int32Array(nk).fill(-1); // per key: the last append mop of the current txn
  const touched: number[] = [];
  for (let t = 0; t < x.n; t++) {
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      if (x.mopF[m] !== APPEND) continue;
      const k = x.mopKey[m];
      const v = x.mopVal[m];
      if (writer.has(k, v) && !error) {
        const other = writer.get(k, v) >> 1;
        error =
          `value ${String(x.values[v])} is appended to key ${String(x.keys[k])} more than once ` +
          `(operations ${x.events[x.invokePos[other]].index} and ${x.events[x.invokePos[t]].index}); ` +
          'list-append needs every appended value unique per key';
      }
      const prev = lastAppend[k];
      if (prev >= 0) writer.set(k, x.mopVal[prev], 2 * t + 1);
      else touched.push(k);
      lastAppend[k] = m;
      writer.set(k, v, 2 * t);
    }
    for (const k of touched) lastAppend[k] = -1;
    touched.length = 0;
  }

  // The longest read of each key among transactions that may have happened; single appends stand in for reads.
  const longestMop = new Int32Array(nk).fill(-1);
  const appendCount = new Int32Array(nk);
  const singleAppend = new Int32Array(nk).fill(-1);
  for (let t = 0; t < x.n; t++) {
    if (!possible(x, t)) continue;
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      const k = x.mopKey[m];
      if (x.mopF[m] === APPEND) {
        appendCount[k]++;
        singleAppend[k] = x.mopVal[m];
      } else if (x.mopF[m] === R && x.readLen[m] > 0) {
        const best = longestMop[k];
        if (best < 0 || x.readLen[m] > x.readLen[best]) longestMop[k] = m;
      }
    }
  }
  const orderStart = new Int32Array(nk + 1);
  for (let k = 0; k < nk; k++)
    orderStart[k + 1] = orderStart[k] + (longestMop[k] >= 0 ? x.readLen[longestMop[k]] : appendCount[k] === 1 ? 1 : 0);
  const total = orderStart[nk];
  const orderLen = new Int32Array(nk);
  const order = new Int32Array(total);
  const orderWriter = new Int32Array(total);
  const position = new KeyedMap(Array.from({ length: nk }, (_, k) => orderStart[k + 1] - orderStart[k]));
  for (let k = 0; k < nk; k++) {
    const m = longestMop[k];
    let len = 0;
    const put = (v: number): void => {
      if (position.has(k, v)) return; // Elle keeps the first of duplicates (distinct)
      position.set(k, v, len);
      orderWriter[orderStart[k] + len] = writer.get(k, v);
      order[orderStart[k] + len++] = v;
    };
    if (m >= 0) for (let i = 0; i < x.readLen[m]; i++) put(x.readElems[x.readStart[m] + i]);
    else if (appendCount[k] === 1) put(singleAppend[k]);
    orderLen[k] = len;
  }

  // Readers by where their read ends: counted, then placed (a counting sort into slots).
  const slotBase = new Int32Array(nk);
  for (let k = 0; k < nk; k++) slotBase[k] = orderStart[k] + k;
  const readerOff = new Int32Array(total + nk + 2);
  const ends = new Int32Array(x.mopF.length).fill(-3);
  const sofar = { longestMop, orderLen, position } as AppendIndexes; // what readEnd needs
  for (let t = 0; t < x.n; t++) {
    if (!possible(x, t)) continue;
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      if (x.mopF[m] !== R) continue;
      // An info transaction's read of nil is the invoke's placeholder, not an observation.
      if (x.type[t] === INFO && x.readStart[m] < 0) continue;
      const p = readEnd(x, sofar, m);
      if (p < -1) continue;
      ends[m] = p;
      readerOff[slotBase[x.mopKey[m]] + p + 2]++;
    }
  }
  for (let i = 1; i < readerOff.length; i++) readerOff[i] += readerOff[i - 1];
  const readerTxn = new Int32Array(readerOff[readerOff.length - 1]);
  const fill = readerOff.slice();
  for (let t = 0; t < x.n; t++)
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++)
      if (ends[m] >= -1) readerTxn[fill[slotBase[x.mopKey[m]] + ends[m] + 1]++] = t;
  return {
    ix: { writer, order, orderStart, orderLen, orderWriter, position, slotBase, readerOff, readerTxn, longestMop },
    error,
  };
}

// The per-key indexes of list-append (the Elle paper §4.3.2; list_append.clj): who appended each element, the
// version order of each key read off its longest read, and who read each state. Inference (list-append.ts) and
// the non-cycle anomalies (list-append-anomalies.ts) both read them.
import { APPEND, FAIL, INFO, R, type TxnIndex } from './history-index.js';
import { PairLists, PairMap } from './pair-map.js';

/** The state before the first append, as a "previous element". */
export const INIT = -1;

/** Per-key indexes list-append inference and its anomaly checks share. */
export interface AppendIndexes {
  /** (key, value) -> 2 * txn + 1 if that append is not the txn's last to the key (intermediate), for every txn. */
  writer: PairMap;
  /** Version order per key: order[orderStart[k] .. orderStart[k] + orderLen[k]) are value ids. */
  order: Int32Array;
  orderStart: Int32Array;
  orderLen: Int32Array;
  /** (key, value) -> position in the key's version order. */
  position: PairMap;
  /** (key, last element read or INIT) -> readers, over ok and info transactions. */
  readers: PairLists;
  /** Per key: the read mop that gave the version order (-1: none, or a single append). */
  longestMop: Int32Array;
}

/** Whether transaction t may have happened (ok or info: not fail). */
export const possible = (x: TxnIndex, t: number): boolean => x.type[t] !== FAIL;

/** The writer of (k, v) if it may have happened (ok or info), else -1. */
export function possibleWriter(x: TxnIndex, ix: AppendIndexes, k: number, v: number): number {
  const w = ix.writer.get(k, v);
  if (w < 0) return -1;
  const t = w >> 1;
  return possible(x, t) ? t : -1;
}

/** Elle's previously-appended-element: the element right before v in k's order, or the last known, or INIT. */
export function previousElement(ix: AppendIndexes, k: number, v: number): number {
  const p = ix.position.get(k, v);
  const len = ix.orderLen[k];
  if (p > 0) return ix.order[ix.orderStart[k] + p - 1];
  if (p === 0 || len === 0) return INIT;
  return ix.order[ix.orderStart[k] + len - 1];
}

/** The last element read mop m saw, or INIT for an empty read or nil. */
export function lastRead(x: TxnIndex, m: number): number {
  const s = x.readStart[m];
  return s < 0 || x.readLen[m] === 0 ? INIT : x.readElems[s + x.readLen[m] - 1];
}

/** Builds the indexes; returns an error when two appends share a key and value (Elle's verify-unique-appends). */
export function appendIndexes(x: TxnIndex): { ix: AppendIndexes; error?: string } {
  const nk = x.keys.length;
  const writer = new PairMap(x.mopF.length / 2);
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
  const orderStart = new Int32Array(nk);
  const orderLen = new Int32Array(nk);
  let total = 0;
  for (let k = 0; k < nk; k++) {
    orderStart[k] = total;
    total += longestMop[k] >= 0 ? x.readLen[longestMop[k]] : appendCount[k] === 1 ? 1 : 0;
  }
  const order = new Int32Array(total);
  const position = new PairMap(total);
  for (let k = 0; k < nk; k++) {
    const m = longestMop[k];
    let len = 0;
    const put = (v: number): void => {
      if (position.has(k, v)) return; // Elle keeps the first of duplicates (distinct)
      position.set(k, v, len);
      order[orderStart[k] + len++] = v;
    };
    if (m >= 0) for (let i = 0; i < x.readLen[m]; i++) put(x.readElems[x.readStart[m] + i]);
    else if (appendCount[k] === 1) put(singleAppend[k]);
    orderLen[k] = len;
  }

  const readers = new PairLists();
  for (let t = 0; t < x.n; t++) {
    if (!possible(x, t)) continue;
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      if (x.mopF[m] !== R) continue;
      // An info transaction's read of nil is the invoke's placeholder, not an observation.
      if (x.type[t] === INFO && x.readStart[m] < 0) continue;
      readers.add(x.mopKey[m], lastRead(x, m), t);
    }
  }
  return { ix: { writer, order, orderStart, orderLen, position, readers, longestMop }, error };
}

// List-append inference (the Elle paper §3 and §4.3.2; jepsen-io/elle src/elle/list_append.clj). Appends of unique
// values to lists make every read *traceable*: a read of [1 2 3] shows the versions [], [1], [1 2], [1 2 3] in that
// order, and *recoverable*: each element names the one append that made it. So, per key, the longest committed
// read gives the version order (every other read must be a prefix of it, else incompatible-order), and from it:
//   ww  T1 -> T2  when T2 appended the element right after T1's;
//   wr  T1 -> T2  when T2 read a list ending in T1's element;
//   rw  T1 -> T2  when T1 read a list ending just before T2's element (or empty, before the first).
// An append never read still follows the last element any read showed (Elle's previously-appended-element).
// Only ok and info transactions take part (fail did not happen); info ones' appends may show up in reads.
import { APPEND, FAIL, INFO, NIL, R, type TxnIndex } from './history-index.js';
import { EdgeList } from './graph.js';
import { KeyedLists, KeyedMap } from './pair-map.js';
import { RW, WR, WW } from './rels.js';
import type { CaseAnomaly, Inference } from './types.js';
import { listAppendCases } from './list-append-anomalies.js';

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
  /** (key, value) -> position in the key's version order. */
  position: KeyedMap;
  /** (key, last element read or INIT) -> readers, over ok and info transactions. */
  readers: KeyedLists;
  /** Per key: the read mop that gave the version order (-1: none, or a single append). */
  longestMop: Int32Array;
}

const possible = (x: TxnIndex, t: number): boolean => x.type[t] !== FAIL;

/** The writer of (k, v) if it may have happened (ok or info), else -1. */
function possibleWriter(x: TxnIndex, ix: AppendIndexes, k: number, v: number): number {
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

function lastRead(x: TxnIndex, m: number): number {
  const s = x.readStart[m];
  return s < 0 || x.readLen[m] === 0 ? INIT : x.readElems[s + x.readLen[m] - 1];
}

/** Builds the indexes; returns an error when two appends share a key and value (Elle's verify-unique-appends). */
export function appendIndexes(x: TxnIndex): { ix: AppendIndexes; error?: string } {
  const nk = x.keys.length;
  // Per key: appends (every transaction) and reads (those that may have happened), to size the per-key maps.
  const appends = new Int32Array(nk);
  const reads = new Int32Array(nk);
  for (let t = 0; t < x.n; t++)
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      if (x.mopF[m] === APPEND) appends[x.mopKey[m]]++;
      else if (x.mopF[m] === R && possible(x, t)) reads[x.mopKey[m]]++;
    }
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
  const orderStart = new Int32Array(nk);
  const orderLen = new Int32Array(nk);
  let total = 0;
  for (let k = 0; k < nk; k++) {
    orderStart[k] = total;
    total += longestMop[k] >= 0 ? x.readLen[longestMop[k]] : appendCount[k] === 1 ? 1 : 0;
  }
  const order = new Int32Array(total);
  const orderCap = new Int32Array(nk);
  for (let k = 0; k < nk; k++) orderCap[k] = (k + 1 < nk ? orderStart[k + 1] : total) - orderStart[k];
  const position = new KeyedMap(orderCap);
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

  const readers = new KeyedLists(reads);
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

/** The list-append dependency graph's data edges and non-cycle anomalies. */
export function inferListAppend(x: TxnIndex): Inference {
  const { ix, error } = appendIndexes(x);
  const edges = new EdgeList(Math.max(1024, x.mopF.length * 2));
  for (let t = 0; t < x.n; t++) {
    if (!possible(x, t)) continue;
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      const k = x.mopKey[m];
      if (x.mopF[m] === R) {
        const last = lastRead(x, m);
        if (last === INIT) continue;
        const w = possibleWriter(x, ix, k, last);
        if (w >= 0) edges.add(w, t, WR);
        continue;
      }
      if (x.mopF[m] !== APPEND) continue;
      const prev = previousElement(ix, k, x.mopVal[m]);
      if (prev !== INIT) {
        const w = possibleWriter(x, ix, k, prev);
        if (w >= 0) edges.add(w, t, WW);
      }
      for (let at = ix.readers.head(k, prev); at >= 0; at = ix.readers.nextAt(at))
        edges.add(ix.readers.itemAt(at), t, RW);
    }
  }
  const cases: Map<string, CaseAnomaly[]> = error ? new Map() : listAppendCases(x, ix);
  return {
    edges,
    cases,
    priority: [WW, WR, RW],
    error,
    explain: (a, b, rel) => explainAppend(x, ix, a, b, rel),
  };
}

function explainAppend(
  x: TxnIndex,
  ix: AppendIndexes,
  a: number,
  b: number,
  rel: number,
): { key: unknown; value?: unknown; value2?: unknown } | undefined {
  for (let m = x.mopStart[b]; m < x.mopStart[b + 1]; m++) {
    const k = x.mopKey[m];
    if (rel === WR && x.mopF[m] === R) {
      const last = lastRead(x, m);
      if (last !== INIT && possibleWriter(x, ix, k, last) === a) return { key: x.keys[k], value: x.values[last] };
    }
    if (x.mopF[m] !== APPEND) continue;
    const v = x.mopVal[m];
    const prev = previousElement(ix, k, v);
    if (rel === WW && prev !== INIT && possibleWriter(x, ix, k, prev) === a)
      return { key: x.keys[k], value: x.values[prev], value2: x.values[v] };
    if (rel === RW) {
      let hit = false;
      ix.readers.forEach(k, prev, (r) => {
        if (r === a) hit = true;
      });
      if (hit) return { key: x.keys[k], value: prev === INIT ? undefined : x.values[prev], value2: x.values[v] };
    }
  }
  return undefined;
}

export { lastRead, NIL };

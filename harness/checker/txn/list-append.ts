// List-append inference (the Elle paper §3 and §4.3.2; jepsen-io/elle src/elle/list_append.clj). Appends of unique
// values to lists make every read *traceable*: a read of [1 2 3] shows the versions [], [1], [1 2], [1 2 3] in that
// order, and *recoverable*: each element names the one append that made it. So, per key, the longest committed
// read gives the version order (every other read must be a prefix of it, else incompatible-order), and from it:
//   ww  T1 -> T2  when T2 appended the element right after T1's;
//   wr  T1 -> T2  when T2 read a list ending in T1's element;
//   rw  T1 -> T2  when T1 read a list ending just before T2's element (or empty, before the first).
// An append never read still follows the last element any read showed (Elle's previously-appended-element).
// Only ok and info transactions take part (fail did not happen); info ones' appends may show up in reads.
import { APPEND, R, type TxnIndex } from './history-index.js';
import { EdgeList } from './graph.js';
import {
  type AppendIndexes,
  appendIndexes,
  INIT,
  lastRead,
  possible,
  possibleTxn,
  possibleWriter,
  previousPosition,
  readEnd,
  readersAt,
} from './list-append-indexes.js';
import { RW, WR, WW } from './rels.js';
import type { CaseAnomaly, Inference } from './types.js';
import { listAppendCases } from './list-append-anomalies.js';

/** The list-append dependency graph's data edges and non-cycle anomalies. */
export function inferListAppend(x: TxnIndex): Inference {
  const { ix, error } = appendIndexes(x);
  const edges = new EdgeList(Math.max(1024, x.mopF.length * 2));
  const { orderStart, orderWriter, slotBase, readerOff, readerTxn } = ix;
  for (let t = 0; t < x.n; t++) {
    if (!possible(x, t)) continue;
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      const k = x.mopKey[m];
      if (x.mopF[m] === R) {
        const last = lastRead(x, m);
        if (last === INIT) continue;
        const p = readEnd(x, ix, m);
        const w = possibleTxn(x, p >= 0 ? orderWriter[orderStart[k] + p] : ix.writer.get(k, last));
        if (w >= 0) edges.add(w, t, WR);
        continue;
      }
      if (x.mopF[m] !== APPEND) continue;
      const p = previousPosition(ix, k, x.mopVal[m]);
      if (p >= 0) {
        const w = possibleTxn(x, orderWriter[orderStart[k] + p]);
        if (w >= 0) edges.add(w, t, WW);
      }
      const slot = slotBase[k] + p + 1;
      for (let i = readerOff[slot]; i < readerOff[slot + 1]; i++) edges.add(readerTxn[i], t, RW);
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
    const p = previousPosition(ix, k, v);
    const prev = p < 0 ? INIT : ix.order[ix.orderStart[k] + p];
    if (rel === WW && prev !== INIT && possibleWriter(x, ix, k, prev) === a)
      return { key: x.keys[k], value: x.values[prev], value2: x.values[v] };
    if (rel === RW) {
      let hit = false;
      readersAt(ix, k, p, (r) => {
        if (r === a) hit = true;
      });
      if (hit) return { key: x.keys[k], value: prev === INIT ? undefined : x.values[prev], value2: x.values[v] };
    }
  }
  return undefined;
}

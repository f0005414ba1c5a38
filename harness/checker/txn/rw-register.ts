// Read-write register inference (the Elle paper §3 and §5.2; jepsen-io/elle src/elle/rw_register.clj). Writes are
// unique per key, so a read of v recovers its writer: wr T1 -> T2 when T2's external read of k saw T1's final
// write of k. ww and rw come from the version graphs (rw-register-versions.ts): for each version edge v1 -> v2 of
// key k, the committed writers of v1 precede those of v2 (ww) and the committed readers of v1 precede the writers of
// v2 (rw). External reads are a transaction's reads of a key before it writes it, external writes its last write
// of each key (Adya's installed versions); only committed transactions are indexed, as Elle does.
// Non-cycle anomalies: G1a (a committed read of a failed write), G1b (of a write its transaction later overwrote),
// internal (a read its own earlier micro-ops rule out), lost-update (lost-update.ts).
import { showTxnValue } from '../../history/txn.js';
import { EdgeList } from './graph.js';
import { FAIL, NIL, OK, R, txnIndexField, W, type TxnIndex } from './history-index.js';
import { extOps } from './ext-ops.js';
import { lostUpdates } from './lost-update.js';
import { PairLists, PairMap } from './pair-map.js';
import { RW, WR, WW } from './rels.js';
import { type VersionEdges, versionGraphs } from './rw-register-versions.js';
import { caseMap, type CaseAnomaly, type Inference, type TxnCheckOptions } from './types.js';

export function inferRwRegister(x: TxnIndex, opts: TxnCheckOptions): Inference {
  const ext = extOps(x);
  const readIndex = new PairLists();
  const writeIndex = new PairLists();
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] !== OK) continue;
    for (const [k, v] of ext.reads[t]) readIndex.add(k, v, t);
    for (const [k, v] of ext.writes[t]) writeIndex.add(k, v, t);
  }
  const edges = new EdgeList();
  let error: string | undefined;
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] !== OK) continue;
    for (const [k, v] of ext.reads[t]) {
      const ws = writeIndex.list(k, v);
      if (ws.length === 1) edges.add(ws[0], t, WR);
      else if (ws.length > 1 && !error)
        error =
          `key ${showTxnValue(x.keys[k])} had value ${showTxnValue(x.values[v])} written by more than one ` +
          `transaction (ops ${ws.map((w) => txnIndexField(x, w)).join(', ')}); rw-register needs unique writes`;
    }
  }
  const versions = versionGraphs(x, ext, opts);
  const v = versions.edges;
  for (let i = 0; i < v.k.length; i++) {
    const w2 = writeIndex.list(v.k[i], v.b[i]);
    if (w2.length === 0) continue;
    for (const a of writeIndex.list(v.k[i], v.a[i])) for (const b of w2) edges.add(a, b, WW);
    for (const a of readIndex.list(v.k[i], v.a[i])) for (const b of w2) edges.add(a, b, RW);
  }
  const cases = registerCases(x);
  if (versions.cases.length) cases.set('cyclic-versions', versions.cases);
  const lost = lostUpdates(x, W);
  if (lost.length) cases.set('lost-update', lost);
  let lookup: Map<number, PairMap> | undefined;
  const follows = (k: number, a: number, b: number): boolean => {
    lookup ??= versionLookup(v);
    return lookup.get(k)?.has(a, b) ?? false;
  };
  return {
    edges,
    cases,
    priority: [WR, WW, RW],
    error,
    explain: (a, b, rel) => {
      if (rel === WR) {
        for (const [k, val] of ext.writes[a])
          if (ext.reads[b].get(k) === val) return { key: x.keys[k], value: x.values[val] };
        return undefined;
      }
      const from = rel === WW ? ext.writes[a] : ext.reads[a];
      for (const [k, va] of from) {
        const vb = ext.writes[b].get(k);
        if (vb !== undefined && follows(k, va, vb))
          return { key: x.keys[k], value: va === NIL ? null : x.values[va], value2: x.values[vb] };
      }
      return undefined;
    },
  };
}

function versionLookup(v: VersionEdges): Map<number, PairMap> {
  const out = new Map<number, PairMap>();
  for (let i = 0; i < v.k.length; i++) {
    let m = out.get(v.k[i]);
    if (!m) {
      m = new PairMap();
      out.set(v.k[i], m);
    }
    m.set(v.a[i], v.b[i], 1);
  }
  return out;
}

/** G1a, G1b and internal for registers. */
function registerCases(x: TxnIndex): Map<string, CaseAnomaly[]> {
  const { cases, add } = caseMap();
  const op = (t: number): number => txnIndexField(x, t);
  const key = (k: number): string => showTxnValue(x.keys[k]);
  const val = (v: number): string => (v === NIL ? 'nil' : showTxnValue(x.values[v]));
  // (k, v) -> 2 * writer + 1 when that write is intermediate (its transaction wrote k again), over every txn.
  const writer = new PairMap();
  for (let t = 0; t < x.n; t++) {
    const last = new Map<number, number>();
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      if (x.mopF[m] !== W) continue;
      const k = x.mopKey[m];
      const prev = last.get(k);
      if (prev !== undefined) writer.set(k, prev, 2 * t + 1);
      writer.set(k, x.mopVal[m], 2 * t);
      last.set(k, x.mopVal[m]);
    }
  }
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] !== OK) continue;
    const state = new Map<number, number>();
    let internal = false;
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      const k = x.mopKey[m];
      const v = x.mopVal[m];
      if (x.mopF[m] === W) {
        state.set(k, v);
        continue;
      }
      if (x.mopF[m] !== R) continue;
      const s = state.get(k);
      if (!internal && s !== undefined && s !== v) {
        internal = true;
        add({
          type: 'internal',
          text: `op ${op(t)} read key ${key(k)} = ${val(v)}, but its own earlier micro-ops say ${val(s)}`,
          ops: [op(t)],
          key: x.keys[k],
          data: { read: v === NIL ? null : x.values[v], expected: s === NIL ? null : x.values[s] },
        });
      }
      if (s === undefined) state.set(k, v);
      if (v === NIL) continue;
      const w = writer.get(k, v);
      if (w < 0) continue;
      const wt = w >> 1;
      if (x.type[wt] === FAIL)
        add({
          type: 'G1a',
          text: `op ${op(t)} read key ${key(k)} = ${val(v)}, written by op ${op(wt)}, which failed`,
          ops: [op(t), op(wt)],
          key: x.keys[k],
          data: { value: x.values[v] },
        });
      if (w & 1 && wt !== t)
        add({
          type: 'G1b',
          text: `op ${op(t)} read key ${key(k)} = ${val(v)}, which op ${op(wt)} wrote and then overwrote itself`,
          ops: [op(t), op(wt)],
          key: x.keys[k],
          data: { value: x.values[v] },
        });
    }
  }
  return cases;
}

// The anomalies list-append finds without a cycle (the Elle paper §4.3.1 and §6.1; list_append.clj):
//   G1a aborted read: a committed read shows an element a failed transaction appended (Adya §4.2.1 G1a).
//   G1b intermediate read: a committed read ends in an element its writer later followed with another append to
//       the same key in the same transaction (Adya's G1b); reading one's own intermediate state is fine.
//   dirty-update: in a key's version order, a failed transaction's append is followed by a committed one.
//   incompatible-order: two reads of a key where neither is a prefix of the other (no single order of appends).
//   duplicate-elements: one read shows the same element twice.
//   internal: a transaction reads what its own earlier micro-ops rule out (Cerone et al.'s INT axiom).
//   future-read: a transaction reads an element it appends only later.
//   lost-update: two committed transactions read the same state of a key and both append to it (Adya's H_lu).
import { showTxnValue } from '../../history/txn.js';
import { APPEND, FAIL, INFO, OK, R, txnIndexField, type TxnIndex } from './history-index.js';
import { type AppendIndexes, INIT, lastRead } from './list-append-indexes.js';
import { lostUpdates, mopOwner } from './lost-update.js';
import { caseMap, type CaseAnomaly } from './types.js';

function readList(x: TxnIndex, m: number): number[] {
  const s = x.readStart[m];
  const out: number[] = [];
  if (s < 0) return out;
  for (let i = 0; i < x.readLen[m]; i++) out.push(x.readElems[s + i]);
  return out;
}

export function listAppendCases(x: TxnIndex, ix: AppendIndexes): Map<string, CaseAnomaly[]> {
  const { cases, add } = caseMap();
  const op = (t: number): number => txnIndexField(x, t);
  const key = (k: number): string => showTxnValue(x.keys[k]);
  const val = (v: number): string => showTxnValue(x.values[v]);
  const list = (vs: number[]): string => `[${vs.map(val).join(' ')}]`;
  const seen = new Int32Array(x.values.length); // stamp per value id: duplicate-elements
  let stamp = 0;

  for (let t = 0; t < x.n; t++) {
    if (x.type[t] === FAIL) continue;
    const committed = x.type[t] === OK;
    // Per transaction: what each key must read as, from its own earlier micro-ops (internal), and what it read.
    const expected = new Map<number, { prefixKnown: boolean; elems: number[] }>();
    const readSoFar = new Map<number, Set<number>>();
    let internalDone = false;
    let futureDone = false;
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      const k = x.mopKey[m];
      if (x.mopF[m] === APPEND) {
        const v = x.mopVal[m];
        if (!committed) continue;
        const st = expected.get(k);
        if (st) st.elems.push(v);
        else expected.set(k, { prefixKnown: false, elems: [v] });
        if (!futureDone && readSoFar.get(k)?.has(v)) {
          futureDone = true;
          add({
            type: 'future-read',
            text: `op ${op(t)} read key ${key(k)} containing ${val(v)}, which it appends itself only later`,
            ops: [op(t)],
            key: x.keys[k],
            data: { element: x.values[v] },
          });
        }
        continue;
      }
      if (x.mopF[m] !== R) continue;
      const got = readList(x, m);
      // Duplicate elements: over every read that may have happened.
      if (got.length > 1) {
        stamp++;
        const dups: number[] = [];
        for (const v of got) {
          if (seen[v] === stamp && !dups.includes(v)) dups.push(v);
          seen[v] = stamp;
        }
        if (dups.length)
          add({
            type: 'duplicate-elements',
            text:
              `op ${op(t)} read key ${key(k)} as ${list(got)}, ` +
              `where ${dups.map(val).join(', ')} appear twice or more`,
            ops: [op(t)],
            key: x.keys[k],
            data: { duplicates: dups.map((v) => x.values[v]) },
          });
      }
      if (!committed) continue;
      const rs = readSoFar.get(k) ?? new Set<number>();
      for (const v of got) rs.add(v);
      readSoFar.set(k, rs);
      readChecks(t, m, k, got);
      const st = expected.get(k);
      if (!internalDone && st && !matches(st, got)) {
        internalDone = true;
        const want = st.prefixKnown ? list(st.elems) : `[... ${st.elems.map(val).join(' ')}]`;
        add({
          type: 'internal',
          text: `op ${op(t)} read key ${key(k)} as ${list(got)}, but its own earlier micro-ops say it must be ${want}`,
          ops: [op(t)],
          key: x.keys[k],
          data: { read: got.map((v) => x.values[v]), expected: st.elems.map((v) => x.values[v]) },
        });
      }
      expected.set(k, { prefixKnown: true, elems: got });
    }
  }

  // G1a and G1b, for committed reads.
  function readChecks(t: number, m: number, k: number, got: number[]): void {
    for (const e of got) {
      const w = ix.writer.get(k, e);
      if (w >= 0 && x.type[w >> 1] === FAIL)
        add({
          type: 'G1a',
          text:
            `op ${op(t)} read key ${key(k)} as ${list(got)}, with ${val(e)}, ` +
            `appended by op ${op(w >> 1)}, which failed`,
          ops: [op(t), op(w >> 1)],
          key: x.keys[k],
          data: { element: x.values[e] },
        });
    }
    const last = lastRead(x, m);
    if (last === INIT) return;
    const w = ix.writer.get(k, last);
    if (w >= 0 && w & 1 && w >> 1 !== t)
      add({
        type: 'G1b',
        text:
          `op ${op(t)} read key ${key(k)} as ${list(got)}, ending in ${val(last)}: an intermediate state, since ` +
          `op ${op(w >> 1)} appended more to ${key(k)} after ${val(last)}`,
        ops: [op(t), op(w >> 1)],
        key: x.keys[k],
        data: { element: x.values[last] },
      });
  }

  incompatibleOrders(x, ix, add, op, key, list);
  dirtyUpdates(x, ix, add, op, key, val);
  for (const c of lostUpdates(x, APPEND)) add(c);
  return cases;
}

function matches(st: { prefixKnown: boolean; elems: number[] }, got: number[]): boolean {
  const e = st.elems;
  if (st.prefixKnown) return e.length === got.length && e.every((v, i) => got[i] === v);
  const i = got.length - e.length;
  return i >= 0 && e.every((v, j) => got[i + j] === v);
}

/** Every read that may have happened must be a prefix of its key's longest read. */
function incompatibleOrders(
  x: TxnIndex,
  ix: AppendIndexes,
  add: (c: CaseAnomaly) => void,
  op: (t: number) => number,
  key: (k: number) => string,
  list: (vs: number[]) => string,
): void {
  const reported = new Set<number>();
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] === FAIL) continue;
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      const k = x.mopKey[m];
      if (x.mopF[m] !== R || reported.has(k)) continue;
      const lm = ix.longestMop[k];
      if (lm < 0 || lm === m) continue;
      const a = x.readStart[m];
      const b = x.readStart[lm];
      let ok = true;
      for (let i = 0; i < x.readLen[m] && ok; i++) ok = x.readElems[a + i] === x.readElems[b + i];
      if (ok) continue;
      reported.add(k);
      const tl = mopOwner(x)(lm);
      const got = readList(x, m);
      const longest = readList(x, lm);
      add({
        type: 'incompatible-order',
        text:
          `key ${key(k)} was read as ${list(got)} by op ${op(t)} and as ${list(longest)} by op ${op(tl)}: ` +
          'neither is a prefix of the other, so no single order of appends gives both',
        ops: [op(t), op(tl)],
        key: x.keys[k],
        data: { values: [got, longest].map((l) => l.map((v) => x.values[v])) },
      });
    }
  }
}

/** Walks each key's version order: a failed append followed by a committed one is a dirty update. */
function dirtyUpdates(
  x: TxnIndex,
  ix: AppendIndexes,
  add: (c: CaseAnomaly) => void,
  op: (t: number) => number,
  key: (k: number) => string,
  val: (v: number) => string,
): void {
  for (let k = 0; k < x.keys.length; k++) {
    let t1 = -1; // the initial state is committed
    let t1Type = OK;
    let vs: number[] = [];
    for (let i = 0; i < ix.orderLen[k]; i++) {
      const v = ix.order[ix.orderStart[k] + i];
      const w = ix.writer.get(k, v);
      const t2 = w >= 0 ? w >> 1 : -1;
      const t2Type = t2 >= 0 ? x.type[t2] : INFO; // an element nobody appended: we cannot say
      if (t2Type === OK && t1Type === FAIL)
        add({
          type: 'dirty-update',
          text:
            `key ${key(k)}: op ${op(t1)} failed, yet its append of ${vs.map(val).join(', ')} was built on by ` +
            `op ${op(t2)}'s committed append of ${val(v)}`,
          ops: [op(t1), op(t2)],
          key: x.keys[k],
          data: { values: [...vs, v].map((e) => x.values[e]) },
        });
      if (t2Type === INFO || (t2Type === FAIL && t1Type === FAIL)) {
        vs.push(v);
        continue;
      }
      t1 = t2;
      t1Type = t2Type;
      vs = [v];
    }
  }
}

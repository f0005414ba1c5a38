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
//
// One pass over the micro-ops, allocating nothing per read: a read that is a prefix of its key's longest read has
// duplicates exactly when the longest read repeats an element within that prefix, so only the longest reads (and
// reads that are not prefixes, which are already anomalies) are searched for duplicates; elements are checked for
// aborted writers only on keys a failed transaction appended to; a transaction's own earlier micro-ops (internal,
// future-read) are found by looking back over its few micro-ops instead of keeping sets per transaction.
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

/** Whether read m lists element v. */
function readHas(x: TxnIndex, m: number, v: number): boolean {
  const s = x.readStart[m];
  for (let i = s; s >= 0 && i < s + x.readLen[m]; i++) if (x.readElems[i] === v) return true;
  return false;
}

/** Per key, the first position at which its longest read repeats an element (its length when none does). */
function firstRepeats(x: TxnIndex, ix: AppendIndexes): Int32Array {
  const at = new Int32Array(x.keys.length);
  const seen = new Int32Array(x.values.length);
  for (let k = 0; k < x.keys.length; k++) {
    const m = ix.longestMop[k];
    if (m < 0) continue;
    const s = x.readStart[m];
    at[k] = x.readLen[m];
    for (let i = 0; i < x.readLen[m]; i++) {
      const v = x.readElems[s + i];
      if (seen[v] === k + 1) {
        at[k] = i;
        break;
      }
      seen[v] = k + 1;
    }
  }
  return at;
}

/** Elements read more than once in read m, in order of their second appearance. */
function repeats(x: TxnIndex, m: number): number[] {
  const got = readList(x, m);
  const seen = new Set<number>();
  const dups: number[] = [];
  for (const v of got) {
    if (seen.has(v) && !dups.includes(v)) dups.push(v);
    seen.add(v);
  }
  return dups;
}

export function listAppendCases(x: TxnIndex, ix: AppendIndexes): Map<string, CaseAnomaly[]> {
  const { cases, add } = caseMap();
  const op = (t: number): number => txnIndexField(x, t);
  const key = (k: number): string => showTxnValue(x.keys[k]);
  const val = (v: number): string => showTxnValue(x.values[v]);
  const list = (vs: number[]): string => `[${vs.map(val).join(' ')}]`;
  const repeatAt = firstRepeats(x, ix);
  // Keys a failed transaction appended to: only their reads can show an aborted element (G1a).
  const abortedKey = new Uint8Array(x.keys.length);
  for (let t = 0; t < x.n; t++)
    if (x.type[t] === FAIL)
      for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) if (x.mopF[m] === APPEND) abortedKey[x.mopKey[m]] = 1;
  const incompatible = new Uint8Array(x.keys.length);

  for (let t = 0; t < x.n; t++) {
    if (x.type[t] === FAIL) continue;
    const committed = x.type[t] === OK;
    const first = x.mopStart[t];
    let internalDone = false;
    let futureDone = false;
    for (let m = first; m < x.mopStart[t + 1]; m++) {
      const k = x.mopKey[m];
      if (x.mopF[m] === APPEND) {
        if (!committed || futureDone) continue;
        const v = x.mopVal[m];
        for (let j = first; j < m; j++) {
          if (x.mopF[j] !== R || x.mopKey[j] !== k || !readHas(x, j, v)) continue;
          futureDone = true;
          add({
            type: 'future-read',
            text: `op ${op(t)} read key ${key(k)} containing ${val(v)}, which it appends itself only later`,
            ops: [op(t)],
            key: x.keys[k],
            data: { element: x.values[v] },
          });
          break;
        }
        continue;
      }
      if (x.mopF[m] !== R) continue;
      // Over every read that may have happened: a prefix of the longest read, and duplicate elements.
      const prefix = isPrefixOfLongest(x, ix, m);
      if (!prefix && !incompatible[k]) {
        incompatible[k] = 1;
        reportIncompatible(m, t, k);
      }
      if (prefix ? x.readLen[m] > repeatAt[k] : repeats(x, m).length > 0) {
        const dups = repeats(x, m);
        add({
          type: 'duplicate-elements',
          text:
            `op ${op(t)} read key ${key(k)} as ${list(readList(x, m))}, ` +
            `where ${dups.map(val).join(', ')} appear twice or more`,
          ops: [op(t)],
          key: x.keys[k],
          data: { duplicates: dups.map((v) => x.values[v]) },
        });
      }
      if (!committed) continue;
      readChecks(t, m, k);
      if (!internalDone && !internalOk(x, first, m)) {
        internalDone = true;
        const want = expectedRead(x, first, m);
        const wantText = want.prefixKnown ? list(want.elems) : `[... ${want.elems.map(val).join(' ')}]`;
        const got = readList(x, m);
        add({
          type: 'internal',
          text:
            `op ${op(t)} read key ${key(k)} as ${list(got)}, ` +
            `but its own earlier micro-ops say it must be ${wantText}`,
          ops: [op(t)],
          key: x.keys[k],
          data: { read: got.map((v) => x.values[v]), expected: want.elems.map((v) => x.values[v]) },
        });
      }
    }
  }

  // G1a and G1b, for committed reads.
  function readChecks(t: number, m: number, k: number): void {
    if (abortedKey[k]) {
      const s = x.readStart[m];
      for (let i = s; s >= 0 && i < s + x.readLen[m]; i++) {
        const e = x.readElems[i];
        const w = ix.writer.get(k, e);
        if (w >= 0 && x.type[w >> 1] === FAIL)
          add({
            type: 'G1a',
            text:
              `op ${op(t)} read key ${key(k)} as ${list(readList(x, m))}, with ${val(e)}, ` +
              `appended by op ${op(w >> 1)}, which failed`,
            ops: [op(t), op(w >> 1)],
            key: x.keys[k],
            data: { element: x.values[e] },
          });
      }
    }
    const last = lastRead(x, m);
    if (last === INIT) return;
    const w = ix.writer.get(k, last);
    if (w >= 0 && w & 1 && w >> 1 !== t)
      add({
        type: 'G1b',
        text:
          `op ${op(t)} read key ${key(k)} as ${list(readList(x, m))}, ending in ${val(last)}: an intermediate ` +
          `state, since op ${op(w >> 1)} appended more to ${key(k)} after ${val(last)}`,
        ops: [op(t), op(w >> 1)],
        key: x.keys[k],
        data: { element: x.values[last] },
      });
  }

  function reportIncompatible(m: number, t: number, k: number): void {
    const lm = ix.longestMop[k];
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

  dirtyUpdates(x, ix, add, op, key, val);
  for (const c of lostUpdates(x, APPEND)) add(c);
  return cases;
}

/** Whether read m lists the first elements of its key's longest read, in order. */
function isPrefixOfLongest(x: TxnIndex, ix: AppendIndexes, m: number): boolean {
  const lm = ix.longestMop[x.mopKey[m]];
  if (lm < 0 || lm === m) return true;
  const a = x.readStart[m];
  const b = x.readStart[lm];
  if (a === b) return true; // both read from the key's shared list (history/txn-columns.ts), lm the longer
  for (let i = 0; i < x.readLen[m]; i++) if (x.readElems[a + i] !== x.readElems[b + i]) return false;
  return true;
}

/**
 * What a transaction's own micro-ops before read m say it must read (Cerone et al.'s INT): after its latest
 * earlier read of the key, that read plus its appends since, exactly; with only appends before, a list ending in
 * them. Undefined when nothing before m touches the key.
 */
function expectedRead(x: TxnIndex, first: number, m: number): { prefixKnown: boolean; elems: number[] } {
  const k = x.mopKey[m];
  let from = first;
  let prefixKnown = false;
  const elems: number[] = [];
  for (let j = m - 1; j >= first; j--)
    if (x.mopKey[j] === k && x.mopF[j] === R) {
      prefixKnown = true;
      elems.push(...readList(x, j));
      from = j + 1;
      break;
    }
  for (let j = from; j < m; j++) if (x.mopKey[j] === k && x.mopF[j] === APPEND) elems.push(x.mopVal[j]);
  return { prefixKnown, elems };
}

/** expectedRead(x, first, m) holds for read m, checked in place. */
function internalOk(x: TxnIndex, first: number, m: number): boolean {
  const k = x.mopKey[m];
  let r = -1;
  let appends = 0;
  for (let j = m - 1; j >= first; j--) {
    if (x.mopKey[j] !== k) continue;
    if (x.mopF[j] === R) {
      r = j;
      break;
    }
    if (x.mopF[j] === APPEND) appends++;
  }
  if (r < 0 && appends === 0) return true;
  const got = x.readStart[m];
  const len = x.readLen[m];
  const before = r >= 0 ? x.readLen[r] : 0;
  if (r >= 0 ? len !== before + appends : len < appends) return false;
  for (let i = 0; r >= 0 && i < before; i++) if (x.readElems[got + i] !== x.readElems[x.readStart[r] + i]) return false;
  // The appends since, in order, end the read.
  let at = got + len - appends;
  for (let j = r >= 0 ? r + 1 : first; j < m; j++)
    if (x.mopKey[j] === k && x.mopF[j] === APPEND && x.readElems[at++] !== x.mopVal[j]) return false;
  return true;
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

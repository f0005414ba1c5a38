// Lost appends: an append that was acknowledged (its transaction completed ok) and yet is missing from a committed
// read of its key that began after the acknowledgement, in real time.
//
// Why this is a violation. Adya's strict serializability (thesis §4.3) adds real-time order to the serialization
// graph: T1 -> T2 when T1 committed before T2 began. Let T1 append v to key k and commit, and let T2, begun later,
// read k without v. In k's version order v is installed by T1 and T2 read a version before it, so T2
// anti-depends (rw) on the writer of the version after the one it read, which is T1 or precedes T1 by a chain of
// ww edges; with T1 -> T2 in real time that closes a cycle with exactly one anti-dependency: G-single, realtime
// (Elle's G-single-item-realtime). That is the anomaly this check implies, so it rules out what that rules out:
// strong snapshot isolation and strict serializability, never plain serializability (which may order T2 first).
// In Adya's words, a committed write that a later transaction does not reflect. The final reads after healing
// begin after every acknowledgement, so an acknowledged append missing from them is Jepsen's "lost" class (the
// set and queue checkers' acknowledged-but-absent elements).
//
// Why a check of its own when the cycle search could find the same cycle: the search sees it only when the
// inference can place v, the real-time edges are asked for, and the search stays within its budget; an append
// that no read ever shows (a two-phase commit that answered before its decision was logged and then aborted) sits
// at the end of its key with guessed edges only. This pass needs no version order for v at all, is linear in the
// reads (one heap per key), and names the cause in words: "acknowledged, then missing".
//
// Reads that are prefixes of the key's longest read (the normal case) are tested by position: a read of length L
// shows exactly the first L elements of the order, and an element no read ever showed is in none. Any other read
// (incompatible-order reports it) is tested element by element.
import { showTxnValue } from '../../history/txn.js';
import { APPEND, FAIL, OK, R, txnIndexField, type TxnIndex } from './history-index.js';
import type { CaseAnomaly } from './types.js';

/** The anomaly type, as results name it. */
export const LOST_APPEND = 'lost-append';

/** An element no read shows: beyond every read's length. */
const NEVER_READ = Number.POSITIVE_INFINITY;

interface KeyAppends {
  /** Value ids appended by ok transactions, with the history position of each one's completion. */
  vals: number[];
  done: number[];
  txn: number[];
}

interface KeyReads {
  /** Read mops of ok transactions, with the history position of each one's invocation. */
  mops: number[];
  start: number[];
  txn: number[];
}

/** A max-heap of indexes into one key's appends, by their element's position in the key's version order. */
class MaxHeap {
  private readonly a: number[] = [];
  constructor(private readonly pos: number[]) {}
  get size(): number {
    return this.a.length;
  }
  items(): readonly number[] {
    return this.a;
  }
  top(): number {
    return this.a[0];
  }
  push(i: number): void {
    const a = this.a;
    a.push(i);
    for (let c = a.length - 1; c > 0; ) {
      const p = (c - 1) >> 1;
      if (this.pos[a[p]] >= this.pos[a[c]]) break;
      [a[p], a[c]] = [a[c], a[p]];
      c = p;
    }
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let p = 0; ; ) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < a.length && this.pos[a[l]] > this.pos[a[m]]) m = l;
        if (r < a.length && this.pos[a[r]] > this.pos[a[m]]) m = r;
        if (m === p) break;
        [a[p], a[m]] = [a[m], a[p]];
        p = m;
      }
    }
    return top;
  }
  remove(i: number): void {
    const rest = this.a.filter((x) => x !== i);
    this.a.length = 0;
    for (const x of rest) this.push(x);
  }
}

/** Every acknowledged append that a later committed read of its key does not show, each reported once. */
export function lostAppends(x: TxnIndex): CaseAnomaly[] {
  const nk = x.keys.length;
  const appends: (KeyAppends | undefined)[] = new Array(nk);
  const reads: (KeyReads | undefined)[] = new Array(nk);
  // The longest read of each key among transactions that may have happened gives the version order (list-append.ts
  // argues it); positions are looked up per (key, value) through a map per key.
  const longest = new Int32Array(nk).fill(-1);
  for (let t = 0; t < x.n; t++) {
    const ok = x.type[t] === OK;
    if (x.type[t] === FAIL) continue;
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      const k = x.mopKey[m];
      if (x.mopF[m] === APPEND && ok) {
        appends[k] ??= { vals: [], done: [], txn: [] };
        const a = appends[k];
        a.vals.push(x.mopVal[m]);
        a.done.push(x.completePos[t]);
        a.txn.push(t);
      } else if (x.mopF[m] === R) {
        if (x.readStart[m] >= 0 && (longest[k] < 0 || x.readLen[m] > x.readLen[longest[k]])) longest[k] = m;
        // Only committed reads witness a loss; a read of nil (the key held nothing) misses every append before it.
        if (!ok) continue;
        reads[k] ??= { mops: [], start: [], txn: [] };
        const r = reads[k];
        r.mops.push(m);
        r.start.push(x.invokePos[t]);
        r.txn.push(t);
      }
    }
  }
  const out: CaseAnomaly[] = [];
  for (let k = 0; k < nk; k++) {
    const a = appends[k];
    const r = reads[k];
    if (a && r) checkKey(x, k, a, r, longest[k], out);
  }
  return out;
}

function checkKey(x: TxnIndex, k: number, a: KeyAppends, r: KeyReads, longest: number, out: CaseAnomaly[]): void {
  const order = new Map<number, number>();
  if (longest >= 0)
    for (let i = 0; i < x.readLen[longest]; i++) {
      const v = x.readElems[x.readStart[longest] + i];
      if (!order.has(v)) order.set(v, i);
    }
  const pos = a.vals.map((v) => order.get(v) ?? NEVER_READ);
  const byDone = a.vals.map((_, i) => i).sort((i, j) => a.done[i] - a.done[j]);
  const byStart = r.mops.map((_, i) => i).sort((i, j) => r.start[i] - r.start[j]);
  // Appends acknowledged before the current read began and not reported yet, deepest in the order on top.
  const heap = new MaxHeap(pos);
  let next = 0;
  for (const ri of byStart) {
    while (next < byDone.length && a.done[byDone[next]] < r.start[ri]) heap.push(byDone[next++]);
    if (heap.size === 0) continue;
    const m = r.mops[ri];
    const len = x.readStart[m] < 0 ? 0 : x.readLen[m];
    if (isPrefix(x, m, longest)) {
      while (heap.size > 0 && pos[heap.top()] >= len) report(x, k, a, r, heap.pop(), ri, pos, out);
      continue;
    }
    const shown = new Set<number>();
    for (let i = 0; i < len; i++) shown.add(x.readElems[x.readStart[m] + i]);
    for (const ai of [...heap.items()]) {
      if (shown.has(a.vals[ai])) continue;
      heap.remove(ai);
      report(x, k, a, r, ai, ri, pos, out);
    }
  }
}

/** Whether read mop m shows a prefix of the key's longest read (a read of nil is the empty prefix). */
function isPrefix(x: TxnIndex, m: number, longest: number): boolean {
  if (x.readStart[m] < 0 || m === longest) return true;
  if (longest < 0 || x.readLen[m] > x.readLen[longest]) return false;
  const s = x.readStart[m];
  const l = x.readStart[longest];
  for (let i = 0; i < x.readLen[m]; i++) if (x.readElems[s + i] !== x.readElems[l + i]) return false;
  return true;
}

function report(
  x: TxnIndex,
  k: number,
  a: KeyAppends,
  r: KeyReads,
  ai: number,
  ri: number,
  pos: number[],
  out: CaseAnomaly[],
): void {
  const writer = a.txn[ai];
  const reader = r.txn[ri];
  const m = r.mops[ri];
  const got: unknown[] = [];
  if (x.readStart[m] >= 0) for (let i = 0; i < x.readLen[m]; i++) got.push(x.values[x.readElems[x.readStart[m] + i]]);
  const key = showTxnValue(x.keys[k]);
  const v = showTxnValue(x.values[a.vals[ai]]);
  const never = pos[ai] === NEVER_READ;
  const seen = x.readStart[m] < 0 ? 'as nil' : `as ${showTxnValue(got)}`;
  out.push({
    type: LOST_APPEND,
    text:
      `op ${txnIndexField(x, writer)} appended ${v} to key ${key} and was acknowledged before ` +
      `op ${txnIndexField(x, reader)} began, yet that op read key ${key} ${seen}, without ${v}` +
      (never ? `; no read ever showed ${v}: the acknowledged append was lost` : ': a stale read'),
    ops: [txnIndexField(x, writer), txnIndexField(x, reader)],
    key: x.keys[k],
    data: { element: x.values[a.vals[ai]], read: x.readStart[m] < 0 ? null : got, neverRead: never },
  });
}

// Linearizability of one read/write/cas register whose written values are unique, in O(n log n).
//
// When every write (and every cas's new value) is distinct, and distinct from the initial value, a read names
// the one write it observed, so the exponential search of Wing & Gong / Lowe is not needed: this is the
// "read-mapping" case of Gibbons & Korach, "Testing shared memories" (SIAM J. Computing 26(4), 1997), which
// decide linearizability of a register with a read-mapping in O(n log n) by ordering "clusters" (a write and
// the reads of it). Elle (Kingsbury & Alvaro, "Elle: inferring isolation anomalies from experimental
// observations", VLDB 2020) takes the same view: unique values let the checker infer the version order from
// what was observed and look for cycles in the resulting constraints instead of searching.
//
// Our model is Jepsen's cas-register (see models/cas-register.ts): fail = did not happen (already dropped);
// info = may take effect at any time after its call, or never (ret = Infinity, output unknown). The reduction:
//   1. Happening operations. Every read with an answer, every ok cas and every write that must be placed
//      (known outcome, or a finite return) happens. The write a happening read or cas observed then happens
//      too, even when its own outcome was unknown; an unknown write or cas that nothing observed may be
//      dropped without loss (removing a write that no one read from a linearization leaves it legal), and an
//      unknown cas that "failed" is a no-op that fits anywhere in its window, so it may be dropped as well.
//   2. Version chains. A cas a→b must come immediately after the write of a (no other write between them, or
//      the register no longer holds a): so at most one happening cas may start from each value, and the
//      writes form chains root → cas → cas → ..., each root a plain write or the initial value. A chain,
//      with the reads of each of its values placed right after that value's writer, is a contiguous block of
//      any linearization; inside it, the order is fixed up to the order of reads of one value. Every op gets
//      a rank in its block (writer of the i-th value: 2i, its reads: 2i+1); real time forbids an op returning
//      before an op of lower rank in its block was even called.
//   3. Ordering blocks. Blocks may follow each other in any order the model accepts (each starts with a plain
//      write), so only real time remains: block A must precede block B iff some op of A returned before some
//      op of B was called, i.e. lo(A) < hi(B) with lo = earliest return, hi = latest call in a block (the
//      block of the initial value gets lo = -Infinity: it comes first). This relation has the Ferrers
//      property (A→B and C→D imply A→D or C→B), so it is acyclic iff it has no 2-cycle — Gibbons & Korach's
//      "zones" condition — and a topological order is found by Kahn's algorithm, checking at each step only
//      the block of least lo and the block of least hi.
// The history is linearizable iff steps 1-3 succeed. The same answer as the general search, at any size: the
// property tests (test/unit/checker/unique.test.ts) compare the two on thousands of seeded histories.
import type { Operation } from '../porcupine/types.js';
import type { Canon } from '../models/values.js';
import type { RegisterInput, RegisterOutput } from '../models/register-ops.js';

/** A verdict with its evidence: a valid linearization prefix and the operations that could not come next. */
export interface UniqueDecision {
  verdict: 'ok' | 'illegal';
  /** Illegal only: op indexes of a legal partial linearization (closed under real-time predecessors). */
  order?: number[];
  /** Illegal only: the operations that could not be placed, most telling first. */
  offending?: number[];
  /** Illegal only: one line on what was found, for debugging and tests. */
  reason?: string;
}

const READ = 1,
  WRITE = 2,
  CAS = 3;
/** Slot of the initial value's virtual writer in per-writer arrays (real op i uses slot i + 1). */
const INIT = 0;

/**
 * Decides one register partition whose ops are sorted by call, or returns undefined when the values are not
 * unique (or not comparable the way the model compares them): the caller then searches.
 */
export function decideUniqueRegister(
  ops: readonly Operation<RegisterInput, RegisterOutput>[],
  init: Canon,
  witness = true,
): UniqueDecision | undefined {
  const n = ops.length;
  const kind = new Uint8Array(n);
  const happens = new Uint8Array(n);
  // The value an op observes (read value, cas from) and the slot of its value's writer.
  const source: Canon[] = new Array(n);
  const writerSlot = new Map<Canon, number>();
  if (Number.isNaN(init)) return undefined; // NaN: === never holds, the search is the reference
  writerSlot.set(init, INIT);
  for (let i = 0; i < n; i++) {
    const { input, output } = ops[i];
    const unknown = 'unknown' in output;
    if (input.f === 'read') {
      if (unknown) continue; // a read with no answer is a no-op: it fits anywhere in its window
      if (!('value' in output)) return undefined;
      const v = (output as { value: Canon }).value;
      if (Number.isNaN(v)) return undefined;
      kind[i] = READ;
      source[i] = v;
      happens[i] = 1;
    } else {
      const to = input.f === 'write' ? input.value : input.to;
      if (Number.isNaN(to) || writerSlot.has(to)) return undefined; // repeated value (or NaN): not our case
      writerSlot.set(to, i + 1);
      if (input.f === 'write') {
        kind[i] = WRITE;
        happens[i] = !unknown || ops[i].ret !== Infinity ? 1 : 0;
      } else {
        if (Number.isNaN(input.from)) return undefined;
        kind[i] = CAS;
        source[i] = input.from;
        happens[i] = unknown ? 0 : 1;
      }
    }
  }
  const fail = (reason: string, offending: number[]): UniqueDecision => ({
    verdict: 'illegal',
    reason,
    offending,
    order: witness ? [] : undefined,
  });

  // 1. Happening ops: close the known ones under "observed the value written by".
  // next[slot]: the happening cas that follows the writer in `slot` (-1: none).
  const next = new Int32Array(n + 1).fill(-1);
  const observed = new Int32Array(n).fill(-1); // slot of the writer each happening read/cas observed
  const stack: number[] = [];
  for (let i = 0; i < n; i++) if (happens[i]) stack.push(i);
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (kind[i] === WRITE) continue;
    const slot = writerSlot.get(source[i]);
    if (slot === undefined) {
      return fail(
        kind[i] === READ ? 'a read observed a value never written' : 'a cas succeeded from a value never written',
        [i],
      );
    }
    observed[i] = slot;
    if (kind[i] === CAS) {
      if (next[slot] !== -1) return fail('two operations both replaced the same value', [i, next[slot]]);
      next[slot] = i;
    }
    const w = slot - 1;
    if (w >= 0 && !happens[w]) {
      happens[w] = 1;
      stack.push(w);
    }
  }

  // 2. Blocks: walk each chain from its root; every happening writer gets a block and a rank.
  const blockOfSlot = new Int32Array(n + 1).fill(-1);
  const rankOfSlot = new Int32Array(n + 1);
  let blocks = 0;
  const walk = (rootSlot: number): void => {
    const b = blocks++;
    let slot = rootSlot,
      rank = 0;
    for (;;) {
      blockOfSlot[slot] = b;
      rankOfSlot[slot] = rank;
      const c = next[slot];
      if (c === -1) break;
      slot = c + 1;
      rank += 2;
    }
  };
  walk(INIT);
  for (let i = 0; i < n; i++) if (happens[i] && kind[i] === WRITE) walk(i + 1);
  // A happening cas no chain reached: its chain loops back on itself (a→b, b→a) and has no first write.
  for (let i = 0; i < n; i++)
    if (happens[i] && kind[i] === CAS && blockOfSlot[i + 1] === -1)
      return fail('cas operations replace each other in a cycle', [i]);

  // Per happening op: block and rank (reads rank one above the writer they observed).
  const block = new Int32Array(n).fill(-1);
  const rank = new Int32Array(n);
  const start = new Int32Array(blocks + 1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!happens[i]) continue;
    if (kind[i] === READ) {
      block[i] = blockOfSlot[observed[i]];
      rank[i] = rankOfSlot[observed[i]] + 1;
    } else {
      block[i] = blockOfSlot[i + 1];
      rank[i] = rankOfSlot[i + 1];
    }
    start[block[i] + 1]++;
    count++;
  }
  // Members grouped by block (a counting sort: blocks are numbered densely), then by rank, then by call (ops
  // are sorted by call, and a block is mostly one rank pair, so the sort per block is short).
  for (let b = 0; b < blocks; b++) start[b + 1] += start[b];
  const members = new Int32Array(count);
  {
    const fill = start.slice(0, blocks);
    for (let i = 0; i < n; i++) if (happens[i]) members[fill[block[i]]++] = i;
    for (let b = 0; b < blocks; b++) {
      if (start[b + 1] - start[b] > 1)
        members.subarray(start[b], start[b + 1]).sort((x, y) => rank[x] - rank[y] || x - y);
    }
  }

  // Inside each block: no op may return before an op of lower rank was called. lo/hi as in the header.
  const lo = new Float64Array(blocks).fill(Infinity);
  const hi = new Float64Array(blocks).fill(-Infinity);
  const loOp = new Int32Array(blocks).fill(-1);
  const hiOp = new Int32Array(blocks).fill(-1);
  lo[0] = -Infinity; // the initial value's virtual write returned before anything
  {
    let k = 0;
    for (let b = 0; b < blocks; b++) {
      let maxLowerCall = -Infinity,
        maxLowerOp = -1; // over ranks below the current one
      let rankCall = -Infinity,
        rankOp = -1,
        curRank = -1; // over the current rank
      for (; k < start[b + 1]; k++) {
        const i = members[k];
        const { call, ret } = ops[i];
        if (rank[i] !== curRank) {
          if (rankCall > maxLowerCall) {
            maxLowerCall = rankCall;
            maxLowerOp = rankOp;
          }
          curRank = rank[i];
          rankCall = -Infinity;
        }
        if (ret < maxLowerCall)
          return fail('an operation returned before an operation it must follow was called', [i, maxLowerOp]);
        if (call > rankCall) {
          rankCall = call;
          rankOp = i;
        }
        if (ret < lo[b]) {
          lo[b] = ret;
          loOp[b] = i;
        }
        if (call > hi[b]) {
          hi[b] = call;
          hiOp[b] = i;
        }
      }
    }
  }

  // 3. Kahn's algorithm over blocks. Under the Ferrers property a remaining block is a source iff its hi is at
  // most every other remaining block's lo, so only two candidates need a look: the least-lo block (against the
  // second least lo) and the least-hi block other than it (against the least lo).
  const byLo = Int32Array.from({ length: blocks }, (_, b) => b).sort((a, b) => lo[a] - lo[b] || a - b);
  const byHi = Int32Array.from({ length: blocks }, (_, b) => b).sort((a, b) => hi[a] - hi[b] || a - b);
  const placed = new Uint8Array(blocks);
  const order: number[] = witness ? [] : (undefined as never);
  // Pointers only move forward (placed blocks stay placed): i1/j1 first unplaced, i2/j2 the next one after it.
  let i1 = 0,
    i2 = 1,
    j1 = 0,
    j2 = 1;
  for (let done = 0; done < blocks; done++) {
    while (placed[byLo[i1]]) i1++;
    if (i2 <= i1) i2 = i1 + 1;
    while (i2 < blocks && placed[byLo[i2]]) i2++;
    const a = byLo[i1];
    const secondLo = i2 < blocks ? lo[byLo[i2]] : Infinity;
    let pick = -1;
    if (hi[a] <= secondLo) pick = a;
    else {
      while (placed[byHi[j1]]) j1++;
      if (j2 <= j1) j2 = j1 + 1;
      while (j2 < blocks && placed[byHi[j2]]) j2++;
      const j = byHi[j1] === a ? j2 : j1;
      if (j < blocks && hi[byHi[j]] <= lo[a]) pick = byHi[j];
    }
    if (pick === -1) {
      // No source: a (least lo) and the block of second least lo must each precede the other.
      const b = byLo[i2];
      const offending = [hiOp[a], hiOp[b]].filter((x, k, xs) => x >= 0 && xs.indexOf(x) === k);
      return {
        verdict: 'illegal',
        reason: 'two groups of operations must each precede the other',
        offending,
        order: witness ? order : undefined,
      };
    }
    placed[pick] = 1;
    if (witness) for (let k = start[pick]; k < start[pick + 1]; k++) order.push(members[k]);
  }
  return { verdict: 'ok' };
}

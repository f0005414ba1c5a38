// The search works on a doubly linked list of call and return entries sorted by time (Wing & Gong; Lowe,
// "Testing for linearizability", 2017). Entries live in typed arrays indexed by node number rather than in
// objects: the hot loop then touches a few small arrays and allocates nothing.
//
// Building the list is the fixed cost of every partition's search, and most partitions are small (Porcupine's
// etcd logs: 80 operations, settled in about as many steps), so it is built without a comparison sort: calls
// and returns are each put in order by a stable merge sort over a key array (linear on the already sorted input
// it almost always gets), merged, and each run of calls is reordered by return rank with one bucket pass. All
// arrays of the list share one buffer (the caller's, when it has one); the sort's scratch arrays are kept between
// calls.
import type { Operation } from './types.js';

export interface EntryList {
  /** Number of operations; nodes are 1..2n, node 0 is the head sentinel. */
  n: number;
  next: Int32Array;
  prev: Int32Array;
  /** For a call node: its return node. For a return node: -1. */
  match: Int32Array;
  /** For a return node: its call node. For a call node: -1. */
  callOf: Int32Array;
  /** The return nodes alone, linked the same way (retNext[0]: the first pending return), so it is found in O(1). */
  retNext: Int32Array;
  retPrev: Int32Array;
  /** Operation index (into the partition's ops) of each node. */
  opOf: Int32Array;
}

/** Scratch arrays up to this many operations are kept for the next list; bigger ones are left to the GC. */
const SCRATCH_KEEP = 1 << 16;

/** Working arrays of makeEntries, each for at least `size` operations (order: twice that). */
interface Scratch {
  size: number;
  key: Float64Array;
  calls: Int32Array;
  rets: Int32Array;
  tmp: Int32Array;
  order: Int32Array;
  runOf: Int32Array;
}

let kept: Scratch = newScratch(0);

function newScratch(size: number): Scratch {
  const i32 = () => new Int32Array(size);
  return {
    size,
    key: new Float64Array(size),
    calls: i32(),
    rets: i32(),
    tmp: i32(),
    order: new Int32Array(2 * size),
    runOf: i32(),
  };
}

/** Scratch for n operations: the kept one, grown when too small (past SCRATCH_KEEP, a fresh one not kept). */
function scratch(n: number): Scratch {
  if (kept.size >= n) return kept;
  if (n > SCRATCH_KEEP) return newScratch(n);
  kept = newScratch(Math.min(Math.max(n, 2 * kept.size, 256), SCRATCH_KEEP));
  return kept;
}

/**
 * Sorts idx[0..n) by key[idx[i]], stable (equal keys keep their order in idx), with tmp[0..n) as scratch. The
 * input is almost always in order or nearly (calls by call time come sorted; returns are out of order only among
 * concurrent operations), so an insertion sort goes first, and hands over to the merge sort once it has moved
 * more than a few elements per element: linear on what it gets, O(n log n) whatever it gets. Insertion moves an
 * element only past greater keys, so equal keys keep their order when it hands over.
 */
function stableSortByKey(idx: Int32Array, key: Float64Array, tmp: Int32Array, n: number): void {
  const budget = 8 * n + 64;
  let moves = 0;
  for (let i = 1; i < n; i++) {
    const x = idx[i];
    const k = key[x];
    let j = i - 1;
    while (j >= 0 && key[idx[j]] > k) {
      idx[j + 1] = idx[j];
      j--;
    }
    moves += i - 1 - j;
    idx[j + 1] = x;
    if (moves > budget) {
      mergeSortByKey(idx, key, tmp, n);
      return;
    }
  }
}

/** The same sort, O(n log n): merges over insertion-sorted blocks, skipping a merge whose halves are in order. */
function mergeSortByKey(idx: Int32Array, key: Float64Array, tmp: Int32Array, n: number): void {
  const BLOCK = 16;
  for (let lo = 0; lo < n; lo += BLOCK) {
    const hi = Math.min(lo + BLOCK, n);
    for (let i = lo + 1; i < hi; i++) {
      const x = idx[i];
      const k = key[x];
      let j = i - 1;
      while (j >= lo && key[idx[j]] > k) {
        idx[j + 1] = idx[j];
        j--;
      }
      idx[j + 1] = x;
    }
  }
  let src = idx;
  let dst = tmp;
  for (let width = BLOCK; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      if (mid >= hi || key[src[mid - 1]] <= key[src[mid]]) {
        for (let i = lo; i < hi; i++) dst[i] = src[i];
        continue;
      }
      let a = lo;
      let b = mid;
      let o = lo;
      while (a < mid && b < hi) dst[o++] = key[src[b]] < key[src[a]] ? src[b++] : src[a++];
      while (a < mid) dst[o++] = src[a++];
      while (b < hi) dst[o++] = src[b++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== idx) for (let i = 0; i < n; i++) idx[i] = src[i];
}

/**
 * Sorts 2n entries by time; at equal times calls come first, so two operations that touch at a single instant
 * count as concurrent (the permissive reading, as in Porcupine). Ties between calls keep operation order.
 */
export function makeEntries(ops: readonly Operation[], into?: Int32Array): EntryList {
  const n = ops.length;
  // calls: op indexes by (call, index), later the call node of each op. rets: op indexes by (ret, index), i.e. by
  // return rank, later the return node of each op. order: entries in list order, 2·op for a call and 2·op+1 for
  // its return. runOf: per op, the run of consecutive calls its call is in. All are used on [0, n) only.
  const { key, calls, rets, tmp, order, runOf } = scratch(n);
  for (let i = 0; i < n; i++) {
    calls[i] = i;
    key[i] = ops[i].call;
  }
  stableSortByKey(calls, key, tmp, n);
  for (let i = 0; i < n; i++) {
    rets[i] = i;
    key[i] = ops[i].ret;
  }
  stableSortByKey(rets, key, tmp, n);
  // Merge: a call goes first when its time is at most the return's (calls before returns at equal times).
  // tmp[run]: where that run starts in order.
  let r = 0;
  let p = 0;
  let runs = 0;
  let inRun = false;
  for (let c = 0; c < n; ) {
    const op = calls[c];
    if (r === n || ops[op].call <= key[rets[r]]) {
      if (!inRun) {
        tmp[runs++] = p;
        inRun = true;
      }
      runOf[op] = runs - 1;
      order[p++] = 2 * op;
      c++;
    } else {
      inRun = false;
      order[p++] = 2 * rets[r++] + 1;
    }
  }
  while (r < n) order[p++] = 2 * rets[r++] + 1;
  // Candidate order. The search tries the calls before the first pending return in list order, and only which
  // calls come before which return matters for correctness: inside a run of consecutive calls the order is free.
  // We sort each run by return time, most urgent first (indeterminate ops, which never return, last), ties in
  // operation order. That is return rank, so visiting the ops by rank and filling each run from its start sorts
  // every run in one pass. Measured on the corpus with the urgent-first search: c50-bad 37k steps instead of 56k,
  // the etcd logs 368k instead of 398k.
  for (let k = 0; k < n; k++) {
    const op = rets[k];
    order[tmp[runOf[op]]++] = 2 * op;
  }
  return link(n, order, calls, rets, into);
}

/** Int32s the list of n operations takes (its seven arrays, in one buffer). */
export const entryWords = (n: number): number => 7 * (2 * n + 1);

/**
 * The list over entries in `order`: node i+1 is order[i]. callNode and retNode (n each) are scratch. The arrays
 * are carved out of `into` (at least entryWords(n) long, any contents) when given.
 */
function link(n: number, order: Int32Array, callNode: Int32Array, retNode: Int32Array, into?: Int32Array): EntryList {
  const size = 2 * n + 1;
  const buf = into ?? new Int32Array(7 * size);
  buf.fill(-1, 0, 7 * size);
  const next = buf.subarray(0, size);
  const prev = buf.subarray(size, 2 * size);
  const match = buf.subarray(2 * size, 3 * size);
  const callOf = buf.subarray(3 * size, 4 * size);
  const retNext = buf.subarray(4 * size, 5 * size);
  const retPrev = buf.subarray(5 * size, 6 * size);
  const opOf = buf.subarray(6 * size, 7 * size);
  let lastRet = 0;
  for (let i = 0; i < 2 * n; i++) {
    const node = i + 1;
    const e = order[i];
    const op = e >> 1;
    opOf[node] = op;
    prev[node] = i; // node i is the previous one; node 0 is the head
    next[i] = node;
    if (e & 1) {
      retNode[op] = node;
      retNext[lastRet] = node;
      retPrev[node] = lastRet;
      lastRet = node;
    } else callNode[op] = node;
  }
  for (let op = 0; op < n; op++) {
    match[callNode[op]] = retNode[op];
    callOf[retNode[op]] = callNode[op];
  }
  return { n, next, prev, match, callOf, opOf, retNext, retPrev };
}

/** Takes a call and its return out of the list: the operation is now linearized. */
export function lift(l: EntryList, call: number): void {
  const { next, prev } = l;
  next[prev[call]] = next[call];
  prev[next[call]] = prev[call]; // a call always has a later return, so next[call] exists
  const ret = l.match[call];
  next[prev[ret]] = next[ret];
  if (next[ret] !== -1) prev[next[ret]] = prev[ret];
  const { retNext, retPrev } = l;
  retNext[retPrev[ret]] = retNext[ret];
  if (retNext[ret] !== -1) retPrev[retNext[ret]] = retPrev[ret];
}

/** Exact inverse of lift (Knuth's dancing links). */
export function unlift(l: EntryList, call: number): void {
  const { next, prev } = l;
  const ret = l.match[call];
  const { retNext, retPrev } = l;
  retNext[retPrev[ret]] = ret;
  if (retNext[ret] !== -1) retPrev[retNext[ret]] = ret;
  next[prev[ret]] = ret;
  if (next[ret] !== -1) prev[next[ret]] = ret;
  prev[next[call]] = call;
  next[prev[call]] = call;
}

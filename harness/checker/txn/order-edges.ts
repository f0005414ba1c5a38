// Session and real-time order between transactions (the Elle paper §5.1; elle.core process-graph and
// realtime-graph). Process: each process's committed transactions in order. Real time: T1 -> T2 when T1 committed
// before T2 was invoked (Adya's strict serializability adds exactly this to serializability, thesis §4.3).
//
// Real time is an interval order with Θ(n·p) covering pairs for p concurrent clients, so the whole graph never
// holds them: for the components it uses a chain of time vertices instead (T1 -> time(commit of T1) -> ... ->
// time(invoke of T2) -> T2), which has the same reachability with O(n) edges. Inside one strongly connected
// component the covering pairs are materialised (realtimeHasse): any transaction between two members in real time
// is itself a member, so the component's own covering pairs are exactly Elle's edges among its members.
import { OK, type TxnIndex } from './history-index.js';
import type { EdgeList } from './graph.js';
import { PROCESS, REALTIME } from './rels.js';

/** Transactions (all, or just `members`) in the order of their completions in the history. */
function byCompletion(x: TxnIndex, members?: ArrayLike<number>): number[] {
  const ts: number[] = [];
  if (members) for (let i = 0; i < members.length; i++) ts.push(members[i]);
  else for (let t = 0; t < x.n; t++) ts.push(t);
  return ts.filter((t) => x.completePos[t] >= 0).sort((a, b) => x.completePos[a] - x.completePos[b]);
}

/** Elle's process-graph: consecutive committed transactions of each process. */
export function processEdges(x: TxnIndex, out: EdgeList, members?: ArrayLike<number>): void {
  const last = new Map<number, number>();
  for (const t of byCompletion(x, members)) {
    if (x.type[t] !== OK) continue;
    const prev = last.get(x.process[t]);
    if (prev !== undefined) out.add(prev, t, PROCESS);
    last.set(x.process[t], t);
  }
}

/**
 * Elle's realtime-graph over `members` (all transactions when undefined): a buffer of committed transactions no
 * later commit has covered; each invocation links the whole buffer to its transaction, and each commit removes
 * what linked to it. Edges go to transactions that completed in any way (a fail or info has no out-edges).
 */
export function realtimeHasse(x: TxnIndex, out: EdgeList, members?: ArrayLike<number>): void {
  const ts: number[] = [];
  if (members) for (let i = 0; i < members.length; i++) ts.push(members[i]);
  else for (let t = 0; t < x.n; t++) ts.push(t);
  // Events of those transactions in history order: 2t for an invoke, 2t + 1 for a commit.
  const evs: number[] = [];
  for (const t of ts) {
    if (x.completePos[t] < 0) continue; // Elle: an invoke without completion links nothing
    evs.push(2 * t);
    if (x.type[t] === OK) evs.push(2 * t + 1);
  }
  const pos = (e: number): number => (e & 1 ? x.completePos[e >> 1] : x.invokePos[e >> 1]);
  evs.sort((a, b) => pos(a) - pos(b));
  const buffer = new Set<number>();
  const preds = new Map<number, number[]>();
  for (const e of evs) {
    const t = e >> 1;
    if ((e & 1) === 0) {
      const p = [...buffer];
      for (const a of p) out.add(a, t, REALTIME);
      if (x.type[t] === OK) preds.set(t, p);
    } else {
      for (const a of preds.get(t) ?? []) buffer.delete(a);
      preds.delete(t);
      buffer.add(t);
    }
  }
}

/**
 * Real-time reachability with O(n) edges through time vertices numbered from `base`: returns how many time
 * vertices it used. T -> time(commit of T) for each committed T; time(invoke of X) -> X for each X that completed;
 * each time vertex -> the next.
 */
export function realtimeChain(x: TxnIndex, out: EdgeList, base: number): number {
  const nEvents = x.events.length;
  const slot = new Int32Array(nEvents).fill(-1);
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] === OK) slot[x.completePos[t]] = 0;
    if (x.completePos[t] >= 0) slot[x.invokePos[t]] = 0;
  }
  let used = 0;
  for (let p = 0; p < nEvents; p++) if (slot[p] === 0) slot[p] = used++;
  for (let j = 0; j + 1 < used; j++) out.add(base + j, base + j + 1, REALTIME);
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] === OK) out.add(t, base + slot[x.completePos[t]], REALTIME);
    if (x.completePos[t] >= 0) out.add(base + slot[x.invokePos[t]], t, REALTIME);
  }
  return used;
}

/** Whether Elle's realtime graph would hold any edge: some commit precedes some later invocation. */
export function hasRealtimeEdge(x: TxnIndex): boolean {
  let firstCommit = Number.POSITIVE_INFINITY;
  let lastInvoke = -1;
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] === OK && x.completePos[t] < firstCommit) firstCommit = x.completePos[t];
    if (x.completePos[t] >= 0 && x.invokePos[t] > lastInvoke) lastInvoke = x.invokePos[t];
  }
  return firstCommit < lastInvoke;
}

/** Whether Elle's process graph would hold any edge: some process committed twice. */
export function hasProcessEdge(x: TxnIndex): boolean {
  const seen = new Set<number>();
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] !== OK) continue;
    if (seen.has(x.process[t])) return true;
    seen.add(x.process[t]);
  }
  return false;
}

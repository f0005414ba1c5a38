// Linearizability search over one partition: Wing & Gong's backtracking with Lowe's cache, as in Porcupine.
// Walk the entry list from the head. At a call, try to linearize that operation now: if the model accepts it and
// the resulting (set, state) is new, lift it out of the list and restart from the head. At a return, the
// operation it belongs to was never linearized before its response, so the current prefix is wrong: undo the
// most recent choice and try the next candidate after it. An empty list means every operation was placed.
//
// The search is resumable (run(budget) does at most `budget` iterations) so that one thread can interleave
// many partitions and stop all of them as soon as any one proves the history illegal, as Porcupine does with
// goroutines.
import { ConfigCache, LinearizedSet } from './cache.js';
import { lift, makeEntries, unlift, type EntryList } from './entries.js';
import type { Model, Operation } from './types.js';

export type SearchState = 'running' | 'ok' | 'illegal';

const MAX_LONGEST = 3;

export class PartitionSearch<S, I, O> {
  status: SearchState = 'running';
  steps = 0;
  /** Longest partial linearizations found (op indexes in order), distinct as sets, at most MAX_LONGEST. */
  readonly longest: number[][] = [];
  /** Operations whose return ended a longest attempt: they could not be placed after that prefix. */
  readonly offending: number[] = [];

  private readonly list: EntryList;
  private readonly inputs: I[];
  private readonly outputs: O[];
  private readonly cache: ConfigCache<S>;
  private readonly set: LinearizedSet;
  private readonly stackNode: Int32Array;
  private readonly stackState: S[];
  private depth = 0;
  private state: S;
  private node: number;
  private bestDepth = -1;
  private readonly seen = new Set<number>();

  constructor(private readonly model: Model<S, I, O>, readonly ops: readonly Operation<I, O>[], private readonly computeInfo = false) {
    const n = ops.length;
    this.list = makeEntries(ops as readonly Operation[]);
    this.inputs = ops.map((o) => o.input);
    this.outputs = ops.map((o) => o.output);
    this.set = new LinearizedSet(n);
    this.cache = new ConfigCache<S>(this.set.bits.length, model.equal?.bind(model), model.hash?.bind(model));
    this.stackNode = new Int32Array(n);
    this.stackState = new Array(n);
    this.state = model.init();
    this.node = this.list.next[0];
    if (n === 0) this.status = 'ok';
  }

  /** Runs at most `budget` iterations; returns the status afterwards. */
  run(budget: number): SearchState {
    if (this.status !== 'running') return this.status;
    const { next, match, opOf } = this.list;
    const list = this.list;
    const inputs = this.inputs, outputs = this.outputs;
    const model = this.model;
    const cache = this.cache, set = this.set;
    const stackNode = this.stackNode, stackState = this.stackState;
    const info = this.computeInfo;
    let depth = this.depth, state = this.state, node = this.node;
    let left = budget;
    let result: SearchState = 'running';
    while (left-- > 0) {
      if (next[0] === -1) { result = 'ok'; break; }
      if (match[node] !== -1) {
        // A call: try to linearize its operation here.
        const op = opOf[node];
        const r = model.step(state, inputs[op], outputs[op]);
        if (r[0]) {
          set.toggle(op);
          if (cache.addIfAbsent(set, r[1])) {
            stackNode[depth] = node;
            stackState[depth] = state;
            depth++;
            state = r[1];
            lift(list, node);
            node = next[0];
            continue;
          }
          set.toggle(op);
        }
        node = next[node];
      } else {
        // A return whose operation is not linearized yet: this prefix cannot be extended. Backtrack.
        if (info && depth >= this.bestDepth) this.recordLongest(depth, opOf[node]);
        if (depth === 0) { result = 'illegal'; break; }
        depth--;
        const call = stackNode[depth];
        state = stackState[depth];
        stackState[depth] = undefined as S; // let the state be collected
        set.toggle(opOf[call]);
        unlift(list, call);
        node = next[call];
      }
    }
    this.steps += budget - Math.max(left, 0);
    this.depth = depth;
    this.state = state;
    this.node = node;
    this.status = result;
    return result;
  }

  private recordLongest(d: number, blocked: number): void {
    if (d > this.bestDepth) {
      this.bestDepth = d;
      this.longest.length = 0;
      this.offending.length = 0;
      this.seen.clear();
    }
    if (this.longest.length >= MAX_LONGEST) return;
    // The set's Zobrist hashes identify it without building it: distinct sets only, at O(1) per backtrack.
    const key = (this.set.h1 & 0x1fffff) * 4294967296 + this.set.h2;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.longest.push(Array.from(this.stackNode.subarray(0, d), (nd) => this.list.opOf[nd]));
    if (!this.offending.includes(blocked)) this.offending.push(blocked);
  }
}

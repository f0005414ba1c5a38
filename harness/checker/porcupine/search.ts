// Linearizability search over one partition: Wing & Gong's backtracking with Lowe's cache, as in Porcupine.
// Walk the entry list from the head. At a call, try to linearize that operation now: if the model accepts it and
// the resulting (set, state) is new, lift it out of the list and restart from the head. At a return, the
// operation it belongs to was never linearized before its response, so the current prefix is wrong: undo the
// most recent choice and try the next candidate after it. An empty list means every operation was placed.
//
// Read-only operations (Model.readOnly) are forced: one that is legal when the walk reaches its call is
// linearized there, and on backtracking the alternative "place it later" is not tried. Sound because the
// alternative is dominated: every operation that returned before the read's call is already linearized (else
// the walk would have met its return first), and the read changes no state, so any successful continuation that
// places it later stays successful with it moved here. A register history is mostly reads; this prunes most
// of the tree.
//
// Operations that never returned and whose step is legal in every state (Model.alwaysLegal: an info outcome)
// are lazy: any such operation can go last, after everything else, so (1) placing one where it leaves the
// state unchanged is never needed and is skipped, and (2) once the walk reaches the return of one of them (all
// operations that returned are placed) and only lazy operations are left, the history is linearizable. The
// histories that are hard for the search are exactly those with many of these.
//
// Candidate order (urgentFirst): after each linearized operation the walk first tries the operation whose return
// comes first among those pending (it must be placed soonest; Lowe's "just-in-time" view), then all candidates in
// list order (passing over that one if its try failed: nothing changed since). Any order that tries every
// candidate is complete; this one is much faster on most histories and slower on some, so portfolio.ts races it
// against plain list order.
//
// A model may say that a pending operation can never become legal again (Model.hopeless: e.g. a get whose
// value no longer extends the current string, with no put left that could start it): the prefix is abandoned
// at once rather than when that operation's return is reached.
//
// The cache (cache.ts) has a memory budget; when a cache is emptied the search only revisits configurations.
//
// The search is resumable (run(budget) does at most `budget` iterations) so that one thread can interleave
// many partitions and stop all of them as soon as any one proves the history illegal, as Porcupine does with
// goroutines.
import { type CacheBudget, ConfigCache, LinearizedSet } from './cache.js';
import { giveBuffer, takeBuffer } from './buffers.js';
import { type EntryList, entryWords, lift, makeEntries, unlift } from './entries.js';
import type { Model, Operation } from './types.js';

export type SearchState = 'running' | 'ok' | 'illegal';

const MAX_LONGEST = 3;

export class PartitionSearch<S, I, O> {
  status: SearchState = 'running';
  steps = 0;
  /** The most operations linearized at once so far: how far a search that gave up got. */
  deepest = 0;
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
  /** Per op: 1 when it is read-only (forced when legal). Per stack level: 1 when that choice was forced. */
  private readonly readOnly: Uint8Array;
  /** Per op: 1 when it is lazy (see the header). */
  private readonly lazy: Uint8Array;
  /** Non-lazy operations: all of them; linearized now. */
  private readonly hard: number;
  private hardDone = 0;
  /** Per stack level: 1 when that choice was the urgent try (see run). And whether the current node is one. */
  private readonly stackUrgent: Uint8Array;
  private urgent = false;
  private readonly stackForced: Uint8Array;
  private depth = 0;
  private state: S;
  private node: number;
  private bestDepth = -1;
  /** Zobrist keys of the sets in longest (computeInfo only). */
  private seen: Set<number> | undefined;
  private readonly buffer: ArrayBuffer;
  private released = false;

  constructor(
    private readonly model: Model<S, I, O>,
    readonly ops: readonly Operation<I, O>[],
    private readonly computeInfo = false,
    budget?: CacheBudget,
    /** Candidate order: the most urgent op first (default), or plain list order as Porcupine. */
    private readonly urgentFirst = true,
  ) {
    const n = ops.length;
    // Every fixed-size array of the search in one pooled buffer (buffers.ts): the entry list, the stack of
    // choices, the linearized set and four byte arrays. For a small history, allocating them one by one would
    // cost more than the search.
    const words = Math.max(1, (n + 31) >>> 5);
    const listWords = entryWords(n);
    this.buffer = takeBuffer(4 * (listWords + n + words) + 4 * n);
    this.list = makeEntries(ops as readonly Operation[], new Int32Array(this.buffer, 0, listWords));
    this.stackNode = new Int32Array(this.buffer, 4 * listWords, n);
    this.set = new LinearizedSet(n, new Uint32Array(this.buffer, 4 * (listWords + n), words).fill(0));
    const bytes = new Uint8Array(this.buffer, 4 * (listWords + n + words), 4 * n).fill(0);
    this.readOnly = bytes.subarray(0, n);
    this.lazy = bytes.subarray(n, 2 * n);
    this.stackForced = bytes.subarray(2 * n, 3 * n);
    this.stackUrgent = bytes.subarray(3 * n, 4 * n);
    const inputs = new Array<I>(n);
    const outputs = new Array<O>(n);
    for (let i = 0; i < n; i++) {
      inputs[i] = ops[i].input;
      outputs[i] = ops[i].output;
    }
    this.inputs = inputs;
    this.outputs = outputs;
    this.cache = new ConfigCache<S>(words, model, budget);
    if (model.readOnly) for (let i = 0; i < n; i++) this.readOnly[i] = model.readOnly(inputs[i], outputs[i]) ? 1 : 0;
    let hard = n;
    if (model.alwaysLegal) {
      for (let i = 0; i < n; i++) {
        if (ops[i].ret === Infinity && model.alwaysLegal(inputs[i], outputs[i])) {
          this.lazy[i] = 1;
          hard--;
        }
      }
    }
    this.hard = hard;
    this.stackState = new Array(n);
    this.state = model.init();
    this.node = this.list.next[0];
    if (n === 0) this.finish('ok');
  }

  /** Runs at most `budget` iterations; returns the status afterwards. */
  run(budget: number): SearchState {
    if (this.status !== 'running') return this.status;
    if (this.released) throw new Error('PartitionSearch.run after release');
    const { next, match, opOf, callOf, retNext } = this.list;
    const list = this.list;
    const inputs = this.inputs,
      outputs = this.outputs;
    const model = this.model;
    const cache = this.cache,
      set = this.set;
    const stackNode = this.stackNode,
      stackState = this.stackState;
    const info = this.computeInfo;
    let depth = this.depth,
      state = this.state,
      node = this.node;
    let left = budget;
    /** The op whose urgent try failed, until the walk from the head meets it again in the same configuration. */
    let skip = -1;
    let result: SearchState = 'running';
    const readOnly = this.readOnly,
      stackForced = this.stackForced,
      lazy = this.lazy;
    const equal = model.equal?.bind(model);
    const hard = this.hard;
    let hardDone = this.hardDone,
      deepest = this.deepest;
    const stackUrgent = this.stackUrgent;
    let urgent = this.urgent;
    const urgentFirst = this.urgentFirst;
    const hopeless = model.hopeless;
    while (left-- > 0) {
      if (next[0] === -1) {
        result = 'ok';
        break;
      }
      let backtrack = false;
      if (node === skip) {
        // Nothing was placed or undone since its urgent try: the same configuration gives the same outcome, so it
        // is passed over for free.
        skip = -1;
        node = next[node];
        left++;
        continue;
      }
      if (match[node] !== -1) {
        // A call: try to linearize its operation here.
        const op = opOf[node];
        const r = model.step(state, inputs[op], outputs[op]);
        if (r[0] && lazy[op] === 1 && (equal ? equal(state, r[1]) : r[1] === state)) {
          // A lazy op that changes nothing here: it can as well go last.
          if (urgent) {
            urgent = false;
            node = next[0];
          } else node = next[node];
          continue;
        }
        if (r[0]) {
          set.toggle(op);
          if (cache.addIfAbsent(set, r[1])) {
            stackNode[depth] = node;
            stackState[depth] = state;
            stackForced[depth] = readOnly[op];
            stackUrgent[depth] = urgent ? 1 : 0;
            depth++;
            if (depth > deepest) deepest = depth;
            hardDone += 1 - lazy[op];
            state = r[1];
            lift(list, node);
            skip = -1;
            // Next, the most urgent operation first: the one whose return comes first (then all, in order).
            const f = urgentFirst ? retNext[0] : -1;
            if (f !== -1 && lazy[opOf[f]] === 0 && callOf[f] !== next[0]) {
              node = callOf[f];
              urgent = true;
            } else {
              node = next[0];
              urgent = false;
            }
            continue;
          }
          set.toggle(op);
          // A forced read whose configuration already failed: so does this one.
          backtrack = readOnly[op] === 1;
        } else if (hopeless !== undefined && lazy[op] === 0 && model.hopeless!(state, inputs[op], outputs[op])) {
          backtrack = true; // a pending op that can never become legal: this prefix is a dead end
        }
        if (!backtrack) {
          if (urgent) {
            urgent = false;
            skip = node;
            node = next[0];
          } else node = next[node];
          continue;
        }
      } else {
        // A return whose operation is not linearized yet. If it never returned, everything that did is placed:
        // done, unless some operation left must still be placed legally.
        if (lazy[opOf[node]] === 1 && hardDone === hard) {
          result = 'ok';
          break;
        }
        // Otherwise this prefix cannot be extended.
        if (info && depth >= this.bestDepth) this.recordLongest(depth, opOf[node]);
      }
      // Backtrack: undo the most recent free choice (forced reads above it go with it) and try the next candidate.
      skip = -1;
      let call = -1;
      do {
        if (depth === 0) {
          result = 'illegal';
          break;
        }
        depth--;
        call = stackNode[depth];
        state = stackState[depth];
        stackState[depth] = undefined as S; // let the state be collected
        set.toggle(opOf[call]);
        hardDone -= 1 - lazy[opOf[call]];
        unlift(list, call);
      } while (stackForced[depth] === 1);
      if (result === 'illegal') break;
      // After the urgent try, the walk starts over from the head.
      if (stackUrgent[depth] === 1) {
        node = next[0];
        urgent = false;
      } else node = next[call];
    }
    this.steps += budget - Math.max(left, 0);
    this.depth = depth;
    this.hardDone = hardDone;
    this.deepest = deepest;
    this.urgent = urgent;
    this.state = state;
    this.node = node;
    if (result !== 'running') this.finish(result);
    return result;
  }

  private finish(result: 'ok' | 'illegal'): void {
    this.status = result;
    this.release();
  }

  /**
   * Gives the cache and the buffer back (a search over, or given up on). Nothing of the search may run after
   * this: its arrays may already belong to another search.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.cache.release();
    giveBuffer(this.buffer);
  }

  private recordLongest(d: number, blocked: number): void {
    if (d > this.bestDepth) {
      this.bestDepth = d;
      this.longest.length = 0;
      this.offending.length = 0;
      this.seen?.clear();
    }
    if (this.longest.length >= MAX_LONGEST) return;
    // The set's Zobrist hashes identify it without building it: distinct sets only, at O(1) per backtrack.
    const key = (this.set.h1 & 0x1fffff) * 4294967296 + this.set.h2;
    this.seen ??= new Set();
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.longest.push(Array.from(this.stackNode.subarray(0, d), (nd) => this.list.opOf[nd]));
    if (!this.offending.includes(blocked)) this.offending.push(blocked);
  }
}

// Porcupine's kvModel (get/put/append on string values, "" initially), as its test suite reads the kv logs:
// partitioned by key. `kv-no-partition` is the same specification over the whole key space at once; it exists
// to cross-check partitioning and gives the same verdicts, more slowly.
import { HistoryError, type HistoryEvent } from '../../history/op.js';
import { pairEvents } from '../../history/pair.js';
import type { Model, Operation } from '../porcupine/types.js';
import { opFrom, type ModelSpec } from './spec.js';
import { groupBy, hashString } from './values.js';

export interface KvInput {
  op: 'get' | 'put' | 'append';
  key: string;
  value: string;
}
/** The string a get returned; undefined when the outcome is unknown (info). */
export type KvOutput = string | undefined;

/** One shared result for every illegal step: the search never looks at the state of an illegal step, and most
 *  steps of a hard search are illegal, so not allocating them is a measurable share of the checker's time. */
const ILLEGAL: [boolean, string] = [false, ''];

function stepOne(state: string, input: KvInput, output: KvOutput): [boolean, string] {
  switch (input.op) {
    case 'get':
      return output === undefined || output === state ? [true, state] : ILLEGAL;
    case 'put':
      return [true, input.value];
    case 'append':
      return [true, state + input.value];
  }
}

function describe(input: KvInput, output: KvOutput): string {
  if (input.op === 'get')
    return `get(${JSON.stringify(input.key)}) → ${output === undefined ? '?' : JSON.stringify(output)}`;
  return `${input.op}(${JSON.stringify(input.key)}, ${JSON.stringify(input.value)})`;
}

/**
 * The kv model with states as integers: a state is a node of a trie whose edges are puts and appends, and each
 * (operation, state) pair remembers the node it leads to. The search applies the same operation to the same
 * state over and over; a step is then a table lookup instead of a string concatenation that grows with the value,
 * and the cache hashes and compares integers. The string of a node is built only when a get must compare it
 * with the same length, and kept. Two nodes may spell the same string (e.g. put "ab" and put "a", append "b");
 * the cache then sees two states where there is one, which costs pruning, never correctness. Same specification
 * as stepOne; one instance per check, so the tables are freed with it.
 *
 * A node also knows which puts of its key have been applied (a bitmask, for keys with at most 30 puts; the
 * linearized set determines it anyway, so the cache loses nothing). That makes `hopeless` exact: a get whose
 * value neither extends the current string nor starts with the value of a put not yet applied can never be
 * answered, since appends only extend and puts restart from their value.
 */
export function kvModelInstance(): Model<number, KvInput, KvOutput> {
  const parent: number[] = [-1];
  const piece: string[] = [''];
  const length: number[] = [0];
  const text: (string | undefined)[] = [''];
  const applied: number[] = [0];
  const opId = new Map<KvInput, number>();
  const edges = new EdgeTable();
  /** Per put: its bit among its key's puts. Per key: its puts, or undefined when untracked (too many). */
  const putBit = new Map<KvInput, number>();
  /** Per tracked key: its puts (bit = position). Per get: the puts whose value starts its answer (computed once). */
  const keyPuts = new Map<string, string[]>();
  const startsFrom = new Map<KvInput, number>();
  const node = (from: number, value: string, mask: number): number => {
    const id = parent.length;
    parent.push(from);
    piece.push(value);
    length.push((from < 0 ? 0 : length[from]) + value.length);
    text.push(from < 0 ? value : undefined); // a put's string is its value
    applied.push(mask);
    return id;
  };
  const spell = (id: number): string => {
    const chain: number[] = [];
    let k = id;
    while (text[k] === undefined) {
      chain.push(k);
      k = parent[k];
    }
    let s = text[k]!;
    for (let i = chain.length - 1; i >= 0; i--) {
      s += piece[chain[i]];
      text[chain[i]] = s;
    }
    return s;
  };
  const idOf = (input: KvInput): number => {
    let id = opId.get(input);
    if (id === undefined) {
      id = opId.size;
      opId.set(input, id);
    }
    return id;
  };
  // One result pair, reused: the search reads it before the next step (Model.step's contract).
  const out: [boolean, number] = [true, 0];
  return {
    init: () => 0,
    step(state, input, output) {
      switch (input.op) {
        case 'get':
          if (output === undefined || (output.length === length[state] && output === (text[state] ?? spell(state)))) {
            out[0] = true;
            out[1] = state;
            return out;
          }
          return ILLEGAL_ID;
        case 'put': {
          // The node depends on the value and on which puts were applied before, not on the string it replaces.
          const bit = putBit.get(input);
          const mask = applied[state] | (bit === undefined ? 0 : 1 << bit);
          const a = 2 * idOf(input) + 1;
          let to = edges.get(a, applied[state]);
          if (to < 0) {
            to = node(-1, input.value, mask);
            edges.set(a, applied[state], to);
          }
          out[0] = true;
          out[1] = to;
          return out;
        }
        case 'append': {
          const a = 2 * idOf(input);
          let to = edges.get(a, state);
          if (to < 0) {
            to = node(state, input.value, applied[state]);
            edges.set(a, state, to);
          }
          out[0] = true;
          out[1] = to;
          return out;
        }
      }
    },
    hopeless(state, input, output) {
      if (input.op !== 'get' || output === undefined) return false;
      let puts = startsFrom.get(input);
      if (puts === undefined) {
        const values = keyPuts.get(input.key);
        if (values === undefined) return false; // untracked key (or partition() not called): never claim it
        puts = 0;
        for (let bit = 0; bit < values.length; bit++) if (output.startsWith(values[bit])) puts |= 1 << bit;
        startsFrom.set(input, puts);
      }
      if ((puts & ~applied[state]) !== 0) return false; // a put not applied yet could start the answer
      return !(length[state] <= output.length && output.startsWith(text[state] ?? spell(state)));
    },
    readOnly: (input) => input.op === 'get',
    alwaysLegal: (_input, output) => output === undefined,
    hash: (s) => Math.imul(s + 1, 0x9e3779b1) >>> 0,
    partition(ops) {
      const groups = groupBy(ops, (o) => o.input.key);
      for (const g of groups) {
        const puts = g.filter((o) => o.input.op === 'put');
        if (puts.length > 30) continue;
        for (const [bit, o] of puts.entries()) putBit.set(o.input, bit);
        keyPuts.set(
          g[0].input.key,
          puts.map((o) => o.input.value),
        );
      }
      return groups;
    },
    describeOperation: describe,
    describeState: (s) => JSON.stringify(text[s] ?? spell(s)),
  };
}

const ILLEGAL_ID: [boolean, number] = [false, -1];

/** (append, state) → state, in an open-addressing table over typed arrays: the hottest lookup of a kv search. */
class EdgeTable {
  private keyA = new Int32Array(1 << 8).fill(-1);
  private keyS = new Int32Array(1 << 8);
  private val = new Int32Array(1 << 8);
  private size = 0;

  private static slot(a: number, s: number, mask: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(s, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    return (h ^ (h >>> 13)) & mask;
  }

  get(a: number, s: number): number {
    const mask = this.keyA.length - 1;
    for (let i = EdgeTable.slot(a, s, mask); this.keyA[i] !== -1; i = (i + 1) & mask) {
      if (this.keyA[i] === a && this.keyS[i] === s) return this.val[i];
    }
    return -1;
  }

  set(a: number, s: number, v: number): void {
    if (++this.size * 2 > this.keyA.length) this.grow();
    const mask = this.keyA.length - 1;
    let i = EdgeTable.slot(a, s, mask);
    while (this.keyA[i] !== -1) i = (i + 1) & mask;
    this.keyA[i] = a;
    this.keyS[i] = s;
    this.val[i] = v;
  }

  private grow(): void {
    const { keyA, keyS, val } = this;
    this.keyA = new Int32Array(keyA.length * 2).fill(-1);
    this.keyS = new Int32Array(keyA.length * 2);
    this.val = new Int32Array(keyA.length * 2);
    const mask = this.keyA.length - 1;
    for (let j = 0; j < keyA.length; j++) {
      if (keyA[j] === -1) continue;
      let i = EdgeTable.slot(keyA[j], keyS[j], mask);
      while (this.keyA[i] !== -1) i = (i + 1) & mask;
      this.keyA[i] = keyA[j];
      this.keyS[i] = keyS[j];
      this.val[i] = val[j];
    }
  }
}

/** State: key → value, never mutated (a step copies). */
type KvState = Readonly<Record<string, string>>;

export const kvNoPartitionModel: Model<KvState, KvInput, KvOutput> = {
  init: () => ({}),
  step(state, input, output) {
    const [ok, v] = stepOne(state[input.key] ?? '', input, output);
    if (!ok || input.op === 'get') return [ok, state];
    return [true, { ...state, [input.key]: v }];
  },
  readOnly: (input) => input.op === 'get',
  alwaysLegal: (_input, output) => output === undefined,
  equal(a, b) {
    const ka = Object.keys(a),
      kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (a[k] !== b[k]) return false;
    return true;
  },
  hash(s) {
    let h = 0;
    for (const k in s) h = (h + Math.imul(hashString(k), 31) + hashString(s[k])) >>> 0; // order-independent
    return h;
  },
  describeOperation: describe,
  describeState: (s) => JSON.stringify(s),
};

function text(v: unknown, what: string, pos: number, file?: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new HistoryError(`event ${pos}: kv ${what} must be a string, got ${JSON.stringify(v)}`, file);
}

export function kvOperations(events: readonly HistoryEvent[], file?: string): Operation<KvInput, KvOutput>[] {
  const ops: Operation<KvInput, KvOutput>[] = [];
  for (const p of pairEvents(events, { file })) {
    const pos = p.invokeIndex;
    if (p.f !== 'get' && p.f !== 'put' && p.f !== 'append')
      throw new HistoryError(`event ${pos}: the kv model knows get, put and append, not "${p.f}"`, file);
    if (p.type === 'fail') continue;
    if (p.type === 'info' && p.f === 'get') continue; // an unanswered get constrains nothing
    if (p.key === undefined || p.key === null) throw new HistoryError(`event ${pos}: kv ${p.f} has no key`, file);
    const input: KvInput = {
      op: p.f,
      key: text(p.key, 'key', pos, file),
      value: p.f === 'get' ? '' : text(p.invokeValue, 'value', pos, file),
    };
    const output: KvOutput =
      p.type === 'info' ? undefined : p.f === 'get' ? text(p.completeValue, 'get result', pos, file) : '';
    ops.push(opFrom(p, input, output));
  }
  return ops;
}

export const kv: ModelSpec = {
  name: 'kv',
  describe: 'Porcupine\'s kv model: get/put/append on string values ("" initially), checked key by key',
  takesInit: false,
  create: () => ({ model: kvModelInstance(), toOperations: kvOperations }),
};

export const kvNoPartition: ModelSpec = {
  name: 'kv-no-partition',
  describe: 'the kv model over all keys at once, without partitioning (a cross-check; slower)',
  takesInit: false,
  create: () => ({ model: kvNoPartitionModel, toOperations: kvOperations }),
};

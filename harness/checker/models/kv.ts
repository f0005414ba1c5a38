// Porcupine's kvModel (get/put/append on string values, "" initially), as its test suite reads the kv logs:
// partitioned by key. `kv-no-partition` is the same specification over the whole key space at once; it exists
// to cross-check partitioning and gives the same verdicts, more slowly.
import { HistoryError, type HistoryEvent } from '../../history/op.js';
import { pairEvents } from '../../history/pair.js';
import type { Model, Operation } from '../porcupine/types.js';
import { opFrom, type ModelSpec } from './spec.js';
import { hashString } from './values.js';

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
      // By key (a kv key is a string: kvOperations makes it one), counting the writes on the way: the edge table
      // gets about as many edges as there are puts and appends, so it is sized once instead of grown.
      const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
      let writes = 0;
      for (const o of ops) {
        let g = byKey.get(o.input.key);
        if (g === undefined) {
          g = [];
          byKey.set(o.input.key, g);
        }
        g.push(o);
        if (o.input.op !== 'get') writes++;
      }
      edges.reserve(writes);
      const groups = [...byKey.values()];
      for (const g of groups) {
        const puts = g.filter((o) => o.input.op === 'put');
        if (puts.length > 30) continue;
        for (let bit = 0; bit < puts.length; bit++) putBit.set(puts[bit].input, bit);
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
/** reserve() sizes the edge table up to this many slots (2.3 MiB); a bigger search grows it as it goes. */
const MAX_RESERVED_SLOTS = 1 << 16;

/**
 * (append, state) → state, in an open-addressing table over one typed array, three words per slot (key, state,
 * value): the hottest lookup of a kv search. A model is made for every check and most checks are small, so the
 * table is sized from the history (reserve) rather than grown step by step: each typed array of more than 64
 * bytes is allocated outside V8's heap, at a cost of microseconds.
 */
class EdgeTable {
  private slots = EdgeTable.empty(4);
  private size = 0;

  /** Room for about `edges` edges without growing (a search usually makes about one per put and append). */
  reserve(edges: number): void {
    let count = this.slots.length / 3;
    while (count < 2 * edges && count < MAX_RESERVED_SLOTS) count *= 2;
    if (count === this.slots.length / 3 || this.size > 0) return;
    this.slots = EdgeTable.empty(count);
  }

  private static empty(count: number): Int32Array {
    const a = new Int32Array(3 * count);
    for (let i = 0; i < a.length; i += 3) a[i] = -1;
    return a;
  }

  private static slot(a: number, s: number, mask: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(s, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    return (h ^ (h >>> 13)) & mask;
  }

  get(a: number, s: number): number {
    const slots = this.slots;
    const mask = (slots.length / 3 - 1) | 0;
    for (let i = EdgeTable.slot(a, s, mask); slots[3 * i] !== -1; i = (i + 1) & mask) {
      if (slots[3 * i] === a && slots[3 * i + 1] === s) return slots[3 * i + 2];
    }
    return -1;
  }

  set(a: number, s: number, v: number): void {
    if (++this.size * 2 > this.slots.length / 3) this.grow();
    EdgeTable.put(this.slots, a, s, v);
  }

  private static put(slots: Int32Array, a: number, s: number, v: number): void {
    const mask = (slots.length / 3 - 1) | 0;
    let i = EdgeTable.slot(a, s, mask);
    while (slots[3 * i] !== -1) i = (i + 1) & mask;
    slots[3 * i] = a;
    slots[3 * i + 1] = s;
    slots[3 * i + 2] = v;
  }

  private grow(): void {
    const old = this.slots;
    const slots = EdgeTable.empty((2 * old.length) / 3);
    for (let j = 0; j < old.length; j += 3) if (old[j] !== -1) EdgeTable.put(slots, old[j], old[j + 1], old[j + 2]);
    this.slots = slots;
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

// Porcupine's kvModel (get/put/append on string values, "" initially), as its test suite reads the kv logs:
// partitioned by key. `kv-no-partition` is the same specification over the whole key space at once; it exists
// to cross-check partitioning and gives the same verdicts, more slowly.
import { HistoryError, type HistoryEvent } from '../../history/op.js';
import { pairEvents } from '../../history/pair.js';
import type { Model, Operation } from '../porcupine/types.js';
import { opFrom, type ModelSpec } from './spec.js';
import { groupBy, hashString, hashStringTail } from './values.js';

export interface KvInput { op: 'get' | 'put' | 'append'; key: string; value: string }
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
  if (input.op === 'get') return `get(${JSON.stringify(input.key)}) → ${output === undefined ? '?' : JSON.stringify(output)}`;
  return `${input.op}(${JSON.stringify(input.key)}, ${JSON.stringify(input.value)})`;
}

export const kvModel: Model<string, KvInput, KvOutput> = {
  init: () => '',
  step: stepOne,
  hash: hashStringTail,
  partition: (ops) => groupBy(ops, (o) => o.input.key),
  describeOperation: describe,
  describeState: (s) => JSON.stringify(s),
};

/** State: key → value, never mutated (a step copies). */
type KvState = Readonly<Record<string, string>>;

export const kvNoPartitionModel: Model<KvState, KvInput, KvOutput> = {
  init: () => ({}),
  step(state, input, output) {
    const [ok, v] = stepOne(state[input.key] ?? '', input, output);
    if (!ok || input.op === 'get') return [ok, state];
    return [true, { ...state, [input.key]: v }];
  },
  equal(a, b) {
    const ka = Object.keys(a), kb = Object.keys(b);
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
    if (p.f !== 'get' && p.f !== 'put' && p.f !== 'append') throw new HistoryError(`event ${pos}: the kv model knows get, put and append, not "${p.f}"`, file);
    if (p.type === 'fail') continue;
    if (p.type === 'info' && p.f === 'get') continue; // an unanswered get constrains nothing
    if (p.key === undefined || p.key === null) throw new HistoryError(`event ${pos}: kv ${p.f} has no key`, file);
    const input: KvInput = { op: p.f, key: text(p.key, 'key', pos, file), value: p.f === 'get' ? '' : text(p.invokeValue, 'value', pos, file) };
    const output: KvOutput = p.type === 'info' ? undefined : p.f === 'get' ? text(p.completeValue, 'get result', pos, file) : '';
    ops.push(opFrom(p, input, output));
  }
  return ops;
}

export const kv: ModelSpec = {
  name: 'kv',
  describe: "Porcupine's kv model: get/put/append on string values (\"\" initially), checked key by key",
  takesInit: false,
  create: () => ({ model: kvModel, toOperations: kvOperations }),
};

export const kvNoPartition: ModelSpec = {
  name: 'kv-no-partition',
  describe: 'the kv model over all keys at once, without partitioning (a cross-check; slower)',
  takesInit: false,
  create: () => ({ model: kvNoPartitionModel, toOperations: kvOperations }),
};

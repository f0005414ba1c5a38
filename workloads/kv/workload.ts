// `kv`: many keys, each a register (read / write / cas), checked key by key (model kv-register). Keys rotate
// like Jepsen's independent generator: workers form groups of THREADS_PER_KEY, each group hammers one key for
// OPS_PER_KEY operations per worker and then moves to a fresh key, so every key's history is short (cheap to
// check exactly) while it still sees real contention.
import type { Generator } from '../../harness/generator/generator.js';
import { expectedValue, uniqueValue } from '../../harness/generator/unique-value.js';
import type { Workload } from '../types.js';

export const THREADS_PER_KEY = 5;
export const OPS_PER_KEY = 40;

export function kvKey(worker: number, count: number, concurrency: number): string {
  const groups = Math.max(1, Math.ceil(concurrency / THREADS_PER_KEY));
  const group = Math.floor(worker / THREADS_PER_KEY);
  const round = Math.floor(count / OPS_PER_KEY);
  return `k${round * groups + group}`;
}

export function kvGenerator(concurrency: number): Generator {
  return (ctx) => {
    const key = kvKey(ctx.worker, ctx.count, concurrency);
    const r = ctx.rnd.float();
    if (r < 0.5) return { f: 'read', key };
    if (r < 0.75) return { f: 'write', key, value: uniqueValue(ctx.worker, ctx.count) };
    return {
      f: 'cas',
      key,
      value: [expectedValue(ctx.worker, ctx.count, ctx.count % OPS_PER_KEY === 0), uniqueValue(ctx.worker, ctx.count)],
    };
  };
}

export const kvWorkload: Workload = {
  name: 'kv',
  model: 'kv-register',
  describe:
    `many keys (rotated every ${OPS_PER_KEY} ops per worker, ${THREADS_PER_KEY} workers per key): ` +
    'read, write, cas; checked key by key',
  generator: (o) => kvGenerator(o.concurrency),
  finalOp: (lastKey) => (lastKey ? { f: 'read', key: lastKey } : undefined),
};

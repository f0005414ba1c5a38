// `register`: one key, read / write / cas; model cas-register. Written values are unique (each names the write a
// read observed, so the checker decides the history in near-linear time), and a cas expects the value its worker
// wrote last.
// Jepsen's classic linearizable-register test.
import type { Generator } from '../../harness/generator/generator.js';
import { expectedValue, uniqueValue } from '../../harness/generator/unique-value.js';
import type { Workload } from '../types.js';

export const KEY = 'register';

export function registerOp(): Generator {
  return (ctx) => {
    const r = ctx.rnd.float();
    if (r < 0.5) return { f: 'read', key: KEY };
    if (r < 0.75) return { f: 'write', key: KEY, value: uniqueValue(ctx.worker, ctx.count) };
    return {
      f: 'cas',
      key: KEY,
      value: [expectedValue(ctx.worker, ctx.count, ctx.count === 0), uniqueValue(ctx.worker, ctx.count)],
    };
  };
}

export const registerWorkload: Workload = {
  name: 'register',
  model: 'cas-register',
  describe: 'one register: read, write, cas (unique values); checked as a cas-register',
  generator: () => registerOp(),
  finalOp: () => ({ f: 'read', key: KEY }),
};

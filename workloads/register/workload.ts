// `register`: one key, read / write / cas with small values so that cas often succeeds; model cas-register.
// Jepsen's classic linearizable-register test.
import type { Generator } from '../../harness/generator/generator.js';
import type { Workload } from '../types.js';

export const KEY = 'register';

export function registerOp(): Generator {
  return (ctx) => {
    const r = ctx.rnd.float();
    if (r < 0.5) return { f: 'read', key: KEY };
    if (r < 0.75) return { f: 'write', key: KEY, value: ctx.rnd.int(0, 5) };
    return { f: 'cas', key: KEY, value: [ctx.rnd.int(0, 5), ctx.rnd.int(0, 5)] };
  };
}

export const registerWorkload: Workload = {
  name: 'register',
  model: 'cas-register',
  describe: 'one register: read, write, cas (values 0-4); checked as a cas-register',
  generator: () => registerOp(),
  finalOp: () => ({ f: 'read', key: KEY }),
};

// `register`: one key, read / write / cas with small values so that cas often succeeds; model cas-register.
// Jepsen's classic linearizable-register test, against a single Raft group.
import type { Generator } from '../../harness/generator/generator.js';
import { expectedValue, uniqueValue } from '../../harness/checker/unique/unique-value.js';
import { KvHttpClient } from '../kv/client.js';
import type { Workload } from '../types.js';

export const KEY = 'register';

export function registerOp(): Generator {
  return (ctx) => {
    const r = ctx.rnd.float();
    if (r < 0.5) return { f: 'read', key: KEY };
    if (r < 0.75) return { f: 'write', key: KEY, value: uniqueValue(ctx.worker, ctx.count) };
    return { f: 'cas', key: KEY, value: [expectedValue(ctx.worker, ctx.count, ctx.count === 0), uniqueValue(ctx.worker, ctx.count)] };
  };
}

export const registerWorkload: Workload = {
  name: 'register',
  model: 'cas-register',
  describe: 'one register: read, write, cas (values 0-4); checked as a cas-register',
  generator: () => registerOp(),
  finalOp: () => ({ f: 'read', key: KEY }),
  client: (nodes, prefer, o) => new KvHttpClient(nodes, prefer, `p${o.process}-${o.seed}`, o.opTimeoutMs),
};

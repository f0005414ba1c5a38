// register and kv on etcd: read = range (linearizable by default; `serializable: true` with --target-opt
// reads=serializable, which etcd documents may return stale data), write = put, cas = a txn comparing the
// value. A txn whose compare fails reports succeeded=false (omitted from the JSON when false): a definite fail.
import type { OpSpec } from '../../../harness/generator/generator.js';
import type { Client, Completion } from '../../../workloads/types.js';
import { b64, decodeKvs, encodeValue, type Gateway, type GatewayAnswer } from '../gateway.js';

/** How a failed call completes: reads and definite refusals fail, anything else that writes is unknown. */
export function failed(r: Extract<GatewayAnswer, { ok: false }>, isRead: boolean): Completion {
  return isRead || r.definite ? { type: 'fail', error: r.error } : { type: 'info', error: r.error };
}

export class EtcdKvClient implements Client {
  constructor(
    private readonly gw: Gateway,
    private readonly serializable: boolean,
  ) {}

  async invoke(op: OpSpec): Promise<Completion> {
    const key = b64(op.key ?? 'r');
    if (op.f === 'read') {
      const r = await this.gw.call('/v3/kv/range', this.serializable ? { key, serializable: true } : { key });
      return r.ok ? { type: 'ok', value: decodeKvs(r.body).value } : failed(r, true);
    }
    if (op.f === 'write') {
      const r = await this.gw.call('/v3/kv/put', { key, value: encodeValue(op.value) });
      return r.ok ? { type: 'ok' } : failed(r, false);
    }
    if (op.f === 'cas') {
      const [from, to] = op.value as [unknown, unknown];
      const r = await this.gw.call('/v3/kv/txn', {
        compare: [{ key, target: 'VALUE', result: 'EQUAL', value: encodeValue(from) }],
        success: [{ requestPut: { key, value: encodeValue(to) } }],
        failure: [],
      });
      if (!r.ok) return failed(r, false);
      return r.body.succeeded === true ? { type: 'ok' } : { type: 'fail', error: 'cas-mismatch' };
    }
    return { type: 'fail', error: `unknown op ${op.f}` };
  }

  close(): void {
    this.gw.close();
  }
}

// list-append and rw-register on etcd through its v3 Txn API, the way Jepsen's 2020 etcd analysis ran them
// (jepsen.io/analyses/etcd-3.4.3): a transaction of micro-ops becomes
//   1. one read-only Txn ranging over every key it touches: etcd answers it at one revision, with each key's
//      value (a list or a register, as JSON text) and mod revision (0: no such key);
//   2. unless the transaction only reads, one Txn whose compares require every key it reads or appends to still
//      have the mod revision step 1 saw, and whose success branch puts each written key's final value (an append
//      is a read-modify-write of the list, guarded like a read; a register write is blind). Its reads are what
//      step 1 saw, advanced by the transaction's own earlier writes.
// If the compares hold, nothing it read changed between step 1 and the Txn's revision, so the reads and the
// writes all take effect at that one revision: an atomic, serializable transaction, whose commit lies between
// invocation and completion (strict serializable if etcd's Txn is linearizable, which is what is tested).
// A read-only transaction is step 1 alone; with --target-opt reads=serializable its ranges are serializable and
// etcd serves them from the member's local state, without a Raft round (documented to be possibly stale).
//
// Outcomes: step 1 failing changed nothing (fail); the Txn's compares failing (`succeeded` false) is a definite
// abort (fail, "conflict"); the Txn failing otherwise may have committed (info, unless etcd refused it outright).
// Keys live under the prefix `txn/` (the integer key 7 is etcd key "txn/7"); values are JSON text, as for kv.
import type { OpSpec } from '../../../harness/generator/generator.js';
import { isTxnValue, type MicroOp } from '../../../harness/history/txn.js';
import type { Client, Completion } from '../../../workloads/types.js';
import { b64, decodeKvs, encodeValue, type Gateway } from '../gateway.js';
import { failed } from './kv.js';

export const TXN_PREFIX = 'txn/';

export class EtcdTxnClient implements Client {
  constructor(
    private readonly gw: Gateway,
    private readonly serializable: boolean,
  ) {}

  async invoke(op: OpSpec): Promise<Completion> {
    if (op.f !== 'txn' || !isTxnValue(op.value)) return { type: 'fail', error: `not a transaction: ${op.f}` };
    const ops = op.value as MicroOp[];
    const keys = [...new Set(ops.map((m) => String(m[1])))];
    const etcdKey = (k: string): string => b64(`${TXN_PREFIX}${k}`);
    const range = (k: string) => ({
      requestRange: { key: etcdKey(k), ...(this.serializable ? { serializable: true } : {}) },
    });
    const pre = await this.gw.call('/v3/kv/txn', { compare: [], success: keys.map(range), failure: [] });
    if (!pre.ok) return failed(pre, true);
    const responses = (pre.body.responses as { response_range?: Record<string, unknown> }[] | undefined) ?? [];
    if (responses.length !== keys.length) return { type: 'fail', error: 'etcd answered a different number of ranges' };
    const state = new Map<string, unknown>();
    const rev = new Map<string, string>();
    keys.forEach((k, i) => {
      const d = decodeKvs(responses[i].response_range ?? {});
      state.set(k, d.value);
      rev.set(k, d.modRevision ?? '0');
    });
    const guarded = new Set<string>();
    const written = new Set<string>();
    const out: MicroOp[] = [];
    for (const [f, key, v] of ops) {
      const k = String(key);
      const cur = state.get(k) ?? null;
      if (f === 'r') {
        guarded.add(k);
        out.push([f, key, Array.isArray(cur) ? [...cur] : cur]);
        continue;
      }
      if (f === 'append') {
        if (cur !== null && !Array.isArray(cur)) return { type: 'fail', error: `wrong-type: key ${k} is not a list` };
        guarded.add(k);
        state.set(k, [...((cur as unknown[] | null) ?? []), v]);
      } else state.set(k, v);
      written.add(k);
      out.push([f, key, v]);
    }
    if (written.size === 0) return { type: 'ok', value: out };
    const r = await this.gw.call('/v3/kv/txn', {
      compare: [...guarded].map((k) => ({ key: etcdKey(k), target: 'MOD', result: 'EQUAL', mod_revision: rev.get(k) })),
      success: [...written].map((k) => ({ requestPut: { key: etcdKey(k), value: encodeValue(state.get(k)) } })),
      failure: [],
    });
    if (!r.ok) return failed(r, false);
    return r.body.succeeded === true ? { type: 'ok', value: out } : { type: 'fail', error: 'conflict' };
  }

  close(): void {
    this.gw.close();
  }
}

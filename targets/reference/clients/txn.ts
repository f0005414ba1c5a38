// The reference cluster's transaction client (list-append and rw-register) for one logical process: one
// POST /txn per transaction, sent to the leader of its first key's shard (that shard coordinates it), 421 hints
// followed by the router. Outcomes as docs/txn.md's table says:
//   200 committed          → ok, the micro-ops with the reads the cluster filled in
//   409 aborted            → fail (nothing applied, nothing will be)
//   421 not-leader, 400    → fail (not taken: 421 once the router's hops run out, 400 a request it refused)
//   connection refused     → fail (the request never reached a node)
//   503, or no answer      → info (committed or not, all or none)
// A 200 whose body does not match its declaration (system/node/api.ts) is recorded as info: the cluster said
// committed, so the writes may be there, but the reads cannot be trusted.
import type { OpSpec } from '../../../harness/generator/generator.js';
import { HttpClient } from '../../../harness/net/http.js';
import { isTxnValue } from '../../../harness/history/txn.js';
import { API, type MicroOp } from '../../../system/node/api.js';
import { conforms } from '../../../system/node/schema.js';
import { anchorKey } from '../../../system/txn/ops.js';
import type { Client, Completion } from '../../../workloads/types.js';
import { Router, type NodeRef } from '../router.js';

export class TxnHttpClient implements Client {
  private readonly router: Router;

  constructor(
    nodes: NodeRef[],
    prefer: number,
    private readonly timeoutMs: number,
    private readonly http = new HttpClient(),
  ) {
    this.router = new Router(this.http, nodes, prefer);
  }

  async invoke(op: OpSpec): Promise<Completion> {
    if (op.f !== 'txn' || !isTxnValue(op.value)) return { type: 'fail', error: `not a transaction: ${op.f}` };
    const ops = op.value as MicroOp[];
    const r = await this.router.send(API.txn.path, { ops }, this.timeoutMs, anchorKey(ops));
    if ('none' in r) return r.refused ? { type: 'fail', error: r.none } : { type: 'info', error: r.none };
    const b = r.body;
    if (r.status === 200) {
      const bad = conforms(API.txn.responses[200].shape, b);
      const got = b.ops as MicroOp[] | undefined;
      if (bad || !got || got.length !== ops.length || got.some((m, i) => m[0] !== ops[i][0] || m[1] !== ops[i][1]))
        return { type: 'info', error: `committed, but the answer does not match the request${bad ? `: ${bad}` : ''}` };
      return { type: 'ok', value: ops.map((m, i): MicroOp => (m[0] === 'r' ? [m[0], m[1], got[i][2]] : m)) };
    }
    if (r.status === 409) return { type: 'fail', error: `aborted: ${String(b.reason)}` };
    if (r.status === 421) return { type: 'fail', error: 'not-leader' };
    if (r.status === 400) return { type: 'fail', error: `bad-request: ${String(b.message)}` };
    return { type: 'info', error: String(b.error ?? `HTTP ${r.status}`) };
  }

  close(): void {
    this.http.close();
  }
}

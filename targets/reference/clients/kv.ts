// The reference cluster's kv client for one logical process. Outcomes are recorded honestly:
//   200 ok                → ok (a read carries the value)
//   200 cas-mismatch      → fail (the cas definitely did not apply); 200 fenced → fail
//   421 not-leader        → follow the leader hint or the shard's replicas (nothing was applied); when the hops
//                           run out → fail
//   503 / no answer       → a write is info (it may still commit), a read is fail (reads have no effect)
//   connection refused    → fail (the request never reached a node)
import type { OpSpec } from '../../../harness/generator/generator.js';
import type { NodeRef } from '../router.js';
import type { KvRequest } from '../../../system/node/api.js';
import type { Client, Completion } from '../../../workloads/types.js';
import { HttpClient } from '../../../harness/net/http.js';
import { Router } from '../router.js';

export class KvHttpClient implements Client {
  private readonly http = new HttpClient();
  private readonly router: Router;
  private seq = 0;

  constructor(
    nodes: NodeRef[],
    prefer: number,
    private readonly clientId: string,
    private readonly timeoutMs: number,
  ) {
    this.router = new Router(this.http, nodes, prefer);
  }

  async invoke(op: OpSpec): Promise<Completion> {
    const key = op.key ?? 'r';
    let req: KvRequest;
    if (op.f === 'read') req = { op: 'read', key };
    else if (op.f === 'write')
      req = { op: 'write', key, value: op.value as never, client: this.clientId, seq: ++this.seq };
    else if (op.f === 'cas') {
      const [from, to] = op.value as [unknown, unknown];
      req = { op: 'cas', key, from: from as never, to: to as never, client: this.clientId, seq: ++this.seq };
    } else return { type: 'fail', error: `unknown op ${op.f}` };
    const isRead = op.f === 'read';
    // Reads start at this client's own node (reads spread over the cluster); writes go to the shard leader.
    const r = await this.router.send('/kv', req, this.timeoutMs, key, isRead);
    if ('none' in r) {
      if (r.refused) return { type: 'fail', error: r.none };
      return isRead ? { type: 'fail', error: 'timeout' } : { type: 'info', error: 'timeout' };
    }
    const body = r.body;
    if (r.status === 200 && body.ok === true)
      return isRead ? { type: 'ok', value: body.value ?? null } : { type: 'ok' };
    if (r.status === 200 && (body.error === 'cas-mismatch' || body.error === 'fenced'))
      return { type: 'fail', error: String(body.error) };
    if (r.status === 400) return { type: 'fail', error: `bad-request: ${String(body.message)}` };
    // 503 timeout or anything unexpected: the outcome is unknown.
    return isRead
      ? { type: 'fail', error: String(body.error ?? r.status) }
      : { type: 'info', error: String(body.error ?? r.status) };
  }

  close(): void {
    this.http.close();
  }
}

// A test client for POST /txn on the reference cluster, mapping answers the way a history records them
// (docs/node.md, API): 200 → ok with the reads, 409 (or a refusal that never reached a leader) → fail,
// 503 or no answer → info. Every answer it gets is held to the endpoint's declaration (system/node/api.ts).
import { HttpClient } from '../../harness/net/http.js';
import { API, type MicroOp } from '../../system/node/api.js';
import { conforms } from '../../system/node/schema.js';
import { anchorKey } from '../../system/txn/ops.js';
import { Router, type NodeRef } from '../../targets/reference/router.js';

export type TxnAnswer =
  | { type: 'ok'; ops: MicroOp[]; shards: number[] }
  | { type: 'fail'; why: string }
  | { type: 'info'; why: string };

export class TxnTestClient {
  readonly http = new HttpClient();
  private readonly router: Router;
  /** Answers whose body did not match the declaration for their status (should stay empty). */
  readonly undeclared: string[] = [];

  constructor(nodes: NodeRef[], prefer: number) {
    this.router = new Router(this.http, nodes, prefer);
  }

  async txn(ops: MicroOp[], timeoutMs = 10_000): Promise<TxnAnswer> {
    const r = await this.router.send(API.txn.path, { ops }, timeoutMs, anchorKey(ops));
    if ('none' in r) return r.refused ? { type: 'fail', why: r.none } : { type: 'info', why: r.none };
    const declared = API.txn.responses[r.status as keyof typeof API.txn.responses];
    const bad = declared ? conforms(declared.shape, r.body) : `status ${r.status} is not declared`;
    if (bad) this.undeclared.push(`${r.status} ${JSON.stringify(r.body)}: ${bad}`);
    if (r.status === 200) return { type: 'ok', ops: r.body.ops as MicroOp[], shards: r.body.shards as number[] };
    if (r.status === 409 || r.status === 400 || r.status === 421)
      return { type: 'fail', why: `${r.status} ${String(r.body.reason ?? r.body.error)}` };
    return { type: 'info', why: `${r.status} ${String(r.body.error)}` };
  }

  close(): void {
    this.http.close();
  }
}

// The reference cluster's kv client for one logical process. Outcomes are recorded honestly:
//   200 ok                → ok (a read carries the value)
//   200 cas-mismatch      → fail (the cas definitely did not apply)
//   421 not-leader        → follow the leader hint (nothing was applied); after MAX_REDIRECTS hops → fail
//   503 / no answer       → a write is info (it may still commit), a read is fail (reads have no effect)
//   connection refused    → fail (the request never reached a node)
import type { OpSpec } from '../../harness/generator/generator.js';
import type { NodeHandle } from '../../harness/runtime/types.js';
import type { KvRequest } from '../../system/node/api.js';
import type { Client, Completion } from '../types.js';
import { HttpClient, NoAnswer } from './http.js';

const MAX_REDIRECTS = 3;

export class KvHttpClient implements Client {
  private readonly http = new HttpClient();
  private url: string;
  private seq = 0;

  constructor(private readonly nodes: NodeHandle[], prefer: number, private readonly clientId: string, private readonly timeoutMs: number) {
    this.url = nodes[prefer % nodes.length].url;
  }

  async invoke(op: OpSpec): Promise<Completion> {
    const key = op.key ?? 'r';
    let req: KvRequest;
    if (op.f === 'read') req = { op: 'read', key };
    else if (op.f === 'write') req = { op: 'write', key, value: op.value as never, client: this.clientId, seq: ++this.seq };
    else if (op.f === 'cas') {
      const [from, to] = op.value as [unknown, unknown];
      req = { op: 'cas', key, from: from as never, to: to as never, client: this.clientId, seq: ++this.seq };
    } else return { type: 'fail', error: `unknown op ${op.f}` };
    const isRead = op.f === 'read';
    const deadline = Date.now() + this.timeoutMs;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let status: number, body: Record<string, unknown>;
      try {
        const r = await this.http.call(`${this.url}/kv`, 'POST', req, left);
        status = r.status;
        body = (r.body ?? {}) as Record<string, unknown>;
      } catch (e) {
        const msg = (e as Error).message;
        if (/ECONNREFUSED|EHOSTUNREACH/.test(msg)) {
          this.rotate();
          return { type: 'fail', error: 'connection-refused' };
        }
        this.rotate();
        return isRead ? { type: 'fail', error: e instanceof NoAnswer ? 'timeout' : msg } : { type: 'info', error: 'timeout' };
      }
      if (status === 200 && body.ok === true) return isRead ? { type: 'ok', value: body.value ?? null } : { type: 'ok' };
      if (status === 200 && body.error === 'cas-mismatch') return { type: 'fail', error: 'cas-mismatch' };
      if (status === 200 && body.error === 'fenced') return { type: 'fail', error: 'fenced' };
      if (status === 421) {
        // Not applied anywhere: safe to try the leader it names.
        if (typeof body.leaderUrl === 'string' && body.leaderUrl !== this.url) this.url = body.leaderUrl;
        else this.rotate();
        continue;
      }
      if (status === 400) return { type: 'fail', error: `bad-request: ${String(body.message)}` };
      // 503 timeout or anything unexpected: the outcome is unknown.
      this.rotate();
      return isRead ? { type: 'fail', error: String(body.error ?? status) } : { type: 'info', error: String(body.error ?? status) };
    }
    return isRead ? { type: 'fail', error: 'no-leader' } : { type: 'fail', error: 'no-leader' };
  }

  private rotate(): void {
    const i = this.nodes.findIndex((n) => n.url === this.url);
    this.url = this.nodes[(i + 1) % this.nodes.length].url;
  }

  close(): void {
    this.http.close();
  }
}

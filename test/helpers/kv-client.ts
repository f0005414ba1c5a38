// A test client for the reference cluster: find the leader, follow not-leader redirects, retry until a deadline.
import { HttpClient } from '../../harness/net/http.js';
import type { KvRequest, NodeStatus } from '../../system/node/api.js';

export class TestKv {
  readonly http = new HttpClient();
  constructor(public urls: string[]) {}

  async status(url: string): Promise<NodeStatus | undefined> {
    try {
      const r = await this.http.call(`${url}/status`, 'GET', undefined, 500);
      return r.status === 200 ? (r.body as NodeStatus) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Waits until some reachable node is leader and every node in `urls` that answers agrees on it. */
  async waitLeader(timeoutMs = 10_000, urls = this.urls): Promise<{ id: string; url: string }> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const sts = await Promise.all(urls.map((u) => this.status(u)));
      const i = sts.findIndex((s) => s?.role === 'leader');
      if (i >= 0) return { id: sts[i]!.id, url: urls[i] };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no leader within ${timeoutMs} ms`);
  }

  /** Sends until a definite answer (200) or the deadline; follows 421 hints. */
  async call(req: KvRequest, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let k = 0;
    let url = this.urls[0];
    while (Date.now() < deadline) {
      try {
        const r = await this.http.call(`${url}/kv`, 'POST', req, 3000);
        const b = r.body as Record<string, unknown>;
        if (r.status === 200) return b;
        if (r.status === 421 && typeof b.leaderUrl === 'string') {
          url = b.leaderUrl;
          continue;
        }
        if (r.status === 400) throw new Error(`bad request: ${JSON.stringify(b)}`);
      } catch (e) {
        if ((e as Error).message.startsWith('bad request')) throw e;
      }
      url = this.urls[++k % this.urls.length];
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`no definite answer to ${JSON.stringify(req)} within ${timeoutMs} ms`);
  }

  close(): void {
    this.http.close();
  }
}

// Finding the node that can answer: each request goes to the node that last answered, and a 421 names the
// shard's leader (or, when the node does not know it, the shard's replicas), which are tried in turn. A 421
// means nothing was done, so following it is always safe; hops are bounded.
import type { NodeHandle } from '../../harness/target/types.js';
import type { HttpClient } from '../../harness/net/http.js';
import { shardOf } from '../../system/shard/placement.js';

/** What the router needs of a node: its name and API base URL. */
export type NodeRef = Pick<NodeHandle, 'name' | 'url'>;

// Enough for: a stale cached leader, a node without the shard, and each of R=3 replicas, with one to spare.
const MAX_HOPS = 6;

/** Sends one request to the shard leader, following redirects; returns the final answer or why there is none. */
export class Router {
  private url: string;
  /** Shard count, once a node told us; then shard → the URL that last answered for it. */
  private shards: number | undefined;
  private leaders = new Map<number, string>();

  private readonly home: string;

  constructor(
    private readonly http: HttpClient,
    private readonly nodes: NodeRef[],
    prefer: number,
  ) {
    this.url = nodes[prefer % nodes.length].url;
    this.home = this.url;
  }

  /**
   * `route`: the key or lock name the request is about, so the shard's last known leader is tried first.
   * `fromHome`: start at this client's own node instead (reads spread over all nodes, as clients near different
   * replicas do; a correct follower redirects them, a replica that answers from local state is caught).
   */
  async send(
    path: string,
    body: unknown,
    timeoutMs: number,
    route?: string,
    fromHome = false,
  ): Promise<{ status: number; body: Record<string, unknown> } | { none: string; refused: boolean }> {
    if (fromHome) {
      const saved = this.url;
      this.url = this.home;
      const r = await this.sendOnce(path, body, timeoutMs, route);
      this.url = saved;
      return r;
    }
    const shard = route !== undefined && this.shards !== undefined ? shardOf(route, this.shards) : undefined;
    if (shard !== undefined && this.leaders.has(shard)) this.url = this.leaders.get(shard)!;
    const r = await this.sendOnce(path, body, timeoutMs, route);
    if (shard !== undefined && !('none' in r) && r.status === 200) this.leaders.set(shard, this.url);
    // No answer (a paused or cut-off leader, a timeout): forget the cached leader, or every later op on this
    // shard would go to the same silent node first and time out too (sendOnce already moved this.url on).
    if (shard !== undefined && 'none' in r && !r.refused) this.leaders.delete(shard);
    return r;
  }

  private async sendOnce(
    path: string,
    body: unknown,
    timeoutMs: number,
    route: string | undefined,
  ): Promise<{ status: number; body: Record<string, unknown> } | { none: string; refused: boolean }> {
    const deadline = Date.now() + timeoutMs;
    const tried: string[] = [];
    let lastRefusal = 'no-leader';
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const left = deadline - Date.now();
      if (left <= 0) return { none: 'timeout', refused: false };
      let hint: string | undefined;
      let replicas: string[] = [];
      try {
        const r = await this.http.call(`${this.url}${path}`, 'POST', body, left);
        const b = (r.body ?? {}) as Record<string, unknown>;
        if (r.status !== 421) return { status: r.status, body: b };
        if (typeof b.leaderUrl === 'string') hint = b.leaderUrl;
        if (Array.isArray(b.replicas)) replicas = b.replicas as string[];
        if (typeof b.shards === 'number' && route !== undefined) {
          this.shards = b.shards;
          if (hint) this.leaders.set(shardOf(route, b.shards), hint);
        }
      } catch (e) {
        const msg = (e as Error).message;
        // Refused: the request never reached a process, so trying another node is safe. Anything else (a
        // timeout, a reset mid-request) may have been acted on: the caller must record it as unknown.
        if (!/ECONNREFUSED|EHOSTUNREACH/.test(msg)) {
          this.url = this.next(tried);
          return { none: msg, refused: false };
        }
        lastRefusal = 'connection-refused';
      }
      tried.push(this.url);
      this.url = hint && !tried.includes(hint) ? hint : (replicas.find((u) => !tried.includes(u)) ?? this.next(tried));
    }
    return { none: lastRefusal, refused: true };
  }

  /** The next node not tried yet (or simply the next one). */
  private next(tried: string[]): string {
    const i = this.nodes.findIndex((n) => n.url === this.url);
    for (let k = 1; k <= this.nodes.length; k++) {
      const u = this.nodes[(i + k) % this.nodes.length].url;
      if (!tried.includes(u)) return u;
    }
    return this.nodes[(i + 1) % this.nodes.length].url;
  }
}

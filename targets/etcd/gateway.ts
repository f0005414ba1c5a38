// etcd's v3 JSON gateway (grpc-gateway on the client port, etcd 3.4: POST /v3/kv/range, /v3/kv/txn, ...): keys
// and values are base64, 64-bit integers are decimal strings, an error is {error, message, code} with the gRPC
// status code. No client library: etcd's Go clientv3 retries some calls itself, which would hide outcomes the
// history must record (a write retried after a timeout may apply twice or once; only the caller may decide).
//
// Outcome honesty, the same rules as the reference clients (docs/history-format.md):
//   connection refused         → nothing reached etcd: definite (fail), and another node may be tried
//   no answer / reset / 503    → a write may still commit: unknown (info); a read had no effect: fail
//   gRPC InvalidArgument, NotFound, ResourceExhausted → refused before proposing: definite (fail)
//   anything else with an error for a write → unknown (etcd's "request timed out", "leader changed" may follow a
//                                             proposal that later commits)
import { HttpClient } from '../../harness/net/http.js';
import type { NodeHandle } from '../../harness/target/types.js';

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
export const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** gRPC codes etcd returns before anything is proposed (codes.InvalidArgument, NotFound, ResourceExhausted). */
const DEFINITE_CODES = new Set([3, 5, 8]);

export type GatewayAnswer =
  | { ok: true; body: Record<string, unknown> }
  /**
   * `definite`: the request certainly had no effect. `refused`: it never reached a process (safe to retry elsewhere).
   */
  | { ok: false; definite: boolean; refused: boolean; error: string };

/** One etcd client for one logical process: sticks to a node, moves on when that node refuses or goes silent. */
export class Gateway {
  private readonly http = new HttpClient();
  private at: number;

  constructor(
    private readonly nodes: Pick<NodeHandle, 'name' | 'url'>[],
    prefer: number,
    private readonly timeoutMs: number,
  ) {
    this.at = prefer % nodes.length;
  }

  get node(): string {
    return this.nodes[this.at].name;
  }

  /**
   * POSTs `body` to `path`. A refused connection is retried on the next nodes (nothing was sent) within the
   * time budget; no answer moves this client to the next node for its NEXT request and is returned as is.
   */
  async call(path: string, body: unknown, timeoutMs = this.timeoutMs): Promise<GatewayAnswer> {
    const deadline = Date.now() + timeoutMs;
    for (let tries = 0; tries < this.nodes.length; tries++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        const r = await this.http.call(`${this.nodes[this.at].url}${path}`, 'POST', body, left);
        const b = (r.body && typeof r.body === 'object' ? r.body : {}) as Record<string, unknown>;
        if (r.status === 200 && b.error === undefined) return { ok: true, body: b };
        const code = typeof b.code === 'number' ? b.code : undefined;
        const error = typeof b.error === 'string' ? b.error : `HTTP ${r.status}`;
        // A node that answers "request timed out" or has no leader is probably cut off: try another next time.
        if (code === 14 || r.status === 503) this.advance();
        return { ok: false, definite: code !== undefined && DEFINITE_CODES.has(code), refused: false, error };
      } catch (e) {
        const msg = (e as Error).message;
        this.advance();
        if (/ECONNREFUSED|EHOSTUNREACH/.test(msg)) continue;
        return { ok: false, definite: false, refused: false, error: /within \d+ ms/.test(msg) ? 'timeout' : msg };
      }
    }
    return { ok: false, definite: true, refused: true, error: 'connection-refused' };
  }

  private advance(): void {
    this.at = (this.at + 1) % this.nodes.length;
  }

  close(): void {
    this.http.close();
  }
}

/** Histories hold JSON values; etcd holds bytes: the value is stored as its JSON text. A missing key reads null. */
export function encodeValue(v: unknown): string {
  return b64(JSON.stringify(v ?? null));
}

export function decodeKvs(body: Record<string, unknown>): {
  value: unknown;
  createRevision?: string;
  modRevision?: string;
} {
  const kvs = body.kvs as { value?: string; create_revision?: string; mod_revision?: string }[] | undefined;
  if (!kvs || kvs.length === 0) return { value: null };
  const text = unb64(kvs[0].value ?? '');
  let value: unknown;
  try {
    value = text === '' ? null : JSON.parse(text);
  } catch {
    value = text; // written by someone else: keep the raw text, the checker will show it
  }
  return { value, createRevision: kvs[0].create_revision, modRevision: kvs[0].mod_revision };
}

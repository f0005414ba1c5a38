// Clients for the lock service (POST /lock, see system/node/api.ts) and for fenced data access. Same honesty
// rules as the kv client: a definite refusal is fail, a timeout is info for anything that changes state.
import type { OpSpec } from '../../../harness/generator/generator.js';
import type { NodeRef } from '../router.js';
import type { Client, Completion } from '../../../workloads/types.js';
import { HttpClient } from '../../../harness/net/http.js';
import { Router } from '../router.js';

export class LockHttpClient implements Client {
  private readonly http = new HttpClient();
  private readonly router: Router;
  /** Lock name → token of the grant this process holds. */
  readonly held = new Map<string, number>();

  constructor(
    nodes: NodeRef[],
    prefer: number,
    readonly owner: string,
    private readonly ttlMs: number,
    private readonly timeoutMs: number,
  ) {
    this.router = new Router(this.http, nodes, prefer);
  }

  async invoke(op: OpSpec): Promise<Completion> {
    const name = op.key!;
    if (op.f === 'acquire') {
      const r = await this.router.send(
        '/lock',
        { op: 'acquire', name, owner: this.owner, ttlMs: this.ttlMs },
        this.timeoutMs,
        name,
      );
      if ('none' in r) return r.refused ? { type: 'fail', error: r.none } : { type: 'info', error: r.none };
      if (r.status === 200 && r.body.ok === true) {
        this.held.set(name, r.body.token as number);
        return { type: 'ok', value: r.body.token };
      }
      if (r.status === 200) return { type: 'fail', error: String(r.body.error) };
      return r.status === 503
        ? { type: 'info', error: 'timeout' }
        : { type: 'fail', error: String(r.body.error ?? r.status) };
    }
    if (op.f === 'release') {
      const token = this.held.get(name) ?? -1;
      const r = await this.router.send(
        '/lock',
        { op: 'release', name, owner: this.owner, token },
        this.timeoutMs,
        name,
      );
      if ('none' in r) return r.refused ? { type: 'fail', error: r.none } : { type: 'info', error: r.none };
      if (r.status === 200 && r.body.ok === true) {
        this.held.delete(name);
        return { type: 'ok', value: token };
      }
      if (r.status === 200) {
        this.held.delete(name); // not the holder any more (expired or never held)
        return { type: 'fail', value: token, error: String(r.body.error) };
      }
      return r.status === 503
        ? { type: 'info', value: token, error: 'timeout' }
        : { type: 'fail', value: token, error: String(r.body.error ?? r.status) };
    }
    return { type: 'fail', error: `unknown op ${op.f}` };
  }

  /** A kv request carrying this process's token for `lock` (fenced access). */
  async kv(body: Record<string, unknown>, lock: string, isRead: boolean): Promise<Completion> {
    const token = this.held.get(lock);
    const r = await this.router.send(
      '/kv',
      token === undefined ? body : { ...body, fence: { lock, token } },
      this.timeoutMs,
      body.key as string,
    );
    if ('none' in r) return r.refused || isRead ? { type: 'fail', error: r.none } : { type: 'info', error: r.none };
    if (r.status === 200 && r.body.ok === true)
      return isRead ? { type: 'ok', value: r.body.value ?? null } : { type: 'ok' };
    if (r.status === 200) return { type: 'fail', error: String(r.body.error) };
    if (r.status === 503 && !isRead) return { type: 'info', error: 'timeout' };
    return { type: 'fail', error: String(r.body.error ?? r.status) };
  }

  close(): void {
    this.http.close();
  }
}

// The node's HTTP/JSON client API (system/node/api.ts is the contract). Requests are routed by shard. A node
// that is not the shard's leader answers 421 with a leader hint and does nothing, so the client can record a
// definite failure or retry there; a timeout answers 503, which the client must record as indeterminate (a
// write may still commit).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Json, KvRequest, LockRequest, NodeStatus } from './api.js';
import type { NodeHost } from './host.js';
import type { ShardCommand } from '../shard/machine.js';

export interface ServerOptions {
  id: string;
  host: NodeHost;
  clientUrls: Map<string, string>;
  requestTimeoutMs: number;
  bugs: string[];
  logger: Logger;
}

const MAX_BODY = 1 << 20;

function reply(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v !== '';

function validFence(f: unknown): boolean {
  const x = f as Record<string, unknown> | undefined;
  return !!x && typeof x.lock === 'string' && Number.isSafeInteger(x.token);
}

/** Checks a /kv body; returns an error message or undefined. */
export function validate(r: unknown): string | undefined {
  if (!r || typeof r !== 'object') return 'body must be a JSON object';
  const q = r as Record<string, unknown>;
  if (q.op !== 'read' && q.op !== 'write' && q.op !== 'cas') return 'op must be read, write or cas';
  if (!nonEmpty(q.key)) return 'key must be a non-empty string';
  if (q.op === 'write' && !('value' in q)) return 'write needs a value';
  if (q.op === 'cas' && (!('from' in q) || !('to' in q))) return 'cas needs from and to';
  if (q.client !== undefined && typeof q.client !== 'string') return 'client must be a string';
  if (q.seq !== undefined && !Number.isSafeInteger(q.seq)) return 'seq must be an integer';
  if (q.fence !== undefined && !validFence(q.fence)) return 'fence must be {lock, token}';
  return undefined;
}

/** Checks a /lock body. */
export function validateLock(r: unknown): string | undefined {
  if (!r || typeof r !== 'object') return 'body must be a JSON object';
  const q = r as Record<string, unknown>;
  if (q.op !== 'acquire' && q.op !== 'release' && q.op !== 'renew') return 'op must be acquire, release or renew';
  if (!nonEmpty(q.name)) return 'name must be a non-empty string';
  if (!nonEmpty(q.owner)) return 'owner must be a non-empty string';
  if ((q.op === 'acquire' || q.op === 'renew') && !(Number.isSafeInteger(q.ttlMs) && (q.ttlMs as number) > 0)) return 'ttlMs must be a positive integer';
  if ((q.op === 'release' || q.op === 'renew') && !Number.isSafeInteger(q.token)) return 'token must be an integer';
  return undefined;
}

export function status(o: ServerOptions, started: number): NodeStatus {
  const groups = [...o.host.groups.entries()].sort((a, b) => a[0] - b[0]).map(([shard, g]) => {
    const s = g.raft.status();
    return { group: String(shard), role: s.role, term: s.term, leader: s.leader, commit: s.commit, applied: s.applied, lastIndex: s.lastIndex, snapshotIndex: s.snapshotIndex, peers: s.peers };
  });
  const first = groups[0];
  return {
    id: o.id, time: Date.now(), uptimeMs: Date.now() - started, pid: process.pid, bugs: o.bugs,
    shards: o.host.placement.shards, replication: o.host.placement.replication, placement: o.host.placement.replicas, ready: o.host.ready(),
    groups, role: first?.role ?? 'follower', term: first?.term ?? 0, leader: first?.leader ?? null, commit: first?.commit ?? 0, applied: first?.applied ?? 0,
  };
}

export function createApiServer(o: ServerOptions): Server {
  const started = Date.now();
  const urlOf = (id: string | null): string | null => (id ? o.clientUrls.get(id) ?? null : null);
  const notLeader = (res: ServerResponse, shard: number): void => {
    const g = o.host.groups.get(shard);
    const leader = g?.leader() ?? null;
    const replicas = o.host.placement.replicas[shard].map((id) => o.clientUrls.get(id)).filter((u): u is string => !!u);
    reply(res, 421, { ok: false, error: 'not-leader', leader, leaderUrl: urlOf(leader === o.id ? null : leader), shard, shards: o.host.placement.shards, replicas });
  };

  async function kv(res: ServerResponse, body: KvRequest): Promise<void> {
    const { shard, group } = o.host.groupFor(body.key);
    if (!group) {
      if (o.bugs.includes('wrong-shard')) {
        // Planted bug: serve a shard this node does not hold, from unreplicated local state.
        if (body.op === 'read') return reply(res, 200, { ok: true, value: o.host.foreign.read(body.key) });
        return reply(res, 200, o.host.foreign.apply({ kind: 'kv', ...body }, 0));
      }
      return notLeader(res, shard);
    }
    if (body.op === 'read' && !body.fence) {
      const r = await group.read(body.key, o.requestTimeoutMs);
      if ('error' in r) return notLeader(res, shard);
      return reply(res, 200, { ok: true, value: r.value as Json });
    }
    const r = await group.propose({ kind: 'kv', ...body } as ShardCommand, o.requestTimeoutMs);
    if (r === undefined) return notLeader(res, shard);
    return reply(res, 200, r);
  }

  async function lock(res: ServerResponse, body: LockRequest): Promise<void> {
    const { shard, group } = o.host.groupFor(body.name);
    if (!group) return notLeader(res, shard);
    const r = await group.propose({ kind: 'lock', ...body } as ShardCommand, o.requestTimeoutMs);
    if (r === undefined) return notLeader(res, shard);
    return reply(res, 200, r);
  }

  return createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET' && req.url === '/status') return reply(res, 200, status(o, started));
      const route = req.method === 'POST' && (req.url === '/kv' || req.url === '/lock') ? req.url : undefined;
      if (!route) return reply(res, 404, { ok: false, error: 'bad-request', message: `no route ${req.method} ${req.url}` });
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (e) {
        return reply(res, 400, { ok: false, error: 'bad-request', message: `body is not JSON: ${(e as Error).message}` });
      }
      const bad = route === '/kv' ? validate(body) : validateLock(body);
      if (bad) return reply(res, 400, { ok: false, error: 'bad-request', message: bad });
      try {
        if (route === '/kv') await kv(res, body as KvRequest);
        else await lock(res, body as LockRequest);
      } catch {
        return reply(res, 503, { ok: false, error: 'timeout', message: `no answer within ${o.requestTimeoutMs} ms` });
      }
    })().catch((err: unknown) => {
      o.logger.error({ err: (err as Error).message }, 'request failed');
      if (!res.headersSent) reply(res, 500, { ok: false, error: 'unavailable', message: 'internal error' });
    });
  });
}

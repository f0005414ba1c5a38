// The node's HTTP/JSON client API (system/node/api.ts is the contract). A node that is not the leader answers
// 421 with a leader hint and does nothing, so the client can record a definite failure and retry there; a
// timeout answers 503, which the client must record as indeterminate (the write may still commit).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Json, KvRequest, NodeStatus } from './api.js';
import type { RaftGroup } from './group.js';

export interface ServerOptions {
  id: string;
  group: RaftGroup;
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

/** Checks a request body; returns an error message or undefined. */
export function validate(r: unknown): string | undefined {
  if (!r || typeof r !== 'object') return 'body must be a JSON object';
  const q = r as Record<string, unknown>;
  if (q.op !== 'read' && q.op !== 'write' && q.op !== 'cas') return 'op must be read, write or cas';
  if (typeof q.key !== 'string' || q.key === '') return 'key must be a non-empty string';
  if (q.op === 'write' && !('value' in q)) return 'write needs a value';
  if (q.op === 'cas' && (!('from' in q) || !('to' in q))) return 'cas needs from and to';
  if (q.client !== undefined && typeof q.client !== 'string') return 'client must be a string';
  if (q.seq !== undefined && !Number.isSafeInteger(q.seq)) return 'seq must be an integer';
  if (q.fence !== undefined) {
    const f = q.fence as Record<string, unknown>;
    if (!f || typeof f.lock !== 'string' || !Number.isSafeInteger(f.token)) return 'fence must be {lock, token}';
  }
  return undefined;
}

export function status(o: ServerOptions, started: number): NodeStatus {
  const s = o.group.raft.status();
  const g = { group: '0', role: s.role, term: s.term, leader: s.leader, commit: s.commit, applied: s.applied, lastIndex: s.lastIndex, snapshotIndex: s.snapshotIndex, peers: s.peers };
  return {
    id: o.id, time: Date.now(), uptimeMs: Date.now() - started, pid: process.pid, bugs: o.bugs, groups: [g],
    role: s.role, term: s.term, leader: s.leader, commit: s.commit, applied: s.applied,
  };
}

export function createApiServer(o: ServerOptions): Server {
  const started = Date.now();
  const notLeader = (res: ServerResponse): void => {
    const leader = o.group.leader();
    reply(res, 421, { ok: false, error: 'not-leader', leader, leaderUrl: leader ? o.clientUrls.get(leader) ?? null : null });
  };
  return createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET' && req.url === '/status') return reply(res, 200, status(o, started));
      if (req.method !== 'POST' || req.url !== '/kv') return reply(res, 404, { ok: false, error: 'bad-request', message: `no route ${req.method} ${req.url}` });
      let body: KvRequest;
      try {
        body = JSON.parse(await readBody(req)) as KvRequest;
      } catch (e) {
        return reply(res, 400, { ok: false, error: 'bad-request', message: `body is not JSON: ${(e as Error).message}` });
      }
      const bad = validate(body);
      if (bad) return reply(res, 400, { ok: false, error: 'bad-request', message: bad });
      try {
        if (body.op === 'read') {
          const r = await o.group.read(body.key, o.requestTimeoutMs);
          if ('error' in r) return notLeader(res);
          return reply(res, 200, { ok: true, value: r.value as Json });
        }
        const r = await o.group.propose({ kind: 'kv', ...body }, o.requestTimeoutMs);
        if (r === undefined) return notLeader(res);
        return reply(res, 200, r);
      } catch {
        return reply(res, 503, { ok: false, error: 'timeout', message: `no answer within ${o.requestTimeoutMs} ms` });
      }
    })().catch((err: unknown) => {
      o.logger.error({ err: (err as Error).message }, 'request failed');
      if (!res.headersSent) reply(res, 500, { ok: false, error: 'unavailable', message: 'internal error' });
    });
  });
}

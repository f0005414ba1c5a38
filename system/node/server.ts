// The node's HTTP/JSON client API (system/node/api.ts declares it). Requests are routed by shard. A node
// that is not the shard's leader answers 421 with a leader hint and does nothing, so the client can record a
// definite failure or retry there; a timeout answers 503, which the client must record as indeterminate (a
// write may still commit). Every answer goes out through send(), which only accepts a status code and body
// the endpoint's declaration lists.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  API,
  type KvOk,
  type KvRequest,
  type LockRequest,
  type MembershipRequest,
  type NodeStatus,
  type NotLeader,
  type TxnRequest,
} from './api.js';
import type { Endpoint, ResponseOf } from './schema.js';
import type { NodeHost } from './host.js';
import type { ShardCommand, ShardResult } from '../shard/machine.js';
import type { KvResult } from '../kv/machine.js';
import type { LockResult } from '../lock/machine.js';
import { MAX_BODY_BYTES } from '../kv/json.js';
import { commandOf, validateKv, validateLock } from '../shard/validate.js';
import { validateMembership } from './membership.js';
import { adminRefusal } from './admin-auth.js';
import { anchorKey, validateTxnRequest } from '../txn/ops.js';
import type { TxnOutcome } from '../txn/manager.js';

export interface ServerOptions {
  id: string;
  host: NodeHost;
  clientUrls: Map<string, string>;
  requestTimeoutMs: number;
  bugs: string[];
  logger: Logger;
  /** The admin token admin routes need ('' when none: loopback clients only). See admin-auth.ts. */
  adminToken: string;
}

/** Why a body was refused before it was parsed (too large), as a 400 message. */
class BodyTooLarge extends Error {}

function reply(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** An answer of endpoint `e`: the compiler holds `code` and `body` to what api.ts declares for it. */
function send<E extends Endpoint, C extends keyof E['responses'] & number>(
  res: ServerResponse,
  _e: E,
  code: C,
  body: ResponseOf<E, C>,
  headers: Record<string, string> = {},
): void {
  reply(res, code, body, headers);
}

/** The API's endpoints by method and path. */
const ROUTES = new Map<string, keyof typeof API>(
  (Object.keys(API) as (keyof typeof API)[]).map((k) => [`${API[k].method} ${API[k].path}`, k]),
);

/**
 * Reads at most MAX_BODY_BYTES. A larger body (by its Content-Length or as it streams in) is refused without
 * reading the rest: the caller answers 400, then drains and closes the connection (lingerThenClose).
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge(`body is larger than ${MAX_BODY_BYTES} bytes`));
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLarge(`body is larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** How long, and how many more body bytes, a refused request's connection is drained before it is closed. */
const LINGER_MS = 2000;
const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * Lingering close (nginx's lingering_close) for a request refused before its body was read. Closing a socket with
 * the client's bytes still unread makes the kernel answer with RST, and an RST can destroy our 400 in the
 * client's buffers before it reads it (seen as "closed without an answer" by a client still sending a 1.1 MB
 * body). So the answer goes out on a kept-alive connection, the rest of the body is read and dropped, and the
 * connection is closed once the body has ended (a FIN: nothing unread), or cut after LINGER_MS or LINGER_BYTES.
 */
function lingerThenClose(req: IncomingMessage): void {
  const sock = req.socket;
  let drained = 0;
  const cut = setTimeout(() => sock.destroy(), LINGER_MS);
  cut.unref();
  sock.once('close', () => clearTimeout(cut));
  req.on('data', (c: Buffer) => {
    drained += c.length;
    if (drained > LINGER_BYTES) sock.destroy();
  });
  req.once('end', () => sock.end());
  req.resume();
}

// One validator for the API and for apply (system/shard/validate.ts), so that the two can never disagree.
export { validateKv as validate, validateLock } from '../shard/validate.js';

export function status(o: ServerOptions, started: number): NodeStatus {
  const groups = [...o.host.groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([shard, g]) => {
      const s = g.raft.status();
      return {
        group: String(shard),
        role: s.role,
        term: s.term,
        leader: s.leader,
        commit: s.commit,
        applied: s.applied,
        lastIndex: s.lastIndex,
        snapshotIndex: s.snapshotIndex,
        peers: s.peers,
        quiesced: s.quiesced,
        members: [...s.peers].sort(),
        member: s.peers.includes(o.id),
        confPending: s.confPending,
        txn: {
          prepared: g.machine.txn.prepared().length,
          records: g.machine.txn.recordList().length,
          locks: g.machine.txn.lockCount(),
        },
      };
    });
  const first = groups[0];
  return {
    id: o.id,
    time: Date.now(),
    uptimeMs: Date.now() - started,
    pid: process.pid,
    bugs: o.bugs,
    shards: o.host.placement.shards,
    replication: o.host.placement.replication,
    placement: o.host.placement.replicas,
    ready: o.host.ready(),
    wal: { syncs: o.host.wal.syncs, rolls: o.host.wal.rolls },
    io: { ...o.host.io },
    transfers: o.host.coordinator.transfers,
    txn: { ...o.host.txn.load, ...o.host.txn.counts },
    groups,
    role: first?.role ?? 'follower',
    term: first?.term ?? 0,
    leader: first?.leader ?? null,
    commit: first?.commit ?? 0,
    applied: first?.applied ?? 0,
  };
}

export function createApiServer(o: ServerOptions): Server {
  const started = Date.now();
  const urlOf = (id: string | null): string | null => (id ? (o.clientUrls.get(id) ?? null) : null);
  const notLeader = (shard: number): NotLeader => {
    const g = o.host.groups.get(shard);
    const leader = g?.leader() ?? null;
    const replicas = o.host.placement.replicas[shard].map((id) => o.clientUrls.get(id)).filter((u): u is string => !!u);
    return {
      ok: false,
      error: 'not-leader',
      leader,
      leaderUrl: urlOf(leader === o.id ? null : leader),
      shard,
      shards: o.host.placement.shards,
      replicas,
    };
  };

  async function kv(res: ServerResponse, body: KvRequest): Promise<void> {
    const { shard, group } = o.host.groupFor(body.key);
    if (!group) {
      if (o.bugs.includes('wrong-shard')) {
        // Planted bug: serve a shard this node does not hold, from unreplicated local state.
        if (body.op === 'read') return send(res, API.kv, 200, { ok: true, value: o.host.foreign.read(body.key) });
        const r = o.host.foreign.apply(commandOf('kv', body as Record<string, unknown>) as ShardCommand, 0);
        return answerKv(res, r);
      }
      return send(res, API.kv, 421, notLeader(shard));
    }
    if (body.op === 'read' && !body.fence) {
      const r = await group.read(body.key, o.requestTimeoutMs);
      if ('error' in r) return send(res, API.kv, 421, notLeader(shard));
      return send(res, API.kv, 200, { ok: true, value: r.value } satisfies KvOk);
    }
    const r = await group.propose(commandOf('kv', body as Record<string, unknown>) as ShardCommand, o.requestTimeoutMs);
    if (r === undefined) return send(res, API.kv, 421, notLeader(shard));
    return answerKv(res, r);
  }

  /** A kv command's result; refused by apply (identically on every replica) is definite: nothing changed. */
  function answerKv(res: ServerResponse, r: ShardResult): void {
    if (r.ok === false && r.error === 'invalid-command')
      send(res, API.kv, 400, { ok: false, error: 'bad-request', message: r.message });
    else send(res, API.kv, 200, r as KvResult);
  }

  async function lock(res: ServerResponse, body: LockRequest): Promise<void> {
    const { shard, group } = o.host.groupFor(body.name);
    if (!group) return send(res, API.lock, 421, notLeader(shard));
    const r = await group.propose(
      commandOf('lock', body as Record<string, unknown>) as ShardCommand,
      o.requestTimeoutMs,
    );
    if (r === undefined) return send(res, API.lock, 421, notLeader(shard));
    if (r.ok === false && r.error === 'invalid-command')
      return send(res, API.lock, 400, { ok: false, error: 'bad-request', message: r.message });
    return send(res, API.lock, 200, r as LockResult);
  }

  /**
   * POST /txn (docs/txn.md): to the leader of the anchor key's shard, which coordinates. The driver answers
   * within about two request timeouts (its own proposals and the vote wait are each bounded by one); the timer
   * here is only a backstop.
   */
  async function txn(res: ServerResponse, body: TxnRequest): Promise<void> {
    const shard = o.host.shardOf(anchorKey(body.ops));
    if (!o.host.groups.get(shard)?.isLeader()) return send(res, API.txn, 421, notLeader(shard));
    const out = await new Promise<TxnOutcome | undefined>((resolve) => {
      const backstop = setTimeout(() => resolve(undefined), 2 * o.requestTimeoutMs + 1000);
      o.host.txn.submit(body.ops, (x) => {
        clearTimeout(backstop);
        resolve(x);
      });
    });
    if (out === undefined)
      return send(res, API.txn, 503, { ok: false, error: 'timeout', message: 'no outcome in time; it is unknown' });
    switch (out.kind) {
      case 'committed':
        return send(res, API.txn, 200, { ok: true, ops: out.ops, id: out.id, shards: out.shards });
      case 'aborted': {
        const { reason, message, id, shards } = out;
        if (reason === 'invalid') return send(res, API.txn, 400, { ok: false, error: 'bad-request', message });
        const key = out.key === undefined ? {} : { key: out.key };
        return send(res, API.txn, 409, { ok: false, error: 'aborted', reason, ...key, message, id, shards });
      }
      case 'not-leader':
        return send(res, API.txn, 421, notLeader(out.shard));
      case 'unknown':
        return send(res, API.txn, 503, { ok: false, error: 'unavailable', message: out.message });
    }
  }

  /** POST /admin/membership (docs/node.md, Membership): one single-server change of one shard's voters. */
  async function membership(res: ServerResponse, body: MembershipRequest): Promise<void> {
    const group = o.host.groups.get(body.shard);
    if (!group) return send(res, API.membership, 421, notLeader(body.shard));
    const r = await group.changeMembership({ op: body.op, node: body.node }, o.requestTimeoutMs);
    switch (r.kind) {
      case 'done':
        return send(res, API.membership, 200, { ok: true, shard: body.shard, members: r.members, changed: r.changed });
      case 'not-leader':
        return send(res, API.membership, 421, notLeader(body.shard));
      case 'change-pending':
        return send(res, API.membership, 409, {
          ok: false,
          error: 'change-pending',
          shard: body.shard,
          message:
            'another membership change is not yet committed, ' +
            'or the leader has not yet committed an entry of its term; retry',
        });
      case 'too-few-members':
        return send(res, API.membership, 409, {
          ok: false,
          error: 'too-few-members',
          shard: body.shard,
          message: 'the removal would leave fewer than 2 voters',
        });
      case 'bad':
        return send(res, API.membership, 400, { ok: false, error: 'bad-request', message: r.message });
    }
  }

  const validators: Record<Exclude<keyof typeof API, 'status'>, (b: unknown) => string | undefined> = {
    kv: validateKv,
    lock: (b) => validateLock(b),
    txn: validateTxnRequest,
    membership: (b) => validateMembership(b, o.host.placement),
  };

  // A client that sends a request slowly or never finishes it holds a connection, not the node: Node's own limits
  // answer 408 after these (checked every second), so every request gets an answer in bounded time.
  return createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 },
    (req, res) => {
      const route = ROUTES.get(`${req.method} ${req.url}`);
      void (async () => {
        if (route === 'status') return send(res, API.status, 200, status(o, started));
        if (!route)
          return reply(res, 404, { ok: false, error: 'bad-request', message: `no route ${req.method} ${req.url}` });
        if (route === 'membership') {
          // Refused before its body is looked at. The body is still read (bounded, then dropped) as any other,
          // so the connection stays usable, or lingers and closes when it is too large.
          const no = adminRefusal(o.adminToken, req.headers.authorization, req.socket.remoteAddress);
          if (no) {
            await readBody(req).catch((e: unknown) => e instanceof BodyTooLarge && lingerThenClose(req));
            return send(res, API.membership, no.status, no.body, no.headers);
          }
        }
        const e = API[route];
        let text: string;
        try {
          text = await readBody(req);
        } catch (err) {
          if (!(err instanceof BodyTooLarge)) return; // the client went away
          lingerThenClose(req);
          return send(res, e, 400, { ok: false, error: 'bad-request', message: err.message });
        }
        let body: unknown;
        try {
          // V8's JSON.parse does not recurse, so any nesting parses; depth is bounded by the validator below.
          body = JSON.parse(text);
        } catch (err) {
          const message = `body is not JSON: ${(err as Error).message}`;
          return send(res, e, 400, { ok: false, error: 'bad-request', message });
        }
        const bad = validators[route](body);
        if (bad) return send(res, e, 400, { ok: false, error: 'bad-request', message: bad });
        try {
          if (route === 'membership') await membership(res, body as MembershipRequest);
          else if (route === 'kv') await kv(res, body as KvRequest);
          else if (route === 'txn') await txn(res, body as TxnRequest);
          else await lock(res, body as LockRequest);
        } catch (err) {
          if ((err as Error).message === 'timeout')
            return send(res, e, 503, {
              ok: false,
              error: 'timeout',
              message: `no answer within ${o.requestTimeoutMs} ms`,
            });
          o.logger.error({ err: (err as Error).message }, 'request failed');
          return send(res, e, 503, {
            ok: false,
            error: 'unavailable',
            message: 'internal error; the outcome is unknown',
          });
        }
      })().catch((err: unknown) => {
        o.logger.error({ err: (err as Error).message }, 'request failed');
        if (!res.headersSent)
          reply(res, 503, { ok: false, error: 'unavailable', message: 'internal error; the outcome is unknown' });
      });
    },
  );
}

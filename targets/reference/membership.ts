// The reference target's membership hook: takes a node out of the voters of every shard group it is a placement
// replica of, or puts it back, through each shard's leader (POST /admin/membership, docs/node.md). The node
// makes one single-server change at a time per group (Ongaro's dissertation §4.1-§4.2), so the hook's job is
// only to find the leader and keep asking: 421 names the leader (followed at once), 409 change-pending means
// another change is not yet committed or the new leader has not yet committed an entry of its own term (the
// fix to the single-server-change bug, Ongaro on raft-dev, 2015), 503 means the entry did not commit within the
// node's request timeout (outcome unknown; asking again gets the idempotent answer), and a connection error
// means that node is down or paused: all retried after a short backoff until the deadline. The request goes to
// the leader, never to the node being changed, so a node that is down or cut off can still be removed.
//
// 409 too-few-members (the removal would leave fewer than 2 voters) is a definite answer, not a failure: the
// shard is reported as refused and the others go ahead. 400 and 404 are definite too, and end the call.
//
// askVia is the other way to ask (Target.membership's `how.via`, for membership:split-minority): one request per
// shard to one named node, whatever it is, and what it answered comes back as data. The point is to ask a
// leader that a partition has left in a minority, which the leader-finding path above never does (it goes to
// the highest term); a correct node answers the first change 503 (it cannot commit) and a concurrent second one
// 409 change-pending (diss. §4.1: one change at a time), so neither refusal is an error here.
import { HttpClient } from '../../harness/net/http.js';
import type { MembershipOp, NodeHandle } from '../../harness/target/types.js';
import type { NodeStatus } from '../../system/node/api.js';
import { adminHeaders } from './admin-token.js';

export interface MembershipCallOptions {
  /** The whole call's deadline (every shard), ms. Default 15 s. */
  timeoutMs?: number;
  /** Wait before asking again after a 409, a 503 or no answer, ms. Default 100, doubling up to 800. */
  backoffMs?: number;
  /** One request's timeout, ms (a paused node never answers). Default 4000: longer than the node's 503. */
  requestTimeoutMs?: number;
  /** The run's admin token (admin-token.ts), sent as `Authorization: Bearer`; none for a hand-made cluster. */
  adminToken?: string;
}

export interface MembershipResult {
  node: string;
  op: MembershipOp;
  /** Shard → its voters once the change is in effect (sorted ids, as the leader answered). */
  shards: Record<string, string[]>;
  /** Shards whose configuration this call changed (the rest already were as asked). */
  changed: number[];
  /** Shards the leader refused (too-few-members), with the reason. */
  refused?: Record<string, string>;
  /** Answers that made the hook ask again, counted by kind ("409 change-pending", "503", "421", "no answer"). */
  retried?: Record<string, number>;
  [k: string]: unknown;
}

/** What the node asked answered for one shard: the HTTP status, or 'none' (no answer by the deadline). */
export interface DirectedAnswer {
  answered: number | 'none';
  /** The body's error ("change-pending", "not-leader", ...) or why there was no answer. */
  error?: string;
  /** 200: the voters once committed, and whether this request changed them. */
  members?: string[];
  changed?: boolean;
  /** How long the answer took, ms. */
  ms: number;
}

export interface DirectedResult {
  node: string;
  op: MembershipOp;
  via: string;
  /** Shard → what `via` answered. */
  answers: Record<string, DirectedAnswer>;
  /** The answer when every shard got the same one (the usual single-shard case), else 'mixed'. */
  answered: number | 'none' | 'mixed';
  [k: string]: unknown;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function statuses(http: HttpClient, nodes: NodeHandle[], timeoutMs: number): Promise<(NodeStatus | undefined)[]> {
  return Promise.all(
    nodes.map(async (n) => {
      try {
        const r = await http.call(`${n.url}/status`, 'GET', undefined, timeoutMs);
        return r.status === 200 ? (r.body as NodeStatus) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
}

/**
 * The leader of `shard` as the reachable nodes report it: a node leading it at the highest term, else the
 * leader most followers name.
 */
function leaderOf(sts: (NodeStatus | undefined)[], shard: number): string | undefined {
  let best: { id: string; term: number } | undefined;
  const named = new Map<string, number>();
  for (const s of sts) {
    for (const g of s?.groups ?? []) {
      if (g.group !== String(shard)) continue;
      if (g.role === 'leader' && (!best || g.term > best.term)) best = { id: s!.id, term: g.term };
      if (g.leader) named.set(g.leader, (named.get(g.leader) ?? 0) + 1);
    }
  }
  return best?.id ?? [...named.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** Changes `node`'s membership in every shard whose placement holds it; see the header. */
export async function changeMembership(
  nodes: NodeHandle[],
  op: MembershipOp,
  node: string,
  o: MembershipCallOptions = {},
): Promise<MembershipResult> {
  if (op !== 'remove' && op !== 'add')
    throw new Error(`membership: op must be remove or add, got ${JSON.stringify(op)}`);
  if (!nodes.some((n) => n.name === node))
    throw new Error(`membership ${op} ${node}: no such node; nodes: ${nodes.map((n) => n.name).join(', ')}`);
  const timeoutMs = o.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  const firstBackoff = o.backoffMs ?? 100;
  const reqMs = o.requestTimeoutMs ?? 4000;
  const http = new HttpClient();
  const urlOf = (id: string | null | undefined): string | undefined => nodes.find((n) => n.name === id)?.url;
  const what = `membership ${op} ${node}`;
  try {
    // Which shards: from the placement any reachable node reports (every node knows the whole placement).
    let sts = await statuses(http, nodes, Math.min(reqMs, 1000));
    let placement = sts.find((s) => s?.placement)?.placement;
    for (let wait = firstBackoff; !placement; wait = Math.min(2 * wait, 800)) {
      if (Date.now() + wait >= deadline)
        throw new Error(`${what}: no node answered /status with the placement within ${timeoutMs} ms`);
      await sleep(wait);
      sts = await statuses(http, nodes, Math.min(reqMs, 1000));
      placement = sts.find((s) => s?.placement)?.placement;
    }
    const shards = placement.flatMap((replicas, s) => (replicas.includes(node) ? [s] : []));

    const retried: Record<string, number> = {};
    const count = (why: string): void => {
      retried[why] = (retried[why] ?? 0) + 1;
    };
    const one = async (shard: number): Promise<{ members: string[]; changed: boolean } | { refused: string }> => {
      let url = urlOf(leaderOf(sts, shard));
      let wait = firstBackoff;
      let last = 'no leader known';
      let tried = 0;
      const replicas = placement[shard].map(urlOf).filter((u): u is string => u !== undefined);
      // relocate: the node asked is not (or no longer) the leader, so look where the others say it is now; after
      // a 409 or 503 the node asked is the leader (only a leader answers those), so it is asked again.
      const backoff = async (relocate: boolean): Promise<void> => {
        await sleep(Math.max(0, Math.min(wait, deadline - Date.now())));
        wait = Math.min(2 * wait, 800);
        if (!relocate) return;
        const fresh = urlOf(leaderOf(await statuses(http, nodes, Math.min(reqMs, 1000)), shard));
        url = fresh && fresh !== url ? fresh : replicas[tried++ % replicas.length];
      };
      while (Date.now() < deadline) {
        if (!url) {
          await backoff(true);
          continue;
        }
        let status: number;
        let body: Record<string, unknown>;
        try {
          const r = await http.call(
            `${url}/admin/membership`,
            'POST',
            { op, node, shard },
            Math.max(1, Math.min(reqMs, deadline - Date.now())),
            adminHeaders(o.adminToken),
          );
          status = r.status;
          body = (r.body && typeof r.body === 'object' ? r.body : {}) as Record<string, unknown>;
        } catch (e) {
          last = `no answer from ${url} (${(e as Error).message})`;
          count('no answer');
          await backoff(true);
          continue;
        }
        if (status === 200 && Array.isArray(body.members))
          return { members: body.members as string[], changed: body.changed !== false };
        if (status === 421) {
          // Not the leader: follow its hint at once when it names another node, else look again after a pause.
          const hint =
            urlOf(body.leader as string | null) ?? (typeof body.leaderUrl === 'string' ? body.leaderUrl : undefined);
          last = `421 not-leader from ${url}`;
          count('421');
          if (hint && hint !== url) {
            url = hint;
            continue;
          }
          await backoff(true);
          continue;
        }
        if (status === 409 && body.error === 'too-few-members') return { refused: 'too-few-members' };
        if (status === 409 || status === 503 || status >= 500) {
          last = `${status}${typeof body.error === 'string' ? ` ${body.error}` : ''}`;
          count(last);
          await backoff(false);
          continue;
        }
        if (status === 404)
          throw new Error(
            `${what}: shard ${shard}: ${url} has no POST /admin/membership (404): this node cannot change members`,
          );
        throw new Error(
          `${what}: shard ${shard}: ${url} answered ${status}${typeof body.error === 'string' ? ` ${body.error}` : ''}`,
        );
      }
      throw new Error(`${what}: shard ${shard}: not in effect within ${timeoutMs} ms (last: ${last})`);
    };

    const settled = await Promise.allSettled(shards.map(one));
    const out: MembershipResult = { node, op, shards: {}, changed: [] };
    const failed: string[] = [];
    settled.forEach((r, i) => {
      const s = shards[i];
      if (r.status === 'rejected') failed.push((r.reason as Error).message.split('\n')[0]);
      else if ('refused' in r.value) {
        out.refused ??= {};
        out.refused[s] = r.value.refused;
      } else {
        out.shards[s] = r.value.members;
        if (r.value.changed) out.changed.push(s);
      }
    });
    if (Object.keys(retried).length) out.retried = retried;
    if (failed.length) {
      const done = Object.keys(out.shards);
      throw new Error(
        `${failed[0]}${failed.length > 1 ? ` (and ${failed.length - 1} more shards)` : ''}` +
          `${done.length ? `; done: shards ${done.join(', ')}` : ''}`,
      );
    }
    return out;
  } finally {
    http.close();
  }
}

/**
 * A directed change (see the header): `op node` sent to `via` alone, once per shard whose placement holds `node`,
 * each request bounded by the call's deadline (default 3000 ms, longer than the node's 2 s request timeout so a
 * 503 is seen). Never follows 421 and never retries; resolves with every answer. Rejects (one line) only for a
 * bad op, an unknown node or `via`, or when no node reports the placement by the deadline.
 */
export async function askVia(
  nodes: NodeHandle[],
  op: MembershipOp,
  node: string,
  via: string,
  deadlineMs = 3000,
  adminToken?: string,
): Promise<DirectedResult> {
  if (op !== 'remove' && op !== 'add')
    throw new Error(`membership: op must be remove or add, got ${JSON.stringify(op)}`);
  const names = nodes.map((n) => n.name).join(', ');
  if (!nodes.some((n) => n.name === node)) throw new Error(`membership ${op} ${node}: no such node; nodes: ${names}`);
  const to = nodes.find((n) => n.name === via);
  if (!to) throw new Error(`membership ${op} ${node} via ${via}: no such node; nodes: ${names}`);
  const deadline = Date.now() + deadlineMs;
  const http = new HttpClient();
  try {
    // The placement from any node: client ports are never faulted, so even a cut-off node answers /status.
    let placement: string[][] | undefined;
    while (!placement) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `membership ${op} ${node} via ${via}: no node answered /status with the placement within ${deadlineMs} ms`,
        );
      placement = (await statuses(http, nodes, Math.min(left, 1000))).find((s) => s?.placement)?.placement;
      if (!placement) await sleep(Math.min(50, Math.max(0, deadline - Date.now())));
    }
    const shards = placement.flatMap((replicas, s) => (replicas.includes(node) ? [s] : []));
    const ask = async (shard: number): Promise<DirectedAnswer> => {
      const t0 = Date.now();
      const left = deadline - t0;
      if (left <= 0)
        return { answered: 'none', error: `deadline of ${deadlineMs} ms passed before the request`, ms: 0 };
      try {
        const r = await http.call(
          `${to.url}/admin/membership`,
          'POST',
          { op, node, shard },
          left,
          adminHeaders(adminToken),
        );
        const body = (r.body && typeof r.body === 'object' ? r.body : {}) as Record<string, unknown>;
        const a: DirectedAnswer = { answered: r.status, ms: Date.now() - t0 };
        if (typeof body.error === 'string') a.error = body.error;
        if (Array.isArray(body.members)) a.members = body.members as string[];
        if (typeof body.changed === 'boolean') a.changed = body.changed;
        return a;
      } catch (e) {
        return { answered: 'none', error: (e as Error).message.split('\n')[0], ms: Date.now() - t0 };
      }
    };
    const got = await Promise.all(shards.map(ask));
    const answers: Record<string, DirectedAnswer> = {};
    shards.forEach((s, i) => {
      answers[s] = got[i];
    });
    const kinds = new Set(got.map((a) => a.answered));
    return { node, op, via, answers, answered: kinds.size === 1 ? got[0].answered : 'mixed' };
  } finally {
    http.close();
  }
}

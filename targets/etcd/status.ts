// etcd's health and leadership as its client port reports them: GET /health ({"health":"true"} once the member
// has a leader and no alarm), POST /v3/maintenance/status ({header.member_id, leader, raftTerm}) and
// /v3/cluster/member/list (member id → name, the --name we gave it).
import { HttpClient, httpGet } from '../../harness/net/http.js';
import type { NodeHandle } from '../../harness/target/types.js';

/**
 * Healthy: every node (or, for the named ones, only that they answer /health at all: a member just restarted
 * inside a partition has no leader yet, and that is the nemesis's business) reports health "true".
 */
export async function health(nodes: NodeHandle[], names?: string[]): Promise<string | undefined> {
  const want = nodes.filter((n) => (names ?? nodes.map((x) => x.name)).includes(n.name));
  const answers = await Promise.all(want.map((n) => httpGet(`${n.url}/health`, 1000)));
  const silent = want.filter((_, i) => !answers[i]).map((n) => n.name);
  if (silent.length) return `no /health answer from ${silent.join(', ')}`;
  if (names) return undefined;
  const sick = want
    .filter((_, i) => (answers[i]!.body as { health?: string } | undefined)?.health !== 'true')
    .map((n) => n.name);
  return sick.length ? `not healthy (no leader yet?): ${sick.join(', ')}` : undefined;
}

interface Status {
  member: string;
  leader: string;
  term: number;
}

async function status(http: HttpClient, n: NodeHandle): Promise<Status | undefined> {
  try {
    const r = await http.call(`${n.url}/v3/maintenance/status`, 'POST', {}, 500);
    const b = r.body as { header?: { member_id?: string }; leader?: string; raftTerm?: string };
    if (r.status !== 200 || !b.leader || b.leader === '0') return undefined;
    return { member: String(b.header?.member_id), leader: String(b.leader), term: Number(b.raftTerm ?? 0) };
  } catch {
    return undefined;
  }
}

/** The node the highest-term answer names as leader (etcd has one Raft group: no per-key leaders). */
export async function leader(nodes: NodeHandle[]): Promise<string | undefined> {
  const http = new HttpClient();
  try {
    const sts = await Promise.all(nodes.map((n) => status(http, n)));
    let best: Status | undefined;
    for (const s of sts) if (s && (!best || s.term > best.term)) best = s;
    if (!best) return undefined;
    // A member's own status names it: no member list needed when the leader answered.
    const self = sts.findIndex((s) => s?.member === best!.leader);
    if (self >= 0) return nodes[self].name;
    for (const n of nodes) {
      try {
        const r = await http.call(`${n.url}/v3/cluster/member/list`, 'POST', {}, 500);
        const m = ((r.body as { members?: { ID?: string; name?: string }[] }).members ?? []).find(
          (x) => String(x.ID) === best.leader,
        );
        if (m?.name) return m.name;
      } catch {
        // try the next node
      }
    }
    return undefined;
  } finally {
    http.close();
  }
}

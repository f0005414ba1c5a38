// Reading the reference nodes' /status: cluster health (every node answers, every shard group knows a leader)
// and who leads (the whole cluster, or the shard a key hashes to).
import { httpGet } from '../../harness/net/http.js';
import type { NodeHandle } from '../../harness/target/types.js';
import type { NodeStatus } from '../../system/node/api.js';
import { shardOf } from '../../system/shard/placement.js';

export async function statuses(nodes: NodeHandle[], timeoutMs = 1000): Promise<(NodeStatus | undefined)[]> {
  return Promise.all(
    nodes.map(async (n) => {
      const r = await httpGet(`${n.url}/status`, timeoutMs);
      return r?.status === 200 ? (r.body as NodeStatus) : undefined;
    }),
  );
}

/**
 * Healthy: the named nodes (all when omitted) answer /status and some node knows a leader; with no names, also
 * every shard group on every node knows its leader (`ready`). A named node (one just restarted, maybe still cut
 * off) only has to answer.
 */
export async function health(nodes: NodeHandle[], names?: string[]): Promise<string | undefined> {
  const sts = await statuses(nodes);
  const want = names ?? nodes.map((n) => n.name);
  const missing = nodes.filter((n, i) => want.includes(n.name) && !sts[i]).map((n) => n.name);
  if (missing.length) return `no /status from ${missing.join(', ')}`;
  // A node that could not bind its port leaves the port to whoever has it: make sure our node answers.
  const strangers = nodes.flatMap((n, i) =>
    want.includes(n.name) && sts[i]!.id !== n.name ? [`${n.name} (answered as ${sts[i]!.id})`] : [],
  );
  if (strangers.length) return `another process answers on the port of ${strangers.join(', ')}`;
  if (names) return undefined;
  if (!sts.some((s) => s && (s.role === 'leader' || s.leader))) return 'no node reports a leader';
  if (!sts.every((s) => s?.ready !== false)) return 'some shards have no leader yet';
  return undefined;
}

/** The node leading the shard `key` hashes to (any group when no key), by the highest term reported. */
export async function leader(nodes: NodeHandle[], key?: string): Promise<string | undefined> {
  const sts = await statuses(nodes, 500);
  let best: { id: string; term: number } | undefined;
  for (const s of sts) {
    if (!s) continue;
    const group = key !== undefined && s.shards ? String(shardOf(key, s.shards)) : undefined;
    for (const g of s.groups ?? []) {
      if (group !== undefined && g.group !== group) continue;
      if (g.role === 'leader' && (!best || g.term > best.term)) best = { id: s.id, term: g.term };
    }
    if (!s.groups && s.role === 'leader' && (!best || s.term > best.term)) best = { id: s.id, term: s.term };
  }
  return best?.id;
}

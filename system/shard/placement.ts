// Keys → shards → replicas. shard = hash(key) mod S, with S fixed when the cluster is created (so a key never
// moves between shards); each shard's R replicas are the R nodes with the highest rendezvous weight
// hash(shard, node) (Thaler & Ravishankar's highest-random-weight hashing): adding or removing a node moves only
// the shards whose top R changes, and load spreads evenly without a ring or virtual nodes.

/** FNV-1a, 32 bits, then a murmur3 finalizer so nearby inputs spread over all bits. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function shardOf(key: string, shards: number): number {
  return hash32(key) % shards;
}

/** Rendezvous weight of a node for a shard: two independent 32-bit hashes make ties practically impossible. */
function weight(shard: number, node: string): number {
  return hash32(`${shard}/${node}`) * 4294967296 + hash32(`${node}#${shard}`);
}

/** The R nodes that hold a shard, highest weight first (the first is only a preference; Raft elects). */
export function replicasOf(shard: number, nodes: readonly string[], r: number): string[] {
  return [...nodes]
    .sort((a, b) => weight(shard, b) - weight(shard, a) || (a < b ? -1 : 1))
    .slice(0, Math.min(r, nodes.length));
}

export interface Placement {
  shards: number;
  replication: number;
  nodes: string[];
  /** shard → replica node ids */
  replicas: string[][];
}

export function place(nodes: readonly string[], shards: number, replication: number): Placement {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`shards must be a positive integer, got ${shards}`);
  if (!Number.isInteger(replication) || replication < 1)
    throw new Error(`replication must be a positive integer, got ${replication}`);
  if (replication > nodes.length) throw new Error(`replication ${replication} exceeds the ${nodes.length} nodes`);
  return {
    shards,
    replication,
    nodes: [...nodes],
    replicas: Array.from({ length: shards }, (_, s) => replicasOf(s, nodes, replication)),
  };
}

/** The shards a node hosts a replica of. */
export function shardsOn(p: Placement, node: string): number[] {
  return p.replicas.map((rs, s) => (rs.includes(node) ? s : -1)).filter((s) => s >= 0);
}

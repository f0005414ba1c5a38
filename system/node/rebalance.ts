// Shard leadership rebalancing. Elections land leaders wherever timers fire first, so after a storm (a node
// restart, a partition) one node can lead most shards and do most of the work. A node that leads at least two
// more shards than one of its followers in some group it leads hands that group over with a leadership
// transfer (TimeoutNow, diss. §3.10). Every transfer lowers the sum of squared lead counts, so the process
// ends, with the counts within one of each other wherever placement allows (so at most ceil(S/N) + 1).
// The counts come from the node heartbeats (each lists the groups its sender leads): a view at most one
// heartbeat interval old. Pure: the coordinator calls it and carries out the answer.
import type { NodeId } from '../raft/types.js';

export interface LedGroup {
  id: string;
  /** Followers that are caught up and on a live node (valid transfer targets). */
  candidates: NodeId[];
}

/** The transfer to make now, if any: the group whose best candidate leads the fewest shards. */
export function pickTransfer(
  myLeads: number,
  led: LedGroup[],
  leadsOf: (n: NodeId) => number,
): { group: string; to: NodeId } | undefined {
  let best: { group: string; to: NodeId; leads: number } | undefined;
  for (const g of led) {
    for (const c of g.candidates) {
      const l = leadsOf(c);
      if (myLeads - l < 2) continue;
      if (!best || l < best.leads || (l === best.leads && g.id < best.group)) best = { group: g.id, to: c, leads: l };
    }
  }
  return best && { group: best.group, to: best.to };
}

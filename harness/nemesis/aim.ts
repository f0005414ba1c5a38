// Where targeted faults aim: the leader of the shard the clients are hammering right now (ctx.hotKey(), then
// the target's leader(nodes, key)), where a deposed leader that has not noticed, a paused one that wakes past
// its election timeout, or a removed one that must step down (diss. §4.2.2) can answer wrongly. Shared by the
// kinds in faults.ts and membership.ts.
import type { FaultContext } from './kind.js';

/** The leader of the hot key's shard, else any leader, else a random node; says which it got. */
export async function hotLeader(ctx: FaultContext): Promise<{ node: string; key?: string; found: boolean }> {
  const key = ctx.hotKey();
  const l = (key !== undefined ? await ctx.leader(key) : undefined) ?? (await ctx.leader());
  return l ? { node: l, key, found: true } : { node: ctx.rnd.pick(ctx.nodes), key, found: false };
}

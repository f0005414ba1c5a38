// Where targeted faults aim: the leader of the shard the clients are hammering right now (ctx.hotKey(), then
// the target's leader(nodes, key)), where a deposed leader that has not noticed, a paused one that wakes past
// its election timeout, or a removed one that must step down (diss. §4.2.2) can answer wrongly. Shared by the
// kinds in faults.ts and membership.ts.
import { shuffle } from './grudge.js';
import type { FaultContext } from './kind.js';

/** The leader of the hot key's shard, else any leader, else a random node; says which it got. */
export async function hotLeader(ctx: FaultContext): Promise<{ node: string; key?: string; found: boolean }> {
  const key = ctx.hotKey();
  const l = (key !== undefined ? await ctx.leader(key) : undefined) ?? (await ctx.leader());
  return l ? { node: l, key, found: true } : { node: ctx.rnd.pick(ctx.nodes), key, found: false };
}

/** How many nodes a fault takes: one, a minority (at least one), a majority, or all of them. */
export type Aim = 'one' | 'minority' | 'majority' | 'all';
export const AIMS: readonly Aim[] = ['one', 'minority', 'majority'];

/** The largest minority of n nodes (at least one: a single node of a two-node cluster is hit anyway). */
export const minority = (n: number): number => Math.max(1, Math.floor((n - 1) / 2));

/** The victims of `aim`, drawn from the seed. */
export function aimAt(ctx: FaultContext, aim: Aim): string[] {
  const n = ctx.nodes.length;
  const k = aim === 'one' ? 1 : aim === 'minority' ? minority(n) : aim === 'majority' ? Math.floor(n / 2) + 1 : n;
  return shuffle(ctx.nodes, ctx.rnd).slice(0, k);
}

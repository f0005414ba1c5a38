// The `membership` fault kind: removes nodes from the cluster's voting membership during the run and adds them
// back, through the target's membership hook (Target.membership, bound to the run as ctx.membership). Jepsen's
// membership nemesis does the same to etcd, Consul and others; what it stresses is Raft's configuration change
// (Ongaro's dissertation §4): a removed leader that must manage the cluster while not part of it and then step
// down (diss. §4.2.2), a node that must stop counting as a voter the moment the new configuration is in its
// log (diss. §4.1), and a second change that must wait until the first is committed (diss. §4.1; the
// single-server-change bug found in 2015 needs the leader to commit an entry of its own term first).
//
//   remove-one     a random node out, back in at stop
//   remove-leader  the leader of the shard the clients are hammering (ctx.leader(hotKey)): diss. §4.2.2
//   churn          (opt-in) rounds of two nodes removed at once, without waiting for one change before
//                  asking the next, then both re-added, back to back for the fault window: a server that
//                  accepts a change while another is pending is caught; a correct one answers 409 and the
//                  hook asks again
//   split-minority (opt-in) the hot shard's leader L and one other node are cut from the rest (the largest
//                  minority: L plus ⌊(n-1)/2⌋-1 others), then L alone is asked at once, concurrently, to remove
//                  n-2m+1 nodes of the majority side (two of five), through the hook's directed path (how.via:
//                  that node only, a few seconds, answers as data). This is the case docs/node.md describes for
//                  the planted bug conf-concurrent: L's configuration {L, a, e} would have the majority {L, a},
//                  disjoint from {b, d, e}, a majority of the one the other side still uses, so two leaders
//                  commit (diss. §4.1). A correct L cannot commit the first (no majority: 503 or no answer) and
//                  refuses the second while the first is pending (409 change-pending). stop heals the cut, then
//                  re-adds the nodes asked about through the ordinary hook (idempotent when nothing was removed).
//                  Its cut is the runtime's whole grudge, as the partition kind's is: composed with a partition
//                  package, whichever cut comes later replaces the other, and either's heal ends both.
//
// At most one membership fault is active at a time (one package, one lane), and remove-one/remove-leader take
// out one node, so with three replicas per shard no shard drops below two voters; churn's second removal may
// ask for fewer, which the node refuses (409 too-few-members) and the hook reports as refused.
// heal re-adds every node everywhere: idempotent, and it goes through the leaders, so down nodes are fine.
import { hotLeader } from './aim.js';
import type { ActiveFault, FaultContext, FaultKind } from './kind.js';
import { describeGrudge, shuffle, split } from './grudge.js';

type Change = NonNullable<FaultContext['membership']>;

function hookOf(ctx: FaultContext): Change {
  if (!ctx.membership)
    throw new Error('the target has no membership hook (Target.membership), so members cannot be removed and re-added');
  return ctx.membership;
}

/** remove-leader's aim, as the other targeted kinds record it (hotKey, leaderFound). */
async function aimAtLeader(ctx: FaultContext): Promise<{ node: string; hotKey?: string; leaderFound: boolean }> {
  const t = await hotLeader(ctx);
  return { node: t.node, ...(t.key !== undefined ? { hotKey: t.key } : {}), leaderFound: t.found };
}

/** Runs one change, recording it (or its one-line error) instead of throwing. */
async function attempt(change: Change, op: 'remove' | 'add', node: string): Promise<Record<string, unknown>> {
  try {
    return await change(op, node);
  } catch (e) {
    return { node, op, error: (e as Error).message.split('\n')[0] };
  }
}

/** Rounds of churn between start and stop; `max` bounds them so a long window is not one long storm. */
const CHURN_MAX_ROUNDS = 4;

async function churn(
  ctx: FaultContext,
  change: Change,
): Promise<{ value: Record<string, unknown>; stop(): Promise<Record<string, unknown>> }> {
  const touched = new Set<string>();
  const rounds: Record<string, unknown>[][] = [];
  let stopping = false;
  const pair = (): string[] => shuffle(ctx.nodes, ctx.rnd).slice(0, Math.min(2, ctx.nodes.length));
  // Both removals are asked for together: on every shard the two share, the second arrives while the first is pending.
  const removeBoth = async (nodes: string[]): Promise<Record<string, unknown>[]> => {
    for (const n of nodes) touched.add(n);
    return Promise.all(nodes.map((n) => attempt(change, 'remove', n)));
  };
  const first = pair();
  const firstRemoved = await removeBoth(first);
  rounds.push(firstRemoved);
  const loop = (async () => {
    let nodes = first;
    for (let r = 1; ; r++) {
      rounds[rounds.length - 1].push(...(await Promise.all(nodes.map((n) => attempt(change, 'add', n)))));
      if (stopping || r >= CHURN_MAX_ROUNDS) return;
      nodes = pair();
      rounds.push(await removeBoth(nodes));
    }
  })();
  return {
    value: { shape: 'churn', nodes: first, changes: firstRemoved },
    stop: async () => {
      stopping = true;
      await loop;
      // Whatever a round left out (an error, a removal that landed after its add was refused) goes back in.
      const readded = await Promise.all([...touched].map((n) => attempt(change, 'add', n)));
      const failed = readded.filter((r) => r.error !== undefined).map((r) => String(r.error));
      if (failed.length) throw new Error(`churn could not re-add every node: ${failed.join('; ')}`);
      return { rounds, readded };
    },
  };
}

/** How long split-minority waits for the minority leader's answers: past the node's 2 s request timeout (503). */
export const SPLIT_DEADLINE_MS = 3000;

/**
 * split-minority's plan, pure: the minority side (the leader first, then the first others of `order`) and the
 * majority-side nodes to remove, enough that the minority side is a majority of what is left: with m on the
 * minority side of n, removing k = n-2m+1 leaves n-k = 2m-1 voters, of which m is a majority.
 */
export function splitPlan(
  leader: string,
  nodes: readonly string[],
  order: readonly string[],
): { side: string[]; rest: string[]; remove: string[] } {
  const m = Math.max(1, Math.floor((nodes.length - 1) / 2));
  const others = order.filter((n) => n !== leader && nodes.includes(n));
  const side = [leader, ...others.slice(0, m - 1)];
  const rest = others.slice(m - 1);
  return { side, rest, remove: rest.slice(0, Math.min(rest.length, nodes.length - 2 * m + 1)) };
}

async function splitMinority(ctx: FaultContext, change: Change): Promise<ActiveFault> {
  if (ctx.nodes.length < 3) throw new Error(`split-minority needs at least 3 nodes, got ${ctx.nodes.length}`);
  const aim = await aimAtLeader(ctx);
  const plan = splitPlan(aim.node, ctx.nodes, shuffle(ctx.nodes, ctx.rnd));
  const grudge = split(plan.side, ctx.nodes);
  await ctx.runtime.partition(grudge);
  // At once and together, so the second arrives while the first is pending: the one thing a correct leader
  // refuses and the planted bug accepts.
  const changes = await Promise.all(
    plan.remove.map(async (n) => {
      try {
        return await change('remove', n, { via: aim.node, deadlineMs: SPLIT_DEADLINE_MS });
      } catch (e) {
        return { node: n, op: 'remove', via: aim.node, error: (e as Error).message.split('\n')[0] };
      }
    }),
  );
  return {
    value: {
      shape: 'split-minority',
      ...aim,
      side: plan.side,
      grudge,
      cut: describeGrudge(grudge),
      removals: plan.remove,
      changes,
    },
    stop: async () => {
      // Heal first: the re-adds go through whichever leader the whole cluster then follows.
      await ctx.runtime.heal();
      const readded = await Promise.all(plan.remove.map((n) => attempt(change, 'add', n)));
      const failed = readded.filter((r) => r.error !== undefined).map((r) => String(r.error));
      if (failed.length)
        throw new Error(`split-minority healed the cut but could not re-add every node: ${failed.join('; ')}`);
      return { healed: true, readded: plan.remove, changes: readded };
    },
  };
}

export const membershipFault: FaultKind = {
  name: 'membership',
  shapes: ['remove-one', 'remove-leader'],
  optIn: ['churn', 'split-minority'],
  async start(ctx, shape) {
    const change = hookOf(ctx);
    if (shape === 'churn') return churn(ctx, change);
    if (shape === 'split-minority') return splitMinority(ctx, change);
    const aim = shape === 'remove-leader' ? await aimAtLeader(ctx) : { node: ctx.rnd.pick(ctx.nodes) };
    const removed = await change('remove', aim.node);
    return {
      value: { shape, ...aim, changes: [removed] },
      stop: async () => ({ readded: aim.node, changes: [await change('add', aim.node)] }),
    };
  },
  async heal(ctx) {
    const change = hookOf(ctx);
    const failed: string[] = [];
    for (const n of ctx.nodes) {
      try {
        await change('add', n);
      } catch (e) {
        failed.push((e as Error).message.split('\n')[0]);
      }
    }
    if (failed.length) throw new Error(`could not re-add every member: ${failed.join('; ')}`);
  },
};

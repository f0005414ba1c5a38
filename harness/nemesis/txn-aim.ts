// Faults aimed at two-phase commit (issue 21): at the groups of a transaction in flight right now. A
// transaction's coordinator group is its first key's shard (docs/txn.md: the record lives there and that
// group's leader drives the protocol); its participants are the shards of its other keys. Two shapes:
//   kill:txn-coordinator, pause:txn-coordinator   the leader of the coordinator group of a transaction in flight:
//       a coordinator that dies between its votes and its logged decision must leave its participants to ask
//       the log (in-doubt resolution), and must never have told its client anything the log does not say
//   partition:txn-participants   that leader cut off, both ways, from the leaders of the transaction's other
//       shards only (everyone else still hears both): prepares, votes and resolves are lost while every group
//       keeps its quorum, so the protocol's timeouts, retries and recovery decide the outcome
//   partition:txn-coordinator   the reverse: that leader cut off from every node except the leaders of the
//       transaction's other shards. Votes still reach it, but unless those leaders are also its own group's
//       followers its group has lost its quorum: the commit point, where the decision must be logged before
//       anyone is told, is exactly what breaks (a coordinator that answers first loses acknowledged commits)
// Leaders come from the target's leader hook per key (Target.leader(nodes, key)). With no transaction in flight
// (another workload, or a quiet moment) the shapes aim as hot-leader and isolate-hot-leader do (aim.ts).
import { isTxnValue } from '../history/txn.js';
import type { Grudge } from '../runtime/types.js';
import { hotLeader } from './aim.js';
import type { FaultContext } from './kind.js';
import { isolate, shuffle } from './grudge.js';

export const TXN_COORDINATOR = 'txn-coordinator';
export const TXN_PARTICIPANTS = 'txn-participants';

/** The distinct keys of each transaction in flight, in micro-op order (the first is the coordinator's). */
export function inFlightTxnKeys(ctx: FaultContext): string[][] {
  const out: string[][] = [];
  for (const op of ctx.inFlight?.() ?? []) {
    if (op.f !== 'txn' || !isTxnValue(op.value)) continue;
    const keys: string[] = [];
    for (const m of op.value as unknown[][]) if (!keys.includes(String(m[1]))) keys.push(String(m[1]));
    out.push(keys);
  }
  return out;
}

/** The leader of the coordinator group of a transaction in flight (else the hot leader), and what was aimed at. */
export async function txnCoordinator(ctx: FaultContext): Promise<{ node: string; value: Record<string, unknown> }> {
  const txns = inFlightTxnKeys(ctx);
  if (txns.length === 0) {
    const h = await hotLeader(ctx);
    return { node: h.node, value: { inFlight: false, leaderFound: h.found } };
  }
  const keys = ctx.rnd.pick(txns);
  const l = await ctx.leader(keys[0]);
  return {
    node: l ?? ctx.rnd.pick(ctx.nodes),
    value: { inFlight: true, txnKeys: keys, coordinatorKey: keys[0], leaderFound: l !== undefined },
  };
}

/**
 * A transaction in flight whose other groups have leaders other than its coordinator group's (preferred at random
 * among those in flight): the coordinator leader and those participant leaders, or undefined.
 */
async function spread(
  ctx: FaultContext,
): Promise<{ keys: string[]; coordinator: string; others: string[] } | undefined> {
  for (const keys of shuffle(inFlightTxnKeys(ctx), ctx.rnd).filter((k) => k.length > 1)) {
    const leaders = await Promise.all(keys.map((k) => ctx.leader(k)));
    const coordinator = leaders[0];
    if (coordinator === undefined) continue;
    const others = [...new Set(leaders.slice(1).filter((l): l is string => l !== undefined && l !== coordinator))];
    if (others.length > 0) return { keys, coordinator, others };
  }
  return undefined;
}

/**
 * partition:txn-participants (`coordinator: false`): the coordinator group's leader of a transaction in flight cut
 * from its other groups' leaders. partition:txn-coordinator (`coordinator: true`): that leader cut from everyone
 * else instead. With no such transaction in flight, the hot leader is isolated.
 */
export async function txnPartition(
  ctx: FaultContext,
  coordinator: boolean,
): Promise<{ grudge: Grudge; value: Record<string, unknown> }> {
  const t = await spread(ctx);
  if (t) {
    const cut = coordinator ? ctx.nodes.filter((n) => n !== t.coordinator && !t.others.includes(n)) : t.others;
    if (cut.length > 0) {
      const grudge: Grudge = { [t.coordinator]: cut };
      for (const o of cut) grudge[o] = [t.coordinator];
      return {
        grudge,
        value: { inFlight: true, txnKeys: t.keys, coordinator: t.coordinator, participants: t.others },
      };
    }
  }
  const h = await hotLeader(ctx);
  return { grudge: isolate(h.node, ctx.nodes), value: { inFlight: false, target: h.node, leaderFound: h.found } };
}

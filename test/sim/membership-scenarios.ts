// Membership changes in the simulation (single-server changes, Ongaro's dissertation §4): random additions and
// removals of voters under partitions, crashes, message loss and snapshots, with every Figure 3 check of the
// cluster on; and directed stories for the rules that keep them safe: a change is refused while another is
// uncommitted or before the leader committed an entry of its term (diss. §4.1, the 2015 fix), a removed leader
// manages the cluster without counting itself and steps down once the change commits (diss. §4.2.2), and a
// removed server does not disrupt the cluster (diss. §4.2.3). The story `concurrentChanges` turns the planted
// bug conf-concurrent (two changes in flight) into two disjoint majorities.
import { RELIABLE, SimCluster, UNRELIABLE, type ClusterOptions } from './cluster.js';
import { MultiCluster } from './multi.js';
import type { ScenarioContext } from './scenarios.js';
import type { NodeId } from '../../system/raft/types.js';

function cluster(ctx: ScenarioContext, n: number, extra: Partial<ClusterOptions> = {}): SimCluster {
  return new SimCluster({ seed: ctx.seed, n, bugs: ctx.bugs, ...extra });
}

function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

let seq = 0;
const cmd = (): string => `m${++seq}`;

/** The voters as the live leader of the highest term sees them. */
function voters(c: SimCluster): NodeId[] {
  const l = c.checkOneLeader(2000);
  return c.raft(l).peers;
}

/** Adds every server back, one change at a time, retrying through elections and pending changes. */
function restoreAll(c: SimCluster): void {
  for (let k = 0; k < 200; k++) {
    const vs = voters(c);
    const missing = c.ids.filter((id) => !vs.includes(id));
    if (missing.length === 0) return;
    c.changeMembership({ op: 'add', node: missing[0] });
    c.run(10);
  }
  throw new Error(`could not add every server back: voters ${voters(c).join(',')}`);
}

/** Random changes, partitions, crashes and writes; then heal, restore the configuration, and agree on everyone. */
function churn(ctx: ScenarioContext, o: { n: number; unreliable: boolean; snapshotEvery: number }): void {
  const c = cluster(ctx, o.n, { net: o.unreliable ? UNRELIABLE : RELIABLE, snapshotEvery: o.snapshotEvery });
  c.one(cmd(), o.n, true, 3000);
  for (let iter = 0; iter < 80; iter++) {
    for (let k = 0; k < 2; k++) c.propose(cmd());
    const r = c.rnd.float();
    const s = c.rnd.pick(c.ids);
    if (c.rnd.chance(0.4)) {
      // A change on whoever leads: remove a random voter (never below 2) or add a random non-voter.
      const leaders = c.leaders();
      if (leaders.length > 0) {
        const l = c.rnd.pick(leaders);
        const vs = c.raft(l).peers;
        const out = c.ids.filter((id) => !vs.includes(id));
        const add = out.length > 0 && (vs.length <= 2 || c.rnd.chance(0.5));
        if (add) c.changeMembership({ op: 'add', node: c.rnd.pick(out) }, l);
        else c.changeMembership({ op: 'remove', node: c.rnd.pick(vs) }, l);
      }
    }
    if (r < 0.1) c.disconnect(s);
    else if (r < 0.25) c.connect(s);
    else if (r < 0.32) c.crash(s);
    else if (r < 0.45) c.start(s);
    else if (r < 0.5) {
      const cut = c.rnd.int(1, o.n);
      const shuffled = [...c.ids].sort(() => c.rnd.float() - 0.5);
      c.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
    } else if (r < 0.55) c.connectAll();
    c.run(c.rnd.int(1, 10));
  }
  c.net = RELIABLE;
  c.connectAll();
  for (const id of c.ids) c.start(id);
  restoreAll(c);
  // One more removal and re-addition on the healed cluster, so every seed changes the configuration at least
  // once (a seed whose faults left no leader for long may have had no change accepted above).
  const victim = c.rnd.pick(c.ids);
  for (let k = 0; k < 100 && voters(c).includes(victim); k++) {
    c.changeMembership({ op: 'remove', node: victim });
    c.run(10);
  }
  check(!voters(c).includes(victim), `${victim} could not be removed from a healed cluster`);
  restoreAll(c);
  // Every server, removed and re-added ones included, ends up with the whole committed log.
  c.one(cmd(), o.n, true, 5000);
}

export const membershipScenarios: Record<string, (ctx: ScenarioContext) => void> = {
  membershipChurn(ctx) {
    churn(ctx, { n: 5, unreliable: false, snapshotEvery: 0 });
  },

  membershipChurnUnreliable(ctx) {
    churn(ctx, { n: 5, unreliable: true, snapshotEvery: 7 });
  },

  membershipChurnSmall(ctx) {
    churn(ctx, { n: 3, unreliable: true, snapshotEvery: 5 });
  },

  /** Diss. §4.1: one change at a time, and only after the leader committed an entry of its term. */
  confPendingRefused(ctx) {
    const c = cluster(ctx, 5);
    // A fresh leader whose no-op is not yet committed refuses a change (the 2015 fix).
    c.until(() => c.leaders().length > 0, 1000);
    const fresh = c.leaders()[0];
    check(fresh !== undefined, 'no leader');
    if (c.raft(fresh).log.committed < c.raft(fresh).log.lastIndex()) {
      const early = c.changeMembership({ op: 'remove', node: c.others(fresh)[0] }, fresh);
      check(
        !early.ok && early.reason === 'pending',
        `a leader that committed nothing of its term accepted a change: ${JSON.stringify(early)}`,
      );
    }
    c.one(cmd(), 5);
    const l = c.checkOneLeader();
    const [a, b, d, e] = c.others(l);
    // Cut the leader off from all but one: its change cannot commit, and a second one must be refused.
    c.partition([
      [l, a],
      [b, d, e],
    ]);
    const first = c.changeMembership({ op: 'remove', node: b }, l);
    check(first.ok, `first change refused: ${JSON.stringify(first)}`);
    check(
      c.raft(l).peers.join() === [l, a, d, e].sort().join(),
      `the leader does not use its uncommitted configuration: ${c.raft(l).peers}`,
    );
    const second = c.changeMembership({ op: 'remove', node: d }, l);
    check(
      !second.ok && second.reason === 'pending',
      `a second change was accepted while one is uncommitted: ${JSON.stringify(second)}`,
    );
    check(!c.raft(l).quiesce(), 'the leader quiesced with a configuration change uncommitted');
    // Asking again for the pending state is not an answer either: it is not committed.
    const again = c.changeMembership({ op: 'remove', node: b }, l);
    check(
      !again.ok && again.reason === 'pending',
      `a repeat of the uncommitted change answered ${JSON.stringify(again)}`,
    );
    c.connectAll();
    restoreAll(c);
    c.one(cmd(), 5, true, 3000);
  },

  /** Diss. §4.2.2: a leader that removes itself does not count itself, then steps down once the change commits. */
  removedLeaderStepsDown(ctx) {
    const c = cluster(ctx, 3);
    c.one(cmd(), 3);
    const l = c.checkOneLeader();
    const [f1, f2] = c.others(l);
    c.disconnect(f2);
    const res = c.changeMembership({ op: 'remove', node: l }, l);
    check(res.ok, `self-removal refused: ${JSON.stringify(res)}`);
    const idx = res.ok ? res.index : 0;
    // Old majority {l, f1} holds the entry, but the new configuration {f1, f2} needs f2: not committed.
    c.run(5);
    check(
      c.raft(l).log.committed < idx,
      `the removal committed without the new configuration's majority (commit ${c.raft(l).log.committed} >= ${idx})`,
    );
    c.connect(f2);
    // Committed, by l itself or (when check quorum deposed l first, as it counts only f1 and f2) by f1 or f2.
    check(
      c.until(() => c.committed.has(idx), 500),
      'the removal never committed',
    );
    c.run(1);
    check(c.raft(l).role !== 'leader', 'the removed leader did not step down after the change committed');
    const l2 = c.checkOneLeader(1000);
    check(l2 !== l, 'the removed server leads again');
    const term = c.raft(l2).term;
    c.one(cmd(), 2);
    // Diss. §4.2.3: the removed server neither campaigns nor disrupts the new configuration.
    c.run(200);
    check(c.raft(l).role === 'follower', `the removed server is ${c.raft(l).role}`);
    check(c.raft(l2).role === 'leader' && c.raft(l2).term === term, 'the removed server disrupted the new leader');
    // Back in: it catches up from its old log.
    restoreAll(c);
    c.one(cmd(), 3, true, 3000);
    check(c.raft(f1).peers.length === 3, `f1 still sees voters ${c.raft(f1).peers}`);
  },

  /**
   * Two changes in flight (diss. §4.1's warning): {l, a} cut off from {b, d, e}; the leader removes b, then d.
   * Its configuration {l, a, e} has the majority {l, a}, disjoint from the old configuration's majority
   * {b, d, e}: both commit different entries at the same index. With the rule, the second change is refused and
   * the minority commits nothing.
   */
  concurrentChanges(ctx) {
    const c = cluster(ctx, 5);
    c.one(cmd(), 5);
    const l = c.checkOneLeader();
    const [a, b, d, e] = c.others(l);
    c.partition([
      [l, a],
      [b, d, e],
    ]);
    c.changeMembership({ op: 'remove', node: b }, l);
    c.changeMembership({ op: 'remove', node: d }, l);
    for (let i = 0; i < 3; i++) c.propose(cmd(), l);
    // The majority side elects its own leader, which commits its no-op and a command at the same indexes.
    check(
      c.until(() => [b, d, e].some((x) => c.raft(x).role === 'leader'), 300),
      `no leader among ${[b, d, e].join(',')}`,
    );
    const m = [b, d, e].find((x) => c.raft(x).role === 'leader')!;
    c.propose(cmd(), m);
    c.run(50);
    c.connectAll();
    restoreAll(c);
    c.one(cmd(), 5, true, 3000);
  },
};

/** The voters of group `g` as its leader sees them (undefined without a leader). */
function groupVoters(c: MultiCluster, g: string): NodeId[] | undefined {
  const l = c.leaderOf(g);
  return l ? c.replica(l, g)!.raft.peers : undefined;
}

/**
 * Multi-Raft with membership changes: 8 groups of 3 replicas on 5 nodes, with the real Coordinator (coalesced
 * heartbeats, quiescence, rebalancing). Voters become a subset of a group's placement; rebalancing must hand
 * leadership to voters only, a non-voter never leads, and a group with a removed replica still quiesces (the
 * removed replica's campaigns must not keep it awake).
 */
membershipScenarios.multiMembership = (ctx) => {
  const c = new MultiCluster({
    seed: ctx.seed,
    nodes: 5,
    groups: 8,
    snapshotEvery: 20,
    net: { ...UNRELIABLE, drop: 0.02, longDelayRate: 0.01 },
  });
  check(
    c.until(() => c.allHaveLeaders(), 600),
    'not every group elected a leader',
  );
  let changes = 0;
  const leadersAreVoters = (): void => {
    for (const g of c.groupIds) {
      for (const id of c.replicasOf.get(g)!) {
        const r = c.replica(id, g);
        // A leader outside its configuration only while the entry removing it is uncommitted (diss. §4.2.2).
        if (r && r.raft.role === 'leader' && !r.raft.peers.includes(id) && !r.raft.status().confPending) {
          throw new Error(`group ${g}: ${id} leads without being a voter (voters ${r.raft.peers})`);
        }
      }
    }
  };
  for (let iter = 0; iter < 100; iter++) {
    for (const g of c.groupIds) if (c.rnd.chance(0.3)) c.propose(g, `${g}-${++seq}`);
    if (c.rnd.chance(0.4)) {
      const g = c.rnd.pick(c.groupIds);
      const vs = groupVoters(c, g);
      if (vs) {
        const out = c.replicasOf.get(g)!.filter((id) => !vs.includes(id));
        const res =
          out.length > 0
            ? c.changeMembership(g, { op: 'add', node: out[0] })
            : c.changeMembership(g, { op: 'remove', node: c.rnd.pick(vs) });
        if (res.ok) changes++;
      }
    }
    const r = c.rnd.float();
    const id = c.rnd.pick(c.ids);
    if (r < 0.06) c.crash(id);
    else if (r < 0.3) c.start(id);
    else if (r < 0.34) c.partition([[id], c.ids.filter((x) => x !== id)]);
    else if (r < 0.45) c.connectAll();
    c.run(c.rnd.int(1, 8));
    leadersAreVoters();
    if (c.ids.filter((x) => !c.nodes.get(x)!.up).length > 1) for (const x of c.ids) c.start(x);
  }
  check(changes > 0, 'no membership change was accepted');
  c.net = { ...UNRELIABLE, drop: 0, duplicate: 0, longDelayRate: 0 };
  c.connectAll();
  for (const id of c.ids) c.start(id);
  // Group 0 down to two voters, then idle: it must quiesce like the others. The removed replica is down while
  // it is removed, so it never learns of it and campaigns (pre-vote) forever once back (diss. §4.2.3).
  const g0 = c.groupIds[0];
  fillGroup(c, g0);
  const victim = c.replicasOf.get(g0)!.find((v) => v !== c.leaderOf(g0))!;
  c.crash(victim);
  for (let k = 0; k < 100 && (groupVoters(c, g0)?.length ?? 3) !== 2; k++) {
    const vs = groupVoters(c, g0);
    if (vs && vs.length === 3) c.changeMembership(g0, { op: 'remove', node: victim });
    c.run(10);
  }
  check(groupVoters(c, g0)?.length === 2, 'group 0 could not be shrunk to two voters');
  c.run(50);
  c.start(victim);
  const q0 = (): boolean => {
    const l = c.leaderOf(g0);
    return l !== undefined && c.replica(l, g0)!.raft.quiesced;
  };
  check(c.until(q0, 300), `group 0 (voters ${groupVoters(c, g0)}) did not quiesce with a removed replica`);
  // And stays quiesced while the removed replica keeps campaigning. Rebalancing may still hand the group over
  // (a transfer wakes it and moves to a new term); count the wakes that end in the same term.
  const term0 = (): number => c.replica(c.leaderOf(g0)!, g0)!.raft.term;
  let wokeIn: number | undefined;
  let idleWakes = 0;
  for (let t = 0; t < 300; t++) {
    c.step();
    const q = q0();
    if (!q && wokeIn === undefined && c.leaderOf(g0)) wokeIn = term0();
    if (q && wokeIn !== undefined) {
      if (term0() === wokeIn) idleWakes++;
      wokeIn = undefined;
    }
  }
  // Any late message wakes a quiesced member (a stale AppResp after a transfer does, once); the removed
  // replica's pre-votes, every election timeout, would wake it 5 to 15 times in 300 ticks.
  check(idleWakes <= 2, `group 0 woke ${idleWakes} times in 300 idle ticks (voters ${groupVoters(c, g0)})`);
  leadersAreVoters();
  // Everyone back in, and every group agrees on a new write with all three replicas.
  for (const g of c.groupIds) {
    fillGroup(c, g);
    c.one(g, `${g}-${++seq}`, 3, 3000);
  }
  c.checkAcked();
};

/** Adds every placement replica of `g` back as a voter, retrying through elections and pending changes. */
function fillGroup(c: MultiCluster, g: string): void {
  for (let k = 0; k < 100; k++) {
    const vs = groupVoters(c, g);
    const out = vs ? c.replicasOf.get(g)!.filter((id) => !vs.includes(id)) : [];
    if (vs && out.length === 0) return;
    if (vs) c.changeMembership(g, { op: 'add', node: out[0] });
    c.run(10);
  }
  throw new Error(`group ${g}: could not add every replica back (voters ${groupVoters(c, g)})`);
}

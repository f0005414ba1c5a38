// The named scenarios, after the MIT 6.5840 Raft lab suite (2A–2D), run against our pure core in the seeded
// simulation. Each takes a seed and throws on failure; the cluster itself throws SafetyViolation the moment a
// Figure 3 property breaks. Time is in ticks: election timeout 10–20 ticks, heartbeat every tick.
import { RELIABLE, SimCluster, UNRELIABLE, type ClusterOptions } from './cluster.js';
import { membershipScenarios } from './membership-scenarios.js';
import { multiScenarios } from './multi-scenarios.js';
import { txnScenarios } from './txn-scenarios.js';

export interface ScenarioContext {
  seed: number;
  bugs?: string[];
}

export type Scenario = (ctx: ScenarioContext) => void;

function cluster(ctx: ScenarioContext, n: number, extra: Partial<ClusterOptions> = {}): SimCluster {
  return new SimCluster({ seed: ctx.seed, n, bugs: ctx.bugs, ...extra });
}

function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

let cmdSeq = 0;
const cmd = (): string => `c${++cmdSeq}`;

export const scenarios: Record<string, Scenario> = {
  initialElection(ctx) {
    const c = cluster(ctx, 3);
    c.checkOneLeader();
    const t1 = c.checkTerms();
    check(t1 >= 1, `term is ${t1} after the election`);
    // Without failures, leadership and term stay put.
    c.run(100);
    const t2 = c.checkTerms();
    check(t1 === t2, `term changed from ${t1} to ${t2} with no failures`);
    c.checkOneLeader();
  },

  reElection(ctx) {
    const c = cluster(ctx, 3);
    const l1 = c.checkOneLeader();
    c.disconnect(l1);
    c.checkOneLeader();
    // The old leader rejoins: it must not disturb the new one (one leader remains).
    c.connect(l1);
    const l2 = c.checkOneLeader();
    // Pre-vote (diss. §9.6): a follower cut off for many election timeouts must not inflate its term, so its
    // return leaves the leader and the term alone.
    c.run(20);
    const term = c.raft(l2).term;
    const f = c.others(l2)[0];
    const fTerm = c.raft(f).term;
    c.disconnect(f);
    c.run(200);
    check(c.raft(f).term === fTerm, `an isolated follower's term grew from ${fTerm} to ${c.raft(f).term}`);
    c.connect(f);
    c.run(50);
    check(c.raft(l2).role === 'leader' && c.raft(l2).term === term, 'a rejoining follower disturbed the leader');
    // No quorum: no leader may be elected.
    c.disconnect(l2);
    c.disconnect(c.others(l2)[0]);
    c.run(100);
    c.checkNoLeader();
    c.connect(c.others(l2)[0]);
    c.checkOneLeader();
    c.connect(l2);
    c.checkOneLeader();
  },

  manyElections(ctx) {
    const c = cluster(ctx, 7);
    c.checkOneLeader();
    for (let it = 0; it < 10; it++) {
      const down = new Set<string>();
      while (down.size < 3) down.add(c.rnd.pick(c.ids));
      for (const id of down) c.disconnect(id);
      c.checkOneLeader();
      for (const id of down) c.connect(id);
    }
    c.checkOneLeader();
  },

  basicAgree(ctx) {
    const c = cluster(ctx, 3);
    c.checkOneLeader();
    for (let i = 0; i < 3; i++) {
      const next = c.maxCommitted + 1;
      check(c.nCommitted(next + 1).count === 0, 'committed before start');
      const index = c.one(cmd(), 3, false);
      check(index >= next, `got index ${index}, expected at least ${next}`);
    }
  },

  followerFailure(ctx) {
    const c = cluster(ctx, 3);
    c.one(cmd(), 3);
    const l = c.checkOneLeader();
    c.disconnect(c.others(l)[0]);
    c.one(cmd(), 2);
    c.run(20);
    c.one(cmd(), 2);
    const l2 = c.checkOneLeader();
    for (const id of c.others(l2)) c.disconnect(id);
    const index = c.propose(cmd(), l2);
    check(index !== undefined, 'leader rejected the proposal');
    c.run(60);
    check(c.nCommitted(index!).count === 0, `${c.nCommitted(index!).count} committed without a majority`);
  },

  leaderFailure(ctx) {
    const c = cluster(ctx, 3);
    c.one(cmd(), 3);
    const l1 = c.checkOneLeader();
    c.disconnect(l1);
    c.one(cmd(), 2);
    c.run(20);
    c.one(cmd(), 2);
    const l2 = c.checkOneLeader();
    c.disconnect(l2);
    const index = c.maxCommitted + 1;
    for (const id of c.ids) c.propose(cmd(), id);
    c.run(60);
    check(c.nCommitted(index).count === 0, 'committed with two of three servers disconnected');
  },

  failAgree(ctx) {
    const c = cluster(ctx, 3);
    c.one(cmd(), 3);
    const l = c.checkOneLeader();
    const f = c.others(l)[0];
    c.disconnect(f);
    for (let i = 0; i < 4; i++) c.one(cmd(), 2);
    c.connect(f);
    // The follower catches up, and new agreement involves everyone.
    c.one(cmd(), 3);
    c.one(cmd(), 3);
  },

  failNoAgree(ctx) {
    const c = cluster(ctx, 5);
    c.one(cmd(), 5);
    const l = c.checkOneLeader();
    const others = c.others(l);
    for (const id of others.slice(0, 3)) c.disconnect(id);
    const index = c.propose(cmd(), l);
    check(index !== undefined, 'leader rejected the proposal');
    c.run(60);
    check(c.nCommitted(index!).count === 0, 'committed with three of five disconnected');
    for (const id of others) c.connect(id);
    c.checkOneLeader();
    c.one(cmd(), 5);
  },

  concurrentStarts(ctx) {
    const c = cluster(ctx, 3);
    const l = c.checkOneLeader();
    const cmds = Array.from({ length: 5 }, cmd);
    const idx = cmds.map((x) => c.propose(x, l));
    check(
      idx.every((i) => i !== undefined),
      'the leader lost leadership while proposing',
    );
    for (let k = 0; k < cmds.length; k++)
      check(c.wait(idx[k]!, 3) === cmds[k], `index ${idx[k]} holds a different command`);
  },

  rejoin(ctx) {
    const c = cluster(ctx, 3);
    c.one(cmd(), 3);
    const l1 = c.checkOneLeader();
    c.disconnect(l1);
    // The isolated leader accepts proposals it can never commit.
    for (let i = 0; i < 3; i++) c.propose(cmd(), l1);
    c.one(cmd(), 2);
    const l2 = c.checkOneLeader();
    c.disconnect(l2);
    c.connect(l1);
    c.one(cmd(), 2);
    c.connect(l2);
    c.one(cmd(), 3);
  },

  backup(ctx) {
    // A leader with many uncommitted entries in a minority; the majority moves on; then the logs must be
    // reconciled quickly (fast backtracking) when the partitions change.
    const c = cluster(ctx, 5);
    c.one(cmd(), 5);
    const l1 = c.checkOneLeader();
    const [a, b, d, e] = c.others(l1);
    c.partition([
      [l1, a],
      [b, d, e],
    ]);
    for (let i = 0; i < 50; i++) c.propose(cmd(), l1);
    c.run(30);
    for (let i = 0; i < 50; i++) c.one(cmd(), 3);
    // Now the other side: leader of [b d e] isolated with one follower, with uncommitted entries.
    const l2 = c.checkOneLeader();
    const other = [b, d, e].find((x) => x !== l2)!;
    const third = [b, d, e].find((x) => x !== l2 && x !== other)!;
    c.partition([
      [l2, other],
      [l1, a, third],
    ]);
    for (let i = 0; i < 50; i++) c.propose(cmd(), l2);
    c.run(30);
    // The original leader's side plus one node of the new majority: they must elect and agree.
    c.partition([
      [l1, a, third],
      [l2, other],
    ]);
    for (let i = 0; i < 50; i++) c.one(cmd(), 3);
    c.connectAll();
    c.one(cmd(), 5);
  },

  count(ctx) {
    // Message budget (6.5840 TestCount2B, in our terms): an election, then agreement, must not flood the network.
    const c = cluster(ctx, 3);
    c.checkOneLeader();
    const election = c.sent;
    check(election <= 60, `election took ${election} messages`);
    c.run(5);
    const before = c.sent;
    for (let i = 0; i < 10; i++) c.one(cmd(), 3);
    const used = c.sent - before;
    // Heartbeats flow every tick (2 per tick in a 3-node cluster, plus answers), so the budget counts ticks.
    check(used <= (c.now + 50) * 6, `agreement on 10 commands took ${used} messages`);
    const idleStart = c.sent;
    c.run(100);
    const idle = c.sent - idleStart;
    check(idle <= 100 * 4 + 10, `idle for 100 ticks cost ${idle} messages (heartbeats and replies only)`);
  },

  persist1(ctx) {
    const c = cluster(ctx, 3);
    c.one(cmd(), 3);
    for (const id of c.ids) c.restart(id);
    c.one(cmd(), 3);
    const l1 = c.checkOneLeader();
    c.restart(l1);
    c.one(cmd(), 3);
    const l2 = c.checkOneLeader();
    c.crash(l2);
    c.one(cmd(), 2);
    c.start(l2);
    c.wait(c.maxCommitted, 3);
    const f = c.others(c.checkOneLeader())[0];
    c.crash(f);
    c.one(cmd(), 2);
    c.start(f);
    c.one(cmd(), 3);
  },

  persist2(ctx) {
    const c = cluster(ctx, 5);
    for (let iter = 0; iter < 5; iter++) {
      c.one(cmd(), 5);
      const l1 = c.checkOneLeader();
      const [a, b] = c.others(l1);
      c.crash(a);
      c.crash(b);
      c.one(cmd(), 3);
      const rest = c.ids.filter((x) => x !== a && x !== b);
      c.crash(rest[0]);
      c.crash(rest[1]);
      c.crash(rest[2]);
      c.start(a);
      c.start(b);
      c.run(20);
      c.start(rest[2]);
      c.one(cmd(), 3);
      c.start(rest[0]);
      c.start(rest[1]);
    }
    c.one(cmd(), 5);
  },

  persist3(ctx) {
    // A partitioned leader and a follower crash; the follower restarts and must not forget its log.
    const c = cluster(ctx, 3);
    c.one(cmd(), 3);
    const l = c.checkOneLeader();
    const f = c.others(l)[1];
    c.disconnect(f);
    c.one(cmd(), 2);
    c.crash(l);
    c.crash(c.others(l)[0]);
    c.connect(f);
    c.start(c.others(l)[0]);
    c.one(cmd(), 2);
    c.start(l);
    c.one(cmd(), 3);
  },

  figure8(ctx) {
    // Figure 8: leaders crash right after appending; entries from old terms must never be committed by
    // counting replicas alone. State Machine Safety is asserted on every apply. One entry per message, so an
    // old-term entry can reach a majority before the new leader's no-op does (the situation of Figure 8 (c)).
    const c = cluster(ctx, 5, { maxEntriesPerMsg: 1 });
    c.one(cmd(), 1);
    let up = 5;
    for (let iter = 0; iter < 200; iter++) {
      let leader: string | undefined;
      for (const id of c.ids) {
        const n = c.node(id);
        if (n.raft && n.raft.role === 'leader' && c.propose(cmd(), id) !== undefined) leader = id;
      }
      c.run(c.rnd.chance(0.1) ? c.rnd.int(0, 50) : c.rnd.int(0, 5));
      if (leader !== undefined && c.node(leader).up) {
        c.crash(leader);
        up--;
      }
      if (up < 3) {
        const s = c.rnd.pick(c.ids);
        if (!c.node(s).up) {
          c.start(s);
          up++;
        }
      }
    }
    for (const id of c.ids) if (!c.node(id).up) c.start(id);
    c.one(cmd(), 5, true, 3000);
  },

  persistVote(ctx) {
    // Figure 2: votedFor is persistent state. A server votes, crashes, restarts: it must not vote again in the
    // same term, or two leaders can share a term. Directed: the new leader's first append to its voter is cut,
    // so the voter's log does not outrank the old leader's.
    const c = cluster(ctx, 3);
    const old = c.checkOneLeader();
    const term = c.raft(old).term;
    const [a, b] = c.others(old);
    c.partition([[a, b], [old]]);
    check(
      c.until(() => [a, b].some((x) => c.raft(x).role === 'leader' && c.raft(x).term > term), 500),
      'no new leader',
    );
    const w = [a, b].find((x) => c.raft(x).role === 'leader')!;
    const v = w === a ? b : a;
    c.partition([[w], [v], [old]]);
    c.restart(v);
    // The old leader steps down (check quorum), then campaigns in the voter's term and asks the restarted voter.
    check(
      c.until(() => c.raft(old).role !== 'leader', 200),
      'the old leader never stepped down',
    );
    c.partition([[w], [v, old]]);
    if (c.raft(old).term < c.raft(v).term) c.campaign(old);
    c.run(100);
    c.connectAll();
    c.one(cmd(), 3);
  },

  figure8Story(ctx) {
    // Figure 8 of the paper, step by step. (a) S1 leads, replicates entry e only to S2. (b) S1 crashes; S5 wins
    // with S3, S4 and appends at e's index, but nobody hears it. (c) S5 crashes; S1 returns, wins, and gets e onto
    // S3: e is now on a majority, but it is from an older term, so S1 must not commit it by counting (§5.4.2).
    // S1 crashes before its own no-op reaches S3. (d) S5 returns and wins with S3, S4: it overwrites e. If S1
    // had committed e, State Machine Safety is now broken.
    const c = cluster(ctx, 5, { maxEntriesPerMsg: 1 });
    c.one(cmd(), 5);
    const s1 = c.checkOneLeader();
    const [s2, s3, s4, s5] = c.others(s1);
    c.partition([
      [s1, s2],
      [s3, s4, s5],
    ]);
    const i = c.propose(cmd(), s1)!;
    check(
      c.until(() => (c.raft(s2).log.term(i) ?? 0) > 0, 50),
      'e did not reach S2',
    );
    c.crash(s1);
    c.partition([[s3, s4, s5], [s2]]);
    // S3 and S4 ignore S5 while S1's lease lasts (leader stickiness) and may time out first: S5 campaigns
    // again (at a higher term) until it wins, as the story needs.
    for (let k = 0; k < 10 && c.raft(s5).role !== 'leader'; k++) {
      c.campaign(s5);
      c.until(() => c.raft(s5).role === 'leader', 10 + 2 * k);
    }
    check(c.raft(s5).role === 'leader', 'S5 did not win');
    c.partition([[s5], [s2], [s3], [s4]]); // S5's append at index i reaches nobody
    c.crash(s5);
    c.start(s1);
    c.partition([[s1, s2, s3, s4]]);
    // S1 restarts in an old term: its first campaign may lose to the term S3 and S4 voted in, the next wins.
    for (let k = 0; k < 10 && c.raft(s1).role !== 'leader'; k++) {
      c.campaign(s1);
      c.until(() => c.raft(s1).role === 'leader', 5 + 2 * k);
    }
    check(c.raft(s1).role === 'leader', 'S1 did not win again');
    c.partition([[s1, s2, s3], [s4]]);
    // Wait until S1 knows e is on S3 (a majority with S1, S2), then cut S3 off before S1's no-op gets there.
    c.until(() => (c.raft(s1).progress().get(s3)?.match ?? 0) >= i, 200);
    c.partition([[s1, s2], [s3], [s4]]);
    c.run(2);
    c.crash(s1);
    c.start(s5);
    c.partition([[s3, s4, s5], [s2]]);
    for (let k = 0; k < 4 && c.raft(s5).role !== 'leader'; k++) {
      c.campaign(s5);
      c.until(() => c.raft(s5).role === 'leader', 5);
    }
    c.run(50);
    c.connectAll();
    c.start(s1);
    c.one(cmd(), 5, true, 3000);
  },

  readIndex(ctx) {
    // §6.4: a read is served at an index no smaller than the commit index when it arrived, only after a quorum
    // confirmed the leader was still leader; a deposed leader cut off from the majority confirms nothing.
    const c = cluster(ctx, 5);
    const written = c.one(cmd(), 5);
    const l = c.checkOneLeader();
    check(c.raft(l).readIndex('r1'), 'the leader refused a read');
    check(
      c.until(() => c.readStates.some((r) => r.ctx === 'r1'), 50),
      'read r1 never confirmed',
    );
    const r1 = c.readStates.find((r) => r.ctx === 'r1')!;
    check(r1.index >= written, `read index ${r1.index} is below the acknowledged write at ${written}`);
    check(!c.raft(c.others(l)[0]).readIndex('nope'), 'a follower accepted a ReadIndex request');
    // Isolate the leader: its read must not be confirmed, while the majority elects a leader and moves on.
    c.partition([[l], c.others(l)]);
    c.raft(l).readIndex('r2');
    const after = c.one(cmd(), 4);
    c.run(50);
    check(!c.readStates.some((r) => r.ctx === 'r2'), 'an isolated leader confirmed a read: it could miss a write');
    const l2 = c.checkOneLeader();
    c.raft(l2).readIndex('r3');
    check(
      c.until(() => c.readStates.some((r) => r.ctx === 'r3'), 50),
      'read r3 never confirmed',
    );
    check(c.readStates.find((r) => r.ctx === 'r3')!.index >= after, 'new leader read below the latest write');
    c.connectAll();
    c.one(cmd(), 5);
  },

  unreliableAgree(ctx) {
    const c = cluster(ctx, 5, { net: UNRELIABLE });
    for (let iter = 1; iter < 50; iter++) {
      for (let j = 0; j < 4; j++) c.propose(cmd());
      c.one(cmd(), 1, true, 3000);
    }
    c.net = RELIABLE;
    c.one(cmd(), 5, true, 3000);
  },

  figure8Unreliable(ctx) {
    const c = cluster(ctx, 5, { net: { ...UNRELIABLE, longDelayRate: 0.1, longDelay: 60 } });
    c.one(cmd(), 1, true, 3000);
    let down = 0;
    for (let iter = 0; iter < 300; iter++) {
      if (iter === 200) c.net = { ...UNRELIABLE, longDelayRate: 0 };
      let leader: string | undefined;
      for (const id of c.ids) {
        const n = c.node(id);
        if (n.raft && n.connected && n.raft.role === 'leader' && c.propose(cmd(), id) !== undefined) leader = id;
      }
      c.run(c.rnd.chance(0.1) ? c.rnd.int(0, 50) : c.rnd.int(0, 3));
      if (leader !== undefined && c.rnd.chance(0.5) && c.node(leader).connected) {
        c.disconnect(leader);
        down++;
      }
      if (down >= 3) {
        const s = c.rnd.pick(c.ids);
        if (!c.node(s).connected) {
          c.connect(s);
          down--;
        }
      }
    }
    c.connectAll();
    c.net = RELIABLE;
    c.one(cmd(), 5, true, 3000);
  },

  reliableChurn(ctx) {
    churn(ctx, false);
  },

  unreliableChurn(ctx) {
    churn(ctx, true);
  },

  snapshotBasic(ctx) {
    const c = cluster(ctx, 3, { snapshotEvery: 10 });
    for (let i = 0; i < 60; i++) c.one(cmd(), 3);
    for (const id of c.ids)
      check(c.node(id).snapIndex >= 40, `${id} has not compacted (snapshot at ${c.node(id).snapIndex})`);
    check(c.raft(c.ids[0]).log.firstIndex() > 1, 'the log was not compacted');
  },

  snapshotInstall(ctx) {
    snapshotInstall(ctx, { unreliable: false, crash: false });
  },

  snapshotInstallUnreliable(ctx) {
    snapshotInstall(ctx, { unreliable: true, crash: false });
  },

  snapshotInstallCrash(ctx) {
    snapshotInstall(ctx, { unreliable: false, crash: true });
  },

  snapshotAllCrash(ctx) {
    const c = cluster(ctx, 3, { snapshotEvery: 10 });
    c.one(cmd(), 3);
    for (let iter = 0; iter < 5; iter++) {
      for (let i = 0; i < 11; i++) c.one(cmd(), 3);
      const before = c.maxCommitted;
      for (const id of c.ids) c.crash(id);
      for (const id of c.ids) c.start(id);
      const index = c.one(cmd(), 3);
      check(index > before, `index went backwards after a crash of all servers (${index} <= ${before})`);
      // Every restarted server rebuilt its state machine from its snapshot plus the log.
      for (const id of c.ids) check(c.node(id).sm.applied.length > 0, `${id} restarted with an empty state machine`);
    }
  },
};

function churn(ctx: ScenarioContext, unreliable: boolean): void {
  const c = cluster(ctx, 5, { net: unreliable ? UNRELIABLE : RELIABLE });
  const proposed: string[] = [];
  for (let iter = 0; iter < 200; iter++) {
    // Clients keep proposing wherever a leader accepts.
    for (let k = 0; k < 2; k++) {
      const x = cmd();
      if (c.propose(x) !== undefined) proposed.push(x);
    }
    const r = c.rnd.float();
    const s = c.rnd.pick(c.ids);
    if (r < 0.2) c.disconnect(s);
    else if (r < 0.5) c.connect(s);
    else if (r < 0.6) c.crash(s);
    else if (r < 0.8) c.start(s);
    c.run(c.rnd.int(1, 8));
  }
  c.net = RELIABLE;
  c.connectAll();
  for (const id of c.ids) c.start(id);
  const last = c.one(cmd(), 5, true, 3000);
  // Every committed command was proposed, and every server agrees on the whole prefix (nCommitted checks).
  for (let i = 1; i <= last; i++) {
    const { data } = c.nCommitted(i);
    if (data !== undefined) check(/^c\d+$/.test(data), `index ${i} holds ${data}, which nobody proposed`);
  }
}

function snapshotInstall(ctx: ScenarioContext, o: { unreliable: boolean; crash: boolean }): void {
  const c = cluster(ctx, 3, { snapshotEvery: 10, net: o.unreliable ? UNRELIABLE : RELIABLE });
  c.one(cmd(), 3, true, 3000);
  for (let iter = 0; iter < 4; iter++) {
    const l = c.checkOneLeader(1000);
    const victim = c.others(l)[c.rnd.int(0, 2)];
    if (o.crash) c.crash(victim);
    else c.disconnect(victim);
    // Enough entries that the leader compacts past what the victim has.
    for (let i = 0; i < 25; i++) c.one(cmd(), 2, true, 3000);
    if (o.crash) c.start(victim);
    else c.connect(victim);
    c.one(cmd(), 3, true, 3000);
  }
  check((c.delivered.get('Snap') ?? 0) > 0, 'no InstallSnapshot was ever delivered');
}

// The Multi-Raft scenarios (many groups per node, shared WAL, coalesced heartbeats, quiescence, transfer).
Object.assign(scenarios, multiScenarios);
Object.assign(scenarios, txnScenarios);
// Membership changes (single-server, diss. §4).
Object.assign(scenarios, membershipScenarios);

export const SCENARIO_NAMES = Object.keys(scenarios);

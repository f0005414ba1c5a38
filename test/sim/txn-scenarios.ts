// Cross-group transactions in the multi-group simulation (issue 21, item 3), through the real two-phase commit
// driver and state machine (txn-cluster.ts). Each scenario throws on failure; after healing, txn-cluster.ts's
// checks demand atomicity, acknowledged outcomes kept, no dirty or lost reads and nothing left prepared.
import type { NodeId } from '../../system/raft/types.js';
import { shardOf } from '../../system/shard/placement.js';
import { TXN_STEPS, type TxnStep } from '../../system/txn/manager.js';
import type { ClientOp } from '../../system/txn/ops.js';
import type { Random } from '../../harness/generator/random.js';
import type { NetConfig } from './cluster.js';
import type { MultiCluster } from './multi.js';
import type { Scenario } from './scenarios.js';
import { txnCluster } from './txn-cluster.js';

/** A little loss, duplication and delay: every message of the protocol may need its retry. */
const LOSSY: NetConfig = { drop: 0.03, duplicate: 0.03, minDelay: 0, maxDelay: 2, longDelayRate: 0.01, longDelay: 20 };
const RECOVERY: readonly TxnStep[] = ['status-sent', 'recovery-proposed'];
type Role = 'coordinator' | 'participant';
/** Every (step, whose leader dies there) pair: a transaction's protocol cut between every two of its steps. */
export const CRASH_POINTS: [TxnStep, Role][] = TXN_STEPS.flatMap((s) => [
  [s, 'coordinator'] as [TxnStep, Role],
  [s, 'participant'] as [TxnStep, Role],
]);

function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

let unique = 0;

/** 1 to 4 micro-ops over `pool`, appends of fresh values and reads. */
function randomTxn(rnd: Random, pool: readonly string[]): ClientOp[] {
  return Array.from({ length: rnd.int(1, 5) }, (): ClientOp => {
    const k = rnd.pick(pool);
    return rnd.chance(0.6) ? ['append', k, ++unique] : ['r', k, null];
  });
}

/** Fresh keys in `n` different shards (no other transaction touches them: nothing conflicts). */
function freshKeys(c: MultiCluster, rnd: Random, n: number, tag: string): string[] {
  const shards = c.groupIds.length;
  const keys: string[] = [];
  const used = new Set<number>();
  for (let i = 0; keys.length < n; i++) {
    const k = `${tag}-${i}-${rnd.int(0, 1e6)}`;
    const s = shardOf(k, shards);
    if (used.has(s)) continue;
    used.add(s);
    keys.push(k);
  }
  return keys;
}

function waitLeaders(c: MultiCluster, ticks = 800): void {
  check(
    c.until(() => c.allHaveLeaders(), ticks),
    `not every group has a leader after ${ticks} ticks: ${c.groupIds.filter((g) => !c.leaderOf(g)).join(', ')}`,
  );
}

function restartAll(c: MultiCluster): void {
  for (const id of c.ids) c.start(id);
}

export const txnScenarios: Record<string, Scenario> = {
  txnCrashMatrix(ctx) {
    // For every protocol step and each of the two roles, a transaction over fresh keys in two or three shards
    // runs until that step, and the leader of its coordinator group or of one of its participant groups is
    // killed right there (kill -9: in-memory state gone, unsynced writes lost). Recovery steps are reached by
    // first killing the coordinator just after a participant voted. Other transactions over a shared pool of
    // keys run meanwhile, conflicting with each other. The nodes restart; after healing nothing may be left
    // prepared and every transaction must be all or nothing, as its client was told. A seed takes a third of
    // the crash points in turn (seed s: points s mod 3, +3, +6, ...), so any three seeds cover all of them and
    // CI's sixty cover each twenty times; SIM_TXN_ALL=1 makes every seed take all.
    let victim: string | undefined;
    let capture = false;
    let plan: { step: TxnStep; role: Role }[] = [];
    let shardsOfVictim: { coord: number; parts: number[] } = { coord: 0, parts: [] };
    const killed: string[] = [];
    const { c, app } = txnCluster(
      { seed: ctx.seed, nodes: 5, groups: 8, net: LOSSY },
      {
        bugs: ctx.bugs,
        onStep: (_node, step, id) => {
          if (capture && step === 'submit') {
            victim = id;
            capture = false;
          }
          const next = plan[0];
          if (!next || id !== victim || step !== next.step) return;
          plan.shift();
          const coordLeader = c.leaderOf(String(shardsOfVictim.coord));
          const partLeaders = shardsOfVictim.parts.map((p) => c.leaderOf(String(p)));
          const target: NodeId | undefined =
            next.role === 'coordinator'
              ? coordLeader
              : (partLeaders.find((l) => l && l !== coordLeader) ?? partLeaders[0]);
          if (!target) {
            plan = []; // no such leader at this moment (an election): the attempt does not count
            return;
          }
          if (plan.length === 0) killed.push(`${next.step}/${next.role}`);
          c.doom(target);
        },
      },
    );
    waitLeaders(c);
    const pool = Array.from({ length: 16 }, (_, i) => `p${i}`);
    const all = process.env.SIM_TXN_ALL === '1';
    const mine = CRASH_POINTS.filter((_, i) => all || i % 3 === ctx.seed % 3);
    for (const [round, [step, role]] of mine.entries()) {
      const recovery = RECOVERY.includes(step);
      let reached = false;
      for (let attempt = 0; attempt < 6 && !reached; attempt++) {
        restartAll(c);
        waitLeaders(c);
        for (let i = 0; i < 3; i++) app.submit(randomTxn(c.rnd, pool));
        const keys = freshKeys(c, c.rnd, c.rnd.int(2, 4), `v${round}.${attempt}`);
        shardsOfVictim = {
          coord: shardOf(keys[0], c.groupIds.length),
          parts: keys.slice(1).map((k) => shardOf(k, c.groupIds.length)),
        };
        plan = recovery
          ? [
              { step: 'vote-sent', role: 'coordinator' },
              { step, role },
            ]
          : [{ step, role }];
        const before = killed.length;
        capture = true;
        const t = app.submit(keys.map((k): ClientOp => ['append', k, ++unique]));
        capture = false;
        if (t.outcome?.kind === 'not-leader') continue;
        c.until(() => plan.length === 0, 600);
        reached = killed.length > before;
        plan = [];
        c.run(c.rnd.int(0, 40));
      }
      check(reached, `round ${round}: no transaction reached ${step} (${role}) in 6 attempts`);
    }
    restartAll(c);
    app.settle(4000);
    const n = app.check();
    for (const [step, role] of mine)
      check(killed.includes(`${step}/${role}`), `no ${role} leader was killed at ${step}`);
    check(n.committed > 0 && n.crossShard > 0, `nothing committed across shards: ${JSON.stringify(n)}`);
  },

  txnPartitionChurn(ctx) {
    // Transactions over a shared pool of keys while nodes crash and restart and partitions cut participant
    // groups apart from their coordinators, on a lossy network; then heal.
    const { c, app } = txnCluster(
      { seed: ctx.seed, nodes: 5, groups: 8, net: LOSSY, snapshotEvery: 40 },
      { bugs: ctx.bugs },
    );
    waitLeaders(c);
    const pool = Array.from({ length: 12 }, (_, i) => `q${i}`);
    for (let iter = 0; iter < 40; iter++) {
      for (let i = 0; i < 3; i++) app.submit(randomTxn(c.rnd, pool));
      const r = c.rnd.float();
      if (r < 0.1) c.crash(c.rnd.pick(c.ids));
      else if (r < 0.2) {
        const side = c.ids.filter(() => c.rnd.chance(0.4));
        c.partition([side, c.ids.filter((id) => !side.includes(id))]);
      } else if (r < 0.35) {
        c.connectAll();
        restartAll(c);
      }
      c.run(c.rnd.int(5, 30));
    }
    app.settle(4000);
    const n = app.check();
    check(n.committed > 0, `nothing committed: ${JSON.stringify(n)}`);
  },
};

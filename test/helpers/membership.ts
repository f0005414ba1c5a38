// Shared checks for the membership nemesis end-to-end tests (local and docker): what the history must say about
// each removal and re-add, and whether every shard's voters are its placement replicas again.
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import type { HistoryEvent } from '../../harness/history/op.js';
import type { NewEvent } from '../../harness/history/writer.js';
import type { FaultContext } from '../../harness/nemesis/faults.js';
import { parseNemesisSpec } from '../../harness/nemesis/packages.js';
import type { Step } from '../../harness/nemesis/plan.js';
import { Nemesis } from '../../harness/nemesis/schedule.js';
import type { Runtime } from '../../harness/runtime/types.js';
import type { NodeHandle } from '../../harness/target/types.js';
import type { NodeStatus } from '../../system/node/api.js';
import { referenceTarget } from '../../targets/reference/index.js';
import { leader, statuses } from '../../targets/reference/status.js';

interface Change {
  node: string;
  op: 'remove' | 'add';
  shards?: Record<string, string[]>;
  changed?: number[];
  refused?: Record<string, string>;
  error?: string;
}

/** A successful change's shards agree with its op: the node is out of (remove) or in (add) every one. */
function consistent(c: Change): void {
  if (c.error) return;
  for (const [s, members] of Object.entries(c.shards ?? {})) {
    assert.is(members.includes(c.node), c.op === 'add', `${c.op} ${c.node}: shard ${s} members ${members.join(',')}`);
  }
}

/**
 * Every start-membership and stop-membership info in the history is consistent with what it claims; at least one
 * removal changed some shard and was re-added at stop; heal-membership succeeded. Returns counts.
 */
export function assertMembershipHistory(events: readonly HistoryEvent[]): { starts: number; stops: number } {
  const nem = events.filter((e) => e.process === 'nemesis' && e.type === 'info');
  const starts = nem.filter((e) => e.f === 'start-membership' && !e.error);
  const stops = nem.filter((e) => e.f === 'stop-membership' && !e.error);
  assert.ok(
    starts.length >= 1,
    `no membership fault started: ${nem
      .filter((e) => e.error)
      .map((e) => `${e.f}: ${e.error}`)
      .join('; ')}`,
  );
  let changedSome = false;
  for (const e of starts) {
    const v = e.value as { changes: Change[] };
    for (const c of v.changes) {
      consistent(c);
      if (c.op === 'remove' && (c.changed ?? []).length > 0) changedSome = true;
    }
  }
  assert.ok(changedSome, 'some removal changed a shard');
  for (const e of stops) {
    const v = e.value as { changes?: Change[]; rounds?: Change[][]; readded: unknown };
    for (const c of [...(v.changes ?? []), ...(v.rounds ?? []).flat()]) consistent(c);
  }
  assert.ok(stops.length >= 1, 'some membership fault was stopped (its node re-added)');
  const heal = nem.find((e) => e.f === 'heal-membership');
  assert.ok(heal && !heal.error, `heal-membership: ${heal?.error ?? 'missing'}`);
  return { starts: starts.length, stops: stops.length };
}

/** Polls until every node's every hosted shard has exactly its placement replicas as voters; says why not. */
export async function everyShardWhole(
  get: () => Promise<(NodeStatus | undefined)[]>,
  ms: number,
): Promise<{ ok: boolean; why: string }> {
  const end = Date.now() + ms;
  let why = 'not checked';
  for (;;) {
    const sts = await get();
    const bad: string[] = [];
    for (const s of sts) {
      if (!s?.placement) {
        bad.push('a node did not answer /status');
        continue;
      }
      for (const g of s.groups) {
        const want = [...s.placement[Number(g.group)]].sort().join(',');
        const have = [...(g.members ?? [])].sort().join(',');
        if (have !== want) bad.push(`${s.id} shard ${g.group}: members ${have || '(none)'}, placement ${want}`);
      }
    }
    if (bad.length === 0) return { ok: true, why: '' };
    why = bad.slice(0, 4).join('; ');
    if (Date.now() > end) return { ok: false, why };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The live-cluster story both runtimes tell: n4 is stopped, then removed from every shard through the leaders;
 * with it still down, the nemesis runs `nemesis` on `steps` for `runMs`; its final heal must succeed; n4 comes
 * back and every shard's voters are its placement replicas again on every node. `secret`: the cluster's (the hook
 * derives the nodes' admin token from it, as in a run).
 */
export async function downNodeStory(
  rt: Runtime,
  hs: NodeHandle[],
  o: { seed: number; nemesis: string; steps: Step[]; runMs: number; wholeMs: number; secret: string },
): Promise<void> {
  const ctx: FaultContext = {
    runtime: rt,
    nodes: hs.map((h) => h.name),
    rnd: new Random(o.seed),
    leader: (key) => leader(hs, key),
    hotKey: () => 'k1',
    electionTimeoutMs: 300,
    membership: (op, node) => referenceTarget.membership!(hs, op, node, {}, { secret: o.secret }),
  };
  await rt.kill('n4');
  const removed = await ctx.membership!('remove', 'n4');
  assert.ok((removed.changed as number[]).length >= 1, JSON.stringify(removed));
  for (const members of Object.values(removed.shards as Record<string, string[]>))
    assert.not.ok(members.includes('n4'));
  const events: NewEvent[] = [];
  const t0 = Date.now();
  const nemesis = new Nemesis({
    packages: parseNemesisSpec(o.nemesis).packages,
    steps: o.steps,
    rnd: new Random(o.seed + 1),
    ctx,
    record: (e) => events.push(e),
    now: () => Date.now() - t0,
    log: () => undefined,
    elapsedMs: () => Date.now() - t0,
  });
  nemesis.start();
  await new Promise((r) => setTimeout(r, o.runMs));
  await nemesis.stop();
  const info = events.filter((e) => e.type === 'info');
  assert.ok(
    info.some((e) => e.f === 'start-membership' && !e.error),
    JSON.stringify(info.map((e) => [e.f, e.error])),
  );
  assert.ok(
    info.some((e) => e.f === 'start-partition' && !e.error),
    'a partition ran too',
  );
  const heal = info.find((e) => e.f === 'heal-membership')!;
  assert.not.ok(heal.error, String(heal.error));
  await rt.start('n4');
  await rt.waitHealthy(30_000);
  const whole = await everyShardWhole(() => statuses(hs), o.wholeMs);
  assert.ok(whole.ok, whole.why);
}

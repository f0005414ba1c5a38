// The `membership` fault kind against a fake membership hook that keeps per-shard voters the way the contract's
// node does (one change at a time per shard, too-few-members below two voters), and the nemesis runner
// recording start-membership/stop-membership with what changed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../../harness/generator/random.js';
import type { NewEvent } from '../../../harness/history/writer.js';
import { membershipFault, type FaultContext } from '../../../harness/nemesis/faults.js';
import { parseNemesisSpec } from '../../../harness/nemesis/packages.js';
import { Nemesis } from '../../../harness/nemesis/schedule.js';
import type { MembershipOp } from '../../../harness/target/types.js';
import { FakeRuntime } from './fake-runtime.js';

const N5 = ['n1', 'n2', 'n3', 'n4', 'n5'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Three shards over five nodes, three replicas each. A change takes `delayMs`; a shard with a change in flight
 * answers "pending" to another, which the hook (as the reference one does) retries until its deadline.
 */
class FakeMembers {
  readonly placement = [
    ['n1', 'n2', 'n3'],
    ['n3', 'n4', 'n5'],
    ['n1', 'n4', 'n5'],
  ];
  readonly members = this.placement.map((p) => new Set(p));
  readonly pending = new Set<number>();
  calls: { op: MembershipOp; node: string; at: number; end?: number }[] = [];
  /** Two changes of one shard asked for at once (the hook saw "pending" and had to retry). */
  conflicts = 0;
  refusals = 0;
  failFor = new Set<string>();

  constructor(private readonly delayMs = 5) {}

  hook = async (op: MembershipOp, node: string): Promise<Record<string, unknown>> => {
    const call: { op: MembershipOp; node: string; at: number; end?: number } = { op, node, at: Date.now() };
    this.calls.push(call);
    if (this.failFor.has(node))
      throw new Error(`membership ${op} ${node}: shard 0: not in effect within 50 ms (last: no answer)`);
    const shards: Record<string, string[]> = {};
    const refused: Record<string, string> = {};
    for (const s of this.placement.flatMap((p, i) => (p.includes(node) ? [i] : []))) {
      while (this.pending.has(s)) {
        this.conflicts++;
        await sleep(1);
      }
      const m = this.members[s];
      if (op === 'remove' && m.has(node) && m.size - 1 < 2) {
        refused[s] = 'too-few-members';
        this.refusals++;
        continue;
      }
      this.pending.add(s);
      await sleep(this.delayMs);
      if (op === 'remove') m.delete(node);
      else m.add(node);
      this.pending.delete(s);
      shards[s] = [...m].sort();
    }
    call.end = Date.now();
    return { node, op, shards, ...(Object.keys(refused).length ? { refused } : {}) };
  };

  complete(): boolean {
    return this.members.every((m, s) => m.size === this.placement[s].length);
  }
}

function ctx(
  fm: FakeMembers | undefined,
  o: Partial<FaultContext> = {},
): FaultContext & { asked: (string | undefined)[] } {
  const asked: (string | undefined)[] = [];
  return {
    runtime: new FakeRuntime(N5),
    nodes: N5,
    rnd: new Random(1),
    asked,
    leader: async (key) => {
      asked.push(key);
      return key === 'hot' ? 'n4' : 'n1';
    },
    hotKey: () => 'hot',
    membership: fm?.hook,
    ...o,
  };
}

test('shapes: remove-one and remove-leader by default, churn only when named', () => {
  assert.equal([...membershipFault.shapes], ['remove-one', 'remove-leader']);
  assert.equal(parseNemesisSpec('membership').packages[0].shapes, ['remove-one', 'remove-leader']);
  assert.equal(parseNemesisSpec('membership:churn/remove-one').packages[0].shapes, ['churn', 'remove-one']);
  assert.throws(
    () => parseNemesisSpec('membership:remove-all'),
    /unknown membership shape "remove-all"; membership shapes: remove-one, remove-leader, churn/,
  );
});

test("remove-leader takes the hot shard's leader out of every shard it is in, and stop puts it back", async () => {
  const fm = new FakeMembers();
  const c = ctx(fm);
  const f = await membershipFault.start(c, 'remove-leader');
  assert.equal(c.asked, ['hot']);
  assert.is(f.value.node, 'n4');
  assert.is(f.value.hotKey, 'hot');
  assert.is(f.value.leaderFound, true);
  assert.equal(
    fm.members.map((m) => m.has('n4')),
    [false, false, false],
  );
  const changes = f.value.changes as { shards: Record<string, string[]> }[];
  assert.equal(changes[0].shards, { 1: ['n3', 'n5'], 2: ['n1', 'n5'] });
  const v = await f.stop();
  assert.is(v.readded, 'n4');
  assert.ok(fm.complete());
  assert.equal(
    fm.calls.map((x) => `${x.op} ${x.node}`),
    ['remove n4', 'add n4'],
  );
});

test('remove-leader without a known leader falls back to a random node, and says so', async () => {
  const fm = new FakeMembers();
  const f = await membershipFault.start(ctx(fm, { leader: async () => undefined }), 'remove-leader');
  assert.is(f.value.leaderFound, false);
  assert.ok(N5.includes(f.value.node as string));
  await f.stop();
  assert.ok(fm.complete());
});

test('remove-one: one random node, over seeds, never leaving a shard below two voters', async () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 12; seed++) {
    const fm = new FakeMembers(0);
    const f = await membershipFault.start(ctx(fm, { rnd: new Random(seed) }), 'remove-one');
    seen.add(f.value.node as string);
    assert.ok(fm.members.every((m) => m.size >= 2));
    assert.is(
      fm.members.filter((m) => m.size === 2).length,
      fm.placement.filter((p) => p.includes(f.value.node as string)).length,
    );
    await f.stop();
    assert.ok(fm.complete());
  }
  assert.ok(seen.size >= 3, `picked ${[...seen].join(', ')}`);
});

test(
  'churn: two removals asked for at once (the second meets a pending change), ' +
    'rounds until stop, all back at the end',
  async () => {
    const fm = new FakeMembers(5);
    const f = await membershipFault.start(ctx(fm, { rnd: new Random(4) }), 'churn');
    assert.is(f.value.shape, 'churn');
    assert.is((f.value.nodes as string[]).length, 2);
    await sleep(150);
    const v = await f.stop();
    const rounds = v.rounds as Record<string, unknown>[][];
    assert.ok(rounds.length >= 2, `${rounds.length} rounds`);
    // Each round: the two removals started before either finished.
    const removes = fm.calls.filter((x) => x.op === 'remove');
    for (let i = 0; i + 1 < removes.length; i += 2)
      assert.ok(removes[i + 1].at <= removes[i].end!, 'the second removal did not wait for the first');
    assert.ok(fm.conflicts > 0, 'some shard saw a change while another was pending');
    assert.ok(fm.complete(), 'every node is a voter again after stop');
    for (const m of fm.members) assert.ok(m.size >= 2);
  },
);

test(
  'churn on three nodes: the second removal would leave one voter; ' + 'the node refuses it and the fault goes on',
  async () => {
    const fm = new FakeMembers(1);
    (fm.placement as string[][]).splice(0, 3, ['n1', 'n2', 'n3']);
    fm.members.splice(0, 3, new Set(['n1', 'n2', 'n3']));
    const f = await membershipFault.start(ctx(fm, { nodes: ['n1', 'n2', 'n3'] }), 'churn');
    await f.stop();
    assert.ok(fm.refusals >= 1);
    assert.ok(fm.complete());
  },
);

test(
  'heal re-adds every node everywhere; a failure is one line naming the node, ' + 'and the others are still re-added',
  async () => {
    const fm = new FakeMembers(0);
    fm.members[0].delete('n2');
    fm.members[1].delete('n5');
    await membershipFault.heal(ctx(fm));
    assert.ok(fm.complete());
    assert.equal(
      fm.calls.map((x) => x.node),
      N5,
    );
    fm.members[2].delete('n4');
    fm.failFor.add('n1');
    try {
      await membershipFault.heal(ctx(fm));
      assert.unreachable('heal should fail');
    } catch (e) {
      assert.match((e as Error).message, /^could not re-add every member: membership add n1: shard 0: not in effect/);
      assert.not.match((e as Error).message, /\n/);
    }
    assert.ok(fm.members[2].has('n4'), 'n4 was re-added despite n1 failing');
  },
);

test('a context without the hook: start and heal fail with one line', async () => {
  for (const p of [membershipFault.start(ctx(undefined), 'remove-one'), membershipFault.heal(ctx(undefined))]) {
    try {
      await p;
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, /^the target has no membership hook/);
    }
  }
});

test(
  'in the nemesis runner: start-membership and stop-membership record the changes; ' +
    'heal-membership before heal-all',
  async () => {
    const fm = new FakeMembers(0);
    const events: NewEvent[] = [];
    const t0 = Date.now();
    const n = new Nemesis({
      packages: parseNemesisSpec('membership:remove-one,partition:halves').packages,
      steps: [
        { pkg: 0, lane: 0, startMs: 0, endMs: 30 },
        { pkg: 1, lane: 1, startMs: 5, endMs: 40 },
      ],
      rnd: new Random(2),
      ctx: ctx(fm),
      record: (e) => events.push(e),
      now: () => Date.now() - t0,
      log: () => undefined,
      elapsedMs: () => Date.now() - t0,
    });
    n.start();
    await sleep(80);
    await n.stop();
    const info = events.filter((e) => e.type === 'info');
    const start = info.find((e) => e.f === 'start-membership')!;
    const stop = info.find((e) => e.f === 'stop-membership')!;
    assert.ok(start && stop && !start.error && !stop.error, JSON.stringify(info));
    const removed = (start.value as { changes: { node: string; shards: Record<string, string[]> }[] }).changes[0];
    assert.ok(Object.keys(removed.shards).length >= 1);
    for (const members of Object.values(removed.shards)) assert.not.ok(members.includes(removed.node));
    assert.is((stop.value as { readded: string }).readded, removed.node);
    assert.ok(
      info.some((e) => e.f === 'start-partition'),
      'composed with a partition',
    );
    assert.equal(
      info.slice(-3).map((e) => e.f),
      ['heal-membership', 'heal-partition', 'heal-all'],
    );
    assert.ok(fm.complete());
  },
);

test.run();

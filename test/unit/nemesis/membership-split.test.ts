// membership:split-minority against a fake runtime and a fake one-group cluster that decides commitment the way
// Raft does with single-server changes (diss. §4.1): an entry commits when a majority of the latest
// configuration in the leader's log can be reached from it. The correct model refuses a change while another
// is pending; the buggy one (conf-concurrent) accepts it. The shape must cut the leader and one follower off
// before asking, ask the leader alone for both removals at once, record what each got, and at stop heal the
// cut before re-adding through the ordinary hook.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../../harness/generator/random.js';
import type { NewEvent } from '../../../harness/history/writer.js';
import { membershipFault, type FaultContext } from '../../../harness/nemesis/faults.js';
import { SPLIT_DEADLINE_MS, splitPlan } from '../../../harness/nemesis/membership.js';
import { parseNemesisSpec } from '../../../harness/nemesis/packages.js';
import { Nemesis } from '../../../harness/nemesis/schedule.js';
import type { MembershipHow, MembershipOp } from '../../../harness/target/types.js';
import { FakeRuntime } from './fake-runtime.js';

const N5 = ['n1', 'n2', 'n3', 'n4', 'n5'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);

interface Call {
  op: MembershipOp;
  node: string;
  how?: MembershipHow;
  at: number;
  end?: number;
  grudgeAtCall: string;
}

/** One Raft group of five voters led by `leader`; the grudge comes from the fake runtime. */
class FakeGroup {
  voters: string[] = [...N5];
  /** Configurations appended by the leader and not yet committed (latest last). */
  pending: string[][] = [];
  committed: string[][] = [];
  calls: Call[] = [];
  private waiters: { conf: string[]; resolve: (members: string[]) => void }[] = [];

  constructor(
    readonly rt: FakeRuntime,
    readonly leader: string,
    readonly buggy: boolean,
    readonly requestTimeoutMs = 40,
  ) {}

  private reachable(): string[] {
    return N5.filter((n) => n === this.leader || !(this.rt.grudge[this.leader] ?? []).includes(n));
  }

  /** Raft commitment: the latest configuration's majority acknowledges, which commits every earlier entry too. */
  private tryCommit(): void {
    const latest = this.pending.at(-1);
    if (!latest) return;
    const acks = latest.filter((n) => this.reachable().includes(n)).length;
    if (2 * acks <= latest.length) return;
    this.committed.push(...this.pending);
    this.pending = [];
    for (const w of this.waiters.splice(0)) w.resolve(w.conf);
  }

  hook = async (op: MembershipOp, node: string, how?: MembershipHow): Promise<Record<string, unknown>> => {
    const call: Call = { op, node, how, at: Date.now(), grudgeAtCall: JSON.stringify(this.rt.grudge) };
    this.calls.push(call);
    try {
      if (!how?.via) {
        // The ordinary path: the cluster is healed by now in these tests, so the change simply commits.
        this.voters =
          op === 'add' ? [...new Set([...this.voters, node])].sort() : this.voters.filter((v) => v !== node);
        return { node, op, shards: { 0: this.voters }, changed: [0] };
      }
      if (how.via !== this.leader) return { node, op, via: how.via, answered: 421 };
      if (this.pending.length && !this.buggy)
        return { node, op, via: how.via, answered: 409, answers: { 0: { answered: 409, error: 'change-pending' } } };
      const conf = op === 'remove' ? this.voters.filter((v) => v !== node) : [...this.voters, node];
      this.voters = conf;
      this.pending.push(conf);
      const done = new Promise<string[]>((resolve) => this.waiters.push({ conf, resolve }));
      this.tryCommit();
      const members = await Promise.race([
        done,
        sleep(Math.min(this.requestTimeoutMs, how.deadlineMs ?? Infinity)).then(() => undefined),
      ]);
      return members
        ? { node, op, via: how.via, answered: 200, answers: { 0: { answered: 200, members } } }
        : { node, op, via: how.via, answered: 503 };
    } finally {
      call.end = Date.now();
    }
  };

  /** The minority's configuration has a majority disjoint from a majority of the original five. */
  disjointMajorities(side: string[]): boolean {
    const last = this.committed.at(-1);
    if (!last) return false;
    const mine = last.filter((n) => side.includes(n));
    const others = N5.filter((n) => !side.includes(n));
    return 2 * mine.length > last.length && 2 * others.length > N5.length;
  }
}

function ctx(rt: FakeRuntime, hook: FaultContext['membership'], o: Partial<FaultContext> = {}): FaultContext {
  return {
    runtime: rt,
    nodes: N5,
    rnd: new Random(3),
    leader: async (key) => (key === 'hot' ? 'n4' : 'n1'),
    hotKey: () => 'hot',
    membership: hook,
    ...o,
  };
}

type Change = { node: string; via?: string; answered?: unknown; error?: string };

test(
  'splitPlan: the leader plus the largest minority, ' + 'and just enough majority-side removals to make it a majority',
  () => {
    for (let n = 3; n <= 9; n++) {
      for (let seed = 0; seed < 20; seed++) {
        const nodes = names(n);
        const rnd = new Random(seed);
        const leader = rnd.pick(nodes);
        const order = [...nodes].sort(() => rnd.float() - 0.5);
        const p = splitPlan(leader, nodes, order);
        const m = Math.floor((n - 1) / 2);
        assert.is(p.side[0], leader);
        assert.is(p.side.length, m);
        assert.equal([...p.side, ...p.rest].sort(), [...nodes].sort(), 'the two sides cover the cluster once');
        assert.ok(
          p.remove.every((x) => p.rest.includes(x)),
          'only majority-side nodes are removed',
        );
        assert.is(p.remove.length, n - 2 * m + 1);
        // Before the removals the side is a minority; after them it is a majority of what is left.
        assert.ok(2 * p.side.length < n);
        assert.ok(2 * p.side.length > n - p.remove.length, `n=${n}: side ${p.side.length} of ${n - p.remove.length}`);
      }
    }
    assert.equal(splitPlan('n3', N5, ['n5', 'n3', 'n1', 'n2', 'n4']), {
      side: ['n3', 'n5'],
      rest: ['n1', 'n2', 'n4'],
      remove: ['n1', 'n2'],
    });
  },
);

test(
  'a correct leader in the minority: cut first, both removals asked of it at once, ' +
    '503 and 409 change-pending recorded, nothing removed',
  async () => {
    const rt = new FakeRuntime(N5);
    const g = new FakeGroup(rt, 'n4', false);
    const f = await membershipFault.start(ctx(rt, g.hook), 'split-minority');
    const v = f.value as {
      shape: string;
      node: string;
      hotKey: string;
      side: string[];
      removals: string[];
      changes: Change[];
      cut: string;
    };
    assert.is(v.shape, 'split-minority');
    assert.is(v.node, 'n4');
    assert.is(v.hotKey, 'hot');
    assert.is(v.side.length, 2);
    assert.is(v.side[0], 'n4');
    assert.is(v.removals.length, 2);
    assert.ok(v.removals.every((n) => !v.side.includes(n)));
    // The cut was in place before any removal was asked, and it is the split of the side from the rest.
    assert.is(rt.calls[0].call, 'partition');
    for (const c of g.calls) assert.is.not(c.grudgeAtCall, '{}');
    for (const a of v.side)
      for (const b of N5.filter((x) => !v.side.includes(x)))
        assert.ok(rt.grudge[a].includes(b) && rt.grudge[b].includes(a));
    // Asked of the leader alone, with the shape's deadline, concurrently.
    assert.equal(
      g.calls.map((c) => c.how),
      [
        { via: 'n4', deadlineMs: SPLIT_DEADLINE_MS },
        { via: 'n4', deadlineMs: SPLIT_DEADLINE_MS },
      ],
    );
    assert.ok(g.calls[1].at <= g.calls[0].end!, 'the second removal did not wait for the first');
    assert.equal(v.changes.map((c) => c.answered).sort(), [409, 503]);
    assert.equal(g.committed, []);
    const stopAt = rt.calls.length;
    const s = await f.stop();
    assert.is(rt.calls[stopAt].call, 'heal', 'healed before the re-adds');
    assert.ok(rt.clean());
    assert.equal(s.readded, v.removals);
    assert.equal(
      g.calls.slice(2).map((c) => [c.op, c.node, c.how, c.grudgeAtCall]),
      v.removals.map((n) => ['add', n, undefined, '{}']),
    );
    assert.equal(g.voters, N5);
  },
);

test(
  'with conf-concurrent the leader accepts both, ' + 'and its side becomes a majority of its own configuration',
  async () => {
    const rt = new FakeRuntime(N5);
    const g = new FakeGroup(rt, 'n4', true);
    const f = await membershipFault.start(ctx(rt, g.hook), 'split-minority');
    const v = f.value as { side: string[]; removals: string[]; changes: Change[] };
    assert.equal(
      v.changes.map((c) => c.answered),
      [200, 200],
    );
    assert.is(g.committed.at(-1)!.length, 3);
    assert.ok(g.disjointMajorities(v.side), `committed ${JSON.stringify(g.committed)} with side ${v.side}`);
    await f.stop();
    assert.equal(g.voters, N5, 're-added at stop');
  },
);

test('a hook that rejects a directed change is recorded per removal; the cut still ends at stop', async () => {
  const rt = new FakeRuntime(N5);
  let n = 0;
  const hook = async (op: MembershipOp, node: string, how?: MembershipHow): Promise<Record<string, unknown>> => {
    if (how?.via && n++ === 0)
      throw new Error(
        'membership remove x via n4: no node answered /status with the placement within 3000 ms\nsecond line',
      );
    return { node, op, ...(how?.via ? { via: how.via, answered: 'none' } : {}) };
  };
  const f = await membershipFault.start(ctx(rt, hook), 'split-minority');
  const changes = (f.value as { changes: Change[] }).changes;
  assert.ok(changes[0].error?.startsWith('membership remove x via n4: no node answered'));
  assert.not.match(changes[0].error!, /\n/);
  assert.is(changes[0].via, 'n4');
  assert.is(changes[1].answered, 'none');
  await f.stop();
  assert.ok(rt.clean());
});

test('no known leader: aims at a random node and says so; fewer than 3 nodes is one line and no cut', async () => {
  const rt = new FakeRuntime(N5);
  const g = new FakeGroup(rt, 'n2', false);
  const f = await membershipFault.start(
    ctx(rt, g.hook, { leader: async () => undefined, rnd: new Random(9) }),
    'split-minority',
  );
  assert.is((f.value as { leaderFound: boolean }).leaderFound, false);
  assert.ok(N5.includes((f.value as { node: string }).node));
  await f.stop();
  const rt2 = new FakeRuntime(['n1', 'n2']);
  try {
    await membershipFault.start(ctx(rt2, g.hook, { nodes: ['n1', 'n2'] }), 'split-minority');
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /^split-minority needs at least 3 nodes, got 2$/);
  }
  assert.equal(rt2.calls, []);
});

test('opt-in: named only; in the nemesis runner start-membership and stop-membership carry the answers', async () => {
  assert.not.ok(parseNemesisSpec('membership').packages[0].shapes.includes('split-minority'));
  assert.equal(parseNemesisSpec('membership:split-minority').packages[0].shapes, ['split-minority']);
  const rt = new FakeRuntime(N5);
  const g = new FakeGroup(rt, 'n4', false, 10);
  const events: NewEvent[] = [];
  const t0 = Date.now();
  const n = new Nemesis({
    packages: parseNemesisSpec('membership:split-minority').packages,
    steps: [{ pkg: 0, lane: 0, startMs: 0, endMs: 60 }],
    rnd: new Random(2),
    ctx: ctx(rt, g.hook),
    record: (e) => events.push(e),
    now: () => Date.now() - t0,
    log: () => undefined,
    elapsedMs: () => Date.now() - t0,
  });
  n.start();
  await sleep(150);
  await n.stop();
  const info = events.filter((e) => e.type === 'info');
  assert.equal(
    info.map((e) => e.f),
    ['start-membership', 'stop-membership', 'heal-membership', 'heal-all'],
  );
  const start = info[0].value as { shape: string; changes: Change[] };
  assert.is(start.shape, 'split-minority');
  assert.equal(start.changes.map((c) => c.answered).sort(), [409, 503]);
  assert.is((info[1].value as { healed: boolean }).healed, true);
  assert.ok(rt.clean());
});

test.run();

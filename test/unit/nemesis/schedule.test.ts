// The nemesis runner and the fault packages against a runtime that only remembers what was done to it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../../harness/generator/random.js';
import type { NewEvent } from '../../../harness/history/writer.js';
import {
  killFault,
  latencyFault,
  partitionFault,
  pauseFault,
  type FaultContext,
} from '../../../harness/nemesis/faults.js';
import { parseNemesisSpec } from '../../../harness/nemesis/packages.js';
import { Nemesis } from '../../../harness/nemesis/schedule.js';
import type { Step } from '../../../harness/nemesis/plan.js';
import { FakeRuntime } from './fake-runtime.js';

const N5 = ['n1', 'n2', 'n3', 'n4', 'n5'];

function ctx(rt: FakeRuntime, o: Partial<FaultContext> = {}): FaultContext & { asked: (string | undefined)[] } {
  const asked: (string | undefined)[] = [];
  return {
    runtime: rt,
    nodes: rt.names,
    rnd: new Random(1),
    asked,
    // n3 leads the shard of key "hot", n1 leads everything else.
    leader: async (key) => {
      asked.push(key);
      return key === 'hot' ? 'n3' : 'n1';
    },
    hotKey: () => 'hot',
    ...o,
  };
}

test("isolate-hot-leader cuts the hot shard's leader from every peer, both ways", async () => {
  const rt = new FakeRuntime(N5);
  const c = ctx(rt);
  const f = await partitionFault.start(c, 'isolate-hot-leader');
  assert.equal(c.asked, ['hot']);
  assert.is(f.value.target, 'n3');
  assert.is(f.value.hotKey, 'hot');
  assert.equal(rt.grudge.n3, ['n1', 'n2', 'n4', 'n5']);
  for (const n of ['n1', 'n2', 'n4', 'n5']) assert.equal(rt.grudge[n], ['n3']);
  await f.stop();
  assert.ok(rt.clean());
});

test('one-way shapes: deaf hears nobody but is heard; mute is heard by nobody but hears', async () => {
  const rt = new FakeRuntime(N5);
  const d = await partitionFault.start(ctx(rt), 'one-way-deaf');
  assert.equal(rt.grudge, { n3: ['n1', 'n2', 'n4', 'n5'] });
  await d.stop();
  const m = await partitionFault.start(ctx(rt), 'one-way-mute');
  assert.equal(rt.grudge, { n1: ['n3'], n2: ['n3'], n4: ['n3'], n5: ['n3'] });
  assert.is(m.value.shape, 'one-way-mute');
});

test('no hot key yet: the targeted shapes fall back to any leader', async () => {
  const rt = new FakeRuntime(N5);
  const c = ctx(rt, { hotKey: () => undefined });
  await partitionFault.start(c, 'isolate-hot-leader');
  assert.equal(c.asked, [undefined]);
  assert.equal(rt.grudge.n1, ['n2', 'n3', 'n4', 'n5']);
});

test('pause leader-long holds the hot leader frozen for at least three election timeouts', async () => {
  const rt = new FakeRuntime(N5);
  const f = await pauseFault.start(ctx(rt, { electionTimeoutMs: 40 }), 'leader-long');
  assert.ok(rt.paused.has('n3'));
  assert.is(f.value.atLeastMs, 120);
  const t0 = Date.now();
  const v = await f.stop();
  assert.ok(Date.now() - t0 >= 100, 'stop waited out the hold');
  assert.ok((v.pausedMs as number) >= 120);
  assert.not.ok(rt.paused.has('n3'));
});

test("kill hot-leader kills the hot shard's leader and restarts it", async () => {
  const rt = new FakeRuntime(N5);
  const f = await killFault.start(ctx(rt), 'hot-leader');
  assert.equal([...rt.killed], ['n3']);
  await f.stop();
  assert.ok(rt.clean());
});

test('kill all and majority: every node, or more than half, at once; stop restarts them', async () => {
  const rt = new FakeRuntime(N5);
  const a = await killFault.start(ctx(rt), 'all');
  assert.equal([...rt.killed].sort(), N5);
  await a.stop();
  assert.ok(rt.clean());
  const m = await killFault.start(ctx(rt), 'majority');
  assert.is(rt.killed.size, 3);
  await m.stop();
  assert.ok(rt.clean());
});

test('latency: delay ± half of it on a minority or the hot leader; stop removes it', async () => {
  for (let seed = 0; seed < 10; seed++) {
    const rt = new FakeRuntime(N5);
    const f = await latencyFault.start(ctx(rt, { rnd: new Random(seed) }), '200');
    assert.ok(rt.lat.size >= 1 && rt.lat.size <= 2);
    for (const v of rt.lat.values()) assert.equal(v, { ms: 200, jitterMs: 100 });
    await f.stop();
    assert.ok(rt.clean());
  }
});

function runner(rt: FakeRuntime, spec: string, steps: Step[], events: NewEvent[]): Nemesis {
  const t0 = Date.now();
  return new Nemesis({
    packages: parseNemesisSpec(spec).packages,
    steps,
    rnd: new Random(2),
    ctx: ctx(rt),
    record: (e) => events.push(e),
    now: () => Date.now() - t0,
    log: () => undefined,
    elapsedMs: () => Date.now() - t0,
  });
}

test(
  'overlapping packages run at once; each start and stop is recorded; ' +
    'stop() ends active faults, heals each package, then everything',
  async () => {
    const rt = new FakeRuntime(N5);
    const events: NewEvent[] = [];
    // partition 20-120 ms on lane 0; latency 40-90 ms on lane 1; pause from 100 ms, still active at stop().
    const steps: Step[] = [
      { pkg: 0, lane: 0, startMs: 20, endMs: 120 },
      { pkg: 1, lane: 1, startMs: 40, endMs: 90 },
      { pkg: 2, lane: 2, startMs: 100, endMs: 10_000 },
    ];
    const n = runner(rt, 'partition:halves,latency:50,pause:one', steps, events);
    n.start();
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(Object.keys(rt.grudge).length > 0 && rt.lat.size > 0, 'partition and latency active together');
    assert.equal(n.state.active.map((a) => a.kind).sort(), ['latency', 'partition']);
    await new Promise((r) => setTimeout(r, 90));
    assert.is(rt.paused.size, 1);
    await n.stop();
    assert.ok(rt.clean());
    const fs = events.filter((e) => e.type === 'info').map((e) => e.f);
    assert.equal([...fs].sort(), [
      'heal-all',
      'heal-latency',
      'heal-partition',
      'heal-pause',
      'start-latency',
      'start-partition',
      'start-pause',
      'stop-latency',
      'stop-partition',
      'stop-pause',
    ]);
    // Each fault starts before it stops; the packages' final heals come after every stop, heal-all last.
    for (const k of ['partition', 'latency', 'pause']) assert.ok(fs.indexOf(`start-${k}`) < fs.indexOf(`stop-${k}`));
    assert.equal(fs.slice(-4), ['heal-partition', 'heal-latency', 'heal-pause', 'heal-all']);
    for (const e of events) assert.is(e.process, 'nemesis');
    assert.is(events.filter((e) => e.type === 'invoke').length, events.filter((e) => e.type === 'info').length);
    const start = events.find((e) => e.f === 'start-latency' && e.type === 'info')!;
    assert.equal((start.value as { ms: number }).ms, 50);
  },
);

test('a failing fault is recorded with its error and the schedule goes on', async () => {
  const rt = new FakeRuntime(N5, false);
  const events: NewEvent[] = [];
  const n = runner(
    rt,
    'clock,kill:one',
    [
      { pkg: 0, lane: 0, startMs: 0, endMs: 10 },
      { pkg: 1, lane: 0, startMs: 20, endMs: 30 },
    ],
    events,
  );
  n.start();
  await new Promise((r) => setTimeout(r, 60));
  await n.stop();
  const failed = events.find((e) => e.f === 'start-clock' && e.type === 'info')!;
  assert.match(String(failed.error), /libfaketime/);
  assert.ok(events.some((e) => e.f === 'stop-kill' && e.type === 'info'));
  assert.is(n.state.errors.length, 1);
  assert.ok(rt.clean());
});

test.run();

// The `membership` nemesis end to end on the local runtime against the reference cluster: `faultline run
// --nemesis membership` stays valid and records every removal and re-add with the shards it changed; churn
// and removed leaders composed with partitions and kills stay valid; a node that is down is removed and
// re-added through the leaders; and after the nemesis heals, every shard's voters are its placement replicas.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import type { HistoryEvent } from '../../harness/history/op.js';
import type { NewEvent } from '../../harness/history/writer.js';
import { parseHistory } from '../../harness/history/readers/index.js';
import type { FaultContext } from '../../harness/nemesis/faults.js';
import { parseNemesisSpec } from '../../harness/nemesis/packages.js';
import { Nemesis } from '../../harness/nemesis/schedule.js';
import { LocalRuntime } from '../../harness/runtime/local/local-runtime.js';
import type { NodeHandle } from '../../harness/target/types.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import { referenceTarget } from '../../targets/reference/index.js';
import { leader, statuses } from '../../targets/reference/status.js';
import { runCli, runDirOf } from '../helpers/cli.js';
import { assertMembershipHistory, everyShardWhole } from '../helpers/membership.js';

const out = mkdtempSync(join(tmpdir(), 'fl-membership-local-'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function run(args: string[]): { code: number | null; stdout: string; stderr: string; events: HistoryEvent[]; dir?: string } {
  const r = runCli(['run', '--runtime', 'local', '--out', out, ...args], { timeoutMs: 180_000 });
  let events: HistoryEvent[] = [];
  let dir: string | undefined;
  try {
    dir = runDirOf(r.stdout);
    events = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8')).events;
  } catch { /* no run folder: the caller asserts on the output */ }
  return { ...r, events, dir };
}

test.after(() => rmSync(out, { recursive: true, force: true }));

test('faultline run --nemesis membership on 3 nodes: valid; each removal and re-add is recorded with the shards it changed', () => {
  const r = run(['--nodes', '3', '--time-limit', '15', '--nemesis', 'membership', '--nemesis-interval', '2', '--seed', '3']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /VALID/);
  const n = assertMembershipHistory(r.events);
  assert.ok(n.starts >= 2, `${n.starts} removals`);
  assert.is(JSON.parse(readFileSync(join(r.dir!, 'results.json'), 'utf8')).valid, true);
});

test('churn and removed leaders composed with partitions and kills on 5 nodes, random schedule: valid, every change recorded', () => {
  const r = run(['--nodes', '5', '--time-limit', '20', '--nemesis', 'membership:churn/remove-leader,partition,kill', '--nemesis-schedule', 'random', '--nemesis-interval', '2', '--seed', '5']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const nem = r.events.filter((e) => e.process === 'nemesis' && e.type === 'info');
  const shapes = new Set(nem.filter((e) => e.f === 'start-membership' && !e.error).map((e) => (e.value as { shape: string }).shape));
  assert.ok(shapes.has('churn') && shapes.has('remove-leader'), `shapes: ${[...shapes].join(', ')}`);
  assert.ok(nem.some((e) => e.f === 'start-partition' && !e.error) && nem.some((e) => e.f === 'start-kill' && !e.error));
  assertMembershipHistory(r.events);
  assert.is(JSON.parse(readFileSync(join(r.dir!, 'results.json'), 'utf8')).valid, true);
});

test('the nemesis on a live cluster with a partition and a down node: removals go through the leaders, heal makes every shard whole', async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'fl-membership-nodes-'));
  const rt = new LocalRuntime();
  try {
    const hs: NodeHandle[] = await rt.up(referenceSpec({ runId: 'membership-local', nodes: 4, logDir, options: { 'election-ms': '300', 'heartbeat-ms': '30', shards: '4' } }));
    await rt.waitHealthy(20_000);
    const ctx: FaultContext = {
      runtime: rt, nodes: hs.map((h) => h.name), rnd: new Random(11), leader: (key) => leader(hs, key), hotKey: () => 'k1', electionTimeoutMs: 300,
      membership: (op, node) => referenceTarget.membership!(hs, op, node, {}),
    };
    // A node that is down is still removed (through each of its shards' leaders) and re-added.
    await rt.kill('n4');
    const removed = await ctx.membership!('remove', 'n4');
    assert.ok((removed.changed as number[]).length >= 1, JSON.stringify(removed));
    for (const members of Object.values(removed.shards as Record<string, string[]>)) assert.not.ok(members.includes('n4'));
    // With n4 still down: the nemesis removes and re-adds under partitions, then its final heal re-adds everyone.
    const events: NewEvent[] = [];
    const t0 = Date.now();
    const nemesis = new Nemesis({
      packages: parseNemesisSpec('membership:remove-one/remove-leader/churn,partition:isolate-one/one-way-deaf').packages,
      steps: [
        { pkg: 0, lane: 0, startMs: 0, endMs: 1500 }, { pkg: 0, lane: 0, startMs: 2000, endMs: 3500 },
        { pkg: 1, lane: 1, startMs: 500, endMs: 2500 },
      ],
      rnd: new Random(12), ctx, record: (e) => events.push(e), now: () => Date.now() - t0, log: () => undefined, elapsedMs: () => Date.now() - t0,
    });
    nemesis.start();
    await sleep(4000);
    await nemesis.stop();
    const info = events.filter((e) => e.type === 'info');
    assert.ok(info.filter((e) => e.f === 'start-membership' && !e.error).length >= 1, JSON.stringify(info.map((e) => [e.f, e.error])));
    const heal = info.find((e) => e.f === 'heal-membership')!;
    assert.not.ok(heal.error, String(heal.error));
    await rt.start('n4');
    await rt.waitHealthy(30_000);
    // Every node's view of every shard it hosts: the voters are its placement replicas again.
    const whole = await everyShardWhole(() => statuses(hs), 20_000);
    assert.ok(whole.ok, whole.why);
  } finally {
    await rt.down();
    rmSync(logDir, { recursive: true, force: true });
  }
});

test.run();

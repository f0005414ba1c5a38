// The `membership` nemesis end to end on the local runtime against the reference cluster: `faultline run
// --nemesis membership` stays valid and records every removal and re-add with the shards it changed; churn
// and removed leaders composed with partitions and kills stay valid; a node that is down is removed and
// re-added through the leaders; and after the nemesis heals, every shard's voters are its placement replicas.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalRuntime } from '../../harness/runtime/local/local-runtime.js';
import type { NodeHandle } from '../../harness/target/types.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import { runLocal } from '../helpers/cli.js';
import { assertMembershipHistory, downNodeStory } from '../helpers/membership.js';

const out = mkdtempSync(join(tmpdir(), 'fl-membership-local-'));

const run = (args: string[]): ReturnType<typeof runLocal> => runLocal(out, args);

test.after(() => rmSync(out, { recursive: true, force: true }));

test(
  'faultline run --nemesis membership on 3 nodes: valid; ' +
    'each removal and re-add is recorded with the shards it changed',
  () => {
    const r = run([
      '--nodes',
      '3',
      '--time-limit',
      '15',
      '--nemesis',
      'membership',
      '--nemesis-interval',
      '2',
      '--seed',
      '3',
    ]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /VALID/);
    const n = assertMembershipHistory(r.events);
    assert.ok(n.starts >= 2, `${n.starts} removals`);
    assert.is(JSON.parse(readFileSync(join(r.dir!, 'results.json'), 'utf8')).valid, true);
  },
);

test(
  'churn and removed leaders composed with partitions and kills on 5 nodes, ' +
    'random schedule: valid, every change recorded',
  () => {
    const r = run([
      '--nodes',
      '5',
      '--time-limit',
      '20',
      '--nemesis',
      'membership:churn/remove-leader,partition,kill',
      '--nemesis-schedule',
      'random',
      '--nemesis-interval',
      '2',
      '--seed',
      '5',
    ]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const nem = r.events.filter((e) => e.process === 'nemesis' && e.type === 'info');
    const shapes = new Set(
      nem.filter((e) => e.f === 'start-membership' && !e.error).map((e) => (e.value as { shape: string }).shape),
    );
    assert.ok(shapes.has('churn') && shapes.has('remove-leader'), `shapes: ${[...shapes].join(', ')}`);
    assert.ok(
      nem.some((e) => e.f === 'start-partition' && !e.error) && nem.some((e) => e.f === 'start-kill' && !e.error),
    );
    assertMembershipHistory(r.events);
    assert.is(JSON.parse(readFileSync(join(r.dir!, 'results.json'), 'utf8')).valid, true);
  },
);

test(
  'the nemesis on a live cluster with a partition and a down node: ' +
    'removals go through the leaders, heal makes every shard whole',
  async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'fl-membership-nodes-'));
    const rt = new LocalRuntime();
    const secret = randomBytes(32).toString('hex');
    try {
      const hs: NodeHandle[] = await rt.up(
        referenceSpec({
          runId: 'membership-local',
          nodes: 4,
          logDir,
          secret,
          options: { 'election-ms': '300', 'heartbeat-ms': '30', shards: '4' },
        }),
      );
      await rt.waitHealthy(20_000);
      // A node that is down is still removed (through each of its shards' leaders) and re-added; with it still
      // down, the nemesis removes and re-adds under partitions, then its final heal re-adds everyone.
      await downNodeStory(rt, hs, {
        seed: 11,
        secret,
        nemesis: 'membership:remove-one/remove-leader/churn,partition:isolate-one/one-way-deaf',
        runMs: 4000,
        wholeMs: 20_000,
        steps: [
          { pkg: 0, lane: 0, startMs: 0, endMs: 1500 },
          { pkg: 0, lane: 0, startMs: 2000, endMs: 3500 },
          { pkg: 1, lane: 1, startMs: 500, endMs: 2500 },
        ],
      });
    } finally {
      await rt.down();
      rmSync(logDir, { recursive: true, force: true });
    }
  },
);

test.run();

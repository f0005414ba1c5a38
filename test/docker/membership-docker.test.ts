// The `membership` nemesis end to end on the docker runtime against the reference cluster: `faultline run
// --nemesis membership,partition` stays valid and records every removal and re-add with the shards it changed;
// on a live cluster, a stopped container's node is removed and re-added through the leaders, the nemesis runs
// churn and removed leaders beside iptables partitions, and after its heal every shard's voters are its
// placement replicas again.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HistoryEvent } from '../../harness/history/op.js';
import { parseHistory } from '../../harness/history/readers/index.js';
import { DockerRuntime } from '../../harness/runtime/docker/docker-runtime.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import { runDirOf } from '../helpers/cli.js';
import { dockerHooks, dockerTest } from '../helpers/docker.js';
import { assertMembershipHistory, downNodeStory } from '../helpers/membership.js';
import { CLI } from '../helpers/paths.js';

const runId = `tm${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const logDir = mkdtempSync(join(tmpdir(), 'fl-membership-docker-'));
const out = mkdtempSync(join(tmpdir(), 'fl-membership-docker-runs-'));
let rt: DockerRuntime | undefined;

dockerHooks(test, {
  after: async () => {
    await rt?.down();
    rmSync(logDir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  },
});

dockerTest(
  test,
  'docker run --nemesis membership,partition on 3 nodes: valid; ' +
    'each removal and re-add recorded with the shards it changed',
  () => {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'run',
        '--runtime',
        'docker',
        '--out',
        out,
        '--nodes',
        '3',
        '--time-limit',
        '20',
        '--seed',
        '41',
        '--nemesis',
        'membership,partition',
        '--nemesis-schedule',
        'random',
        '--nemesis-interval',
        '2',
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    assert.is(r.status, 0, r.stdout + r.stderr);
    const dir = runDirOf(r.stdout);
    const events: HistoryEvent[] = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8')).events;
    assertMembershipHistory(events);
    assert.ok(
      events.some((e) => e.process === 'nemesis' && e.type === 'info' && e.f === 'start-partition' && !e.error),
      'a partition ran too',
    );
    assert.is(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).valid, true);
  },
);

dockerTest(
  test,
  'docker: a stopped node is removed and re-added through the leaders; ' +
    'churn beside partitions; every shard whole after heal',
  async () => {
    rt = new DockerRuntime({ log: () => undefined });
    const secret = randomBytes(32).toString('hex');
    const hs = await rt.up(
      referenceSpec({
        runId,
        nodes: 4,
        logDir,
        secret,
        options: { 'election-ms': '300', 'heartbeat-ms': '30', shards: '4' },
      }),
    );
    await rt.waitHealthy(30_000);
    await downNodeStory(rt, hs, {
      seed: 21,
      secret,
      nemesis: 'membership:churn/remove-leader,partition:isolate-one/one-way-mute',
      runMs: 5000,
      wholeMs: 30_000,
      steps: [
        { pkg: 0, lane: 0, startMs: 0, endMs: 2000 },
        { pkg: 0, lane: 0, startMs: 2500, endMs: 4500 },
        { pkg: 1, lane: 1, startMs: 500, endMs: 3000 },
      ],
    });
  },
);

test.run();

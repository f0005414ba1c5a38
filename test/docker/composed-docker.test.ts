// Composed and targeted faults on the docker runtime: the hot key's leader cut from its followers (iptables on
// peer traffic only) still answers clients; a muted leader is replaced; and `faultline run` with overlapping
// targeted partitions, latency (through the gateway relay) and long leader pauses on the random schedule keeps
// a correct cluster valid.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import type { HistoryEvent } from '../../harness/history/op.js';
import { parseHistory } from '../../harness/history/readers/index.js';
import { HttpClient } from '../../harness/net/http.js';
import { partitionFault, type FaultContext } from '../../harness/nemesis/faults.js';
import { DockerRuntime } from '../../harness/runtime/docker/docker-runtime.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import { leader } from '../../targets/reference/status.js';
import { runDirOf } from '../helpers/cli.js';
import { dockerHooks, dockerTest } from '../helpers/docker.js';
import { CLI } from '../helpers/paths.js';
import { until } from '../helpers/until.js';

const runId = `tc${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const logDir = mkdtempSync(join(tmpdir(), 'fl-composed-docker-'));
const out = mkdtempSync(join(tmpdir(), 'fl-composed-docker-runs-'));
const HOT = 'hot-key';
const http = new HttpClient();
let rt: DockerRuntime;

function ctx(): FaultContext {
  const hs = rt.nodes();
  return {
    runtime: rt,
    nodes: hs.map((h) => h.name),
    rnd: new Random(3),
    leader: (key) => leader(hs, key),
    hotKey: () => HOT,
    electionTimeoutMs: 300,
  };
}

dockerHooks(test, {
  before: async () => {
    rt = new DockerRuntime({ log: () => undefined });
    await rt.up(
      referenceSpec({ runId, nodes: 3, logDir, options: { 'election-ms': '300', 'heartbeat-ms': '30', shards: '1' } }),
    );
  },
  after: async () => {
    http.close();
    await rt?.down();
    rmSync(logDir, { recursive: true, force: true });
  },
});

dockerTest(
  test,
  'docker isolate-hot-leader: peer links cut, clients still get answers from it; the others elect',
  async () => {
    const hs = rt.nodes();
    const old = await until('a leader', 20_000, () => leader(hs, HOT));
    const f = await partitionFault.start(ctx(), 'isolate-hot-leader');
    assert.is(f.value.target, old);
    let status: number | string;
    try {
      status = (
        await http.call(
          `${hs.find((h) => h.name === old)!.url}/kv`,
          'POST',
          { op: 'write', key: HOT, value: 1, client: 'composed-docker', seq: 1 },
          4000,
        )
      ).status;
    } catch (e) {
      status = `no answer (${(e as Error).message})`;
    }
    assert.ok(status === 200 || status === 421 || status === 503, `the isolated leader answered ${status}`);
    const others = hs.filter((h) => h.name !== old);
    const fresh = await until('a new leader among the majority', 15_000, () => leader(others, HOT));
    assert.is.not(fresh, old);
    await f.stop();
    await rt.waitHealthy(30_000);
  },
);

dockerTest(
  test,
  'docker one-way-mute: nobody hears the leader; the others elect and the old one steps down',
  async () => {
    const hs = rt.nodes();
    const old = await until('a leader', 20_000, () => leader(hs, HOT));
    const f = await partitionFault.start(ctx(), 'one-way-mute');
    const others = hs.filter((h) => h.name !== old);
    await until('a new leader among the others', 15_000, () => leader(others, HOT));
    await until('the muted leader stepped down', 15_000, async () =>
      (await leader(
        hs.filter((h) => h.name === old),
        HOT,
      )) === undefined
        ? true
        : undefined,
    );
    await f.stop();
    await rt.waitHealthy(30_000);
  },
);

dockerTest(
  test,
  'docker run: overlapping targeted partitions, latency and long leader pauses on the random schedule stay valid',
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
        '25',
        '--seed',
        '31',
        '--nemesis',
        'partition:isolate-hot-leader/one-way-deaf/one-way-mute,latency,pause:leader-long',
        '--nemesis-schedule',
        'random',
        '--nemesis-interval',
        '3',
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    assert.is(r.status, 0, r.stdout + r.stderr);
    const dir = runDirOf(r.stdout);
    const events: HistoryEvent[] = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8')).events;
    const nem = events.filter((e) => e.process === 'nemesis' && e.type === 'info');
    const started = nem.filter((e) => e.f.startsWith('start-') && !e.error).map((e) => e.f);
    assert.ok(
      started.includes('start-latency'),
      `latency started without error: ${nem
        .filter((e) => e.error)
        .map((e) => `${e.f}: ${e.error}`)
        .join('; ')}`,
    );
    assert.ok(started.includes('start-partition'));
    const active = new Set<string>();
    let most = 0;
    for (const e of nem) {
      if (e.error) continue;
      if (e.f.startsWith('start-')) active.add(e.f);
      if (e.f.startsWith('stop-')) active.delete(`start-${e.f.slice(5)}`);
      most = Math.max(most, active.size);
    }
    assert.ok(most >= 2, 'faults overlapped');
    assert.is(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).valid, true);
  },
);

test.run();

// --nemesis latency on the docker runtime: no netem in this kernel, so peer dials of the delayed nodes are
// steered (nat OUTPUT DNAT in the containers' namespaces) through a harness-side relay on the network gateway
// that holds bytes back. Measured as added Raft commit latency (two peer hops per commit); the relay's cost at
// zero delay is measured too; partitions still bite on relayed connections; the steering rules go away.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerRuntime } from '../../harness/runtime/docker/docker-runtime.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import { commitLatencies, median, quantile } from '../helpers/commit-latency.js';
import { dockerHooks, dockerTest } from '../helpers/docker.js';
import { TestKv } from '../helpers/kv-client.js';

const runId = `tl${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const logDir = mkdtempSync(join(tmpdir(), 'fl-latency-docker-'));
const ALL = ['n1', 'n2', 'n3'];
let rt: DockerRuntime;
let kv: TestKv;

dockerHooks(test, {
  before: async () => {
    rt = new DockerRuntime({ log: () => undefined });
    await rt.up(
      referenceSpec({ runId, nodes: 3, logDir, options: { 'election-ms': '1000', 'heartbeat-ms': '50', shards: '1' } }),
    );
    kv = new TestKv(rt.nodes().map((n) => n.url));
  },
  after: async () => {
    kv?.close();
    await rt?.down();
    rmSync(logDir, { recursive: true, force: true });
  },
});

dockerTest(
  test,
  '100 ms on every node adds about two hops to each commit, through the gateway relay; removal leaves no rule',
  async () => {
    const base = median(await commitLatencies(kv, 'lat', 15));
    assert.is(rt.latencyRelayStats(), undefined, 'no relay before latency is first used');
    await rt.latency(ALL, 100, 0);
    for (const n of ALL) assert.is(rt.steeringOf(n).length, 4, `${n}: DNAT + reset rule for each of its 2 peers`);
    const slow = await commitLatencies(kv, 'lat', 15);
    const stats = rt.latencyRelayStats()!;
    assert.ok(
      stats.accepted > 0 && stats.delayedChunks > 0,
      `peer traffic went through the relay (${JSON.stringify(stats)})`,
    );
    await rt.latency(ALL, 0, 0);
    for (const n of ALL) assert.equal(rt.steeringOf(n), [], `${n}: steering removed`);
    // Connections opened while steered stay relayed, now without delay: what the relay itself costs.
    const relayed = median(await commitLatencies(kv, 'lat', 15));
    const added = median(slow) - base;
    console.log(
      `docker commit latency: base ${base.toFixed(1)} ms, ` +
        `with 100 ms on every node ${median(slow).toFixed(1)} ms (+${added.toFixed(1)}), ` +
        `relayed at 0 ms ${relayed.toFixed(1)} ms`,
    );
    assert.ok(added >= 180 && added <= 450, `added ${added.toFixed(1)} ms`);
    assert.ok(
      relayed < base + 60,
      `the relay at zero delay costs little (${relayed.toFixed(1)} vs ${base.toFixed(1)} ms)`,
    );
  },
);

dockerTest(test, 'jitter spreads the delay; a partition still cuts relayed links; healAll clears latency', async () => {
  await rt.latency(ALL, 100, 80);
  const xs = await commitLatencies(kv, 'jit', 25);
  const spread = quantile(xs, 0.9) - quantile(xs, 0.1);
  console.log(
    `docker commit latency with 100 ± 80 ms: p10 ${quantile(xs, 0.1).toFixed(1)} ` +
      `p50 ${median(xs).toFixed(1)} p90 ${quantile(xs, 0.9).toFixed(1)} ms`,
  );
  assert.ok(spread > 60, `spread ${spread.toFixed(1)} ms`);
  // Every node isolated from every other: no commit is possible, even though peer bytes take the relay.
  await rt.partition({ n1: ['n2', 'n3'], n2: ['n1', 'n3'], n3: ['n1', 'n2'] });
  let committed = true;
  try {
    await kv.call({ op: 'write', key: 'jit', value: 99, client: 'latency-docker', seq: 1 }, 3000);
  } catch {
    committed = false;
  }
  assert.not.ok(committed, 'no write commits while every node is isolated');
  await rt.healAll();
  for (const n of ALL) assert.equal(rt.steeringOf(n), []);
  await rt.waitHealthy(30_000);
  const r = await kv.call({ op: 'write', key: 'jit', value: 100, client: 'latency-docker', seq: 2 }, 20_000);
  assert.is(r.ok, true, 'writes commit again after healing');
});

test.run();

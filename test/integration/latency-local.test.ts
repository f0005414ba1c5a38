// --nemesis latency on the local runtime: Runtime.latency delays every peer byte a node receives (the relay),
// measured as the added Raft commit latency of writes (two peer hops per commit), with jitter spreading it,
// and removed without a trace. Client traffic is never delayed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalRuntime } from '../../harness/runtime/local/local-runtime.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import { commitLatencies, median, quantile } from '../helpers/commit-latency.js';
import { TestKv } from '../helpers/kv-client.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-latency-local-'));
const rt = new LocalRuntime();
let kv: TestKv;
const ALL = ['n1', 'n2', 'n3'];

test.before(async () => {
  const hs = await rt.up(
    referenceSpec({
      runId: 'latency-local',
      nodes: 3,
      logDir: dir,
      options: { 'election-ms': '1000', 'heartbeat-ms': '50', shards: '1' },
    }),
  );
  kv = new TestKv(hs.map((h) => h.url));
});

test.after(async () => {
  kv?.close();
  await rt.down();
  rmSync(dir, { recursive: true, force: true });
});

test('100 ms on every node adds about two hops (200 ms) to each commit; 0 removes it', async () => {
  const base = median(await commitLatencies(kv, 'lat', 15));
  await rt.latency(ALL, 100, 0);
  const slow = await commitLatencies(kv, 'lat', 15);
  await rt.latency(ALL, 0, 0);
  const after = median(await commitLatencies(kv, 'lat', 15));
  const added = median(slow) - base;
  console.log(
    `local commit latency: base ${base.toFixed(1)} ms, ` +
      `with 100 ms on every node ${median(slow).toFixed(1)} ms (+${added.toFixed(1)}), ` +
      `after removal ${after.toFixed(1)} ms`,
  );
  assert.ok(added >= 180 && added <= 450, `added ${added.toFixed(1)} ms`);
  assert.ok(after < base + 60, `back to normal (${after.toFixed(1)} vs ${base.toFixed(1)} ms)`);
  for (const n of ALL) assert.is(rt.relay.latencyOf(n), undefined);
});

test('jitter spreads the delay: 100 ± 80 ms on every node widens the spread of commit times', async () => {
  await rt.latency(ALL, 100, 80);
  const xs = await commitLatencies(kv, 'jit', 30);
  await rt.healAll();
  const spread = quantile(xs, 0.9) - quantile(xs, 0.1);
  console.log(
    `local commit latency with 100 ± 80 ms: p10 ${quantile(xs, 0.1).toFixed(1)} ` +
      `p50 ${median(xs).toFixed(1)} p90 ${quantile(xs, 0.9).toFixed(1)} ms`,
  );
  assert.ok(spread > 60, `spread ${spread.toFixed(1)} ms`);
  for (const n of ALL) assert.is(rt.relay.latencyOf(n), undefined, 'healAll removes latency');
});

test('bad values get a clear error', async () => {
  try {
    await rt.latency(['n1'], -5, 0);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /latency must be finite and >= 0/);
  }
});

test.run();

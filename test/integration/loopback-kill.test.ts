// Three real node processes on loopback (no Docker): write, read back, kill -9 the leader, a new leader is
// elected, restart the old one, and every acknowledged write is still there, on every node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import { TestKv } from '../helpers/kv-client.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-loop-'));
let lp: LocalProcesses;
let kv: TestKv;

test.before(async () => {
  lp = await LocalProcesses.create({ nodes: 3, dir });
  lp.startAll();
  kv = new TestKv(lp.nodes.map((n) => n.url));
});

test.after(async () => {
  kv.close();
  await lp.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

test('acknowledged writes survive kill -9 of the leader and its restart', async () => {
  const leader = await kv.waitLeader();
  const acked = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const key = `k${i % 5}`;
    const r = await kv.call({ op: 'write', key, value: i, client: 't', seq: i + 1 });
    assert.is(r.ok, true);
    acked.set(key, i);
  }
  for (const [key, v] of acked) assert.is((await kv.call({ op: 'read', key })).value, v, `read back ${key}`);

  await lp.kill(leader.id);
  const others = lp.nodes.filter((n) => n.name !== leader.id).map((n) => n.url);
  const next = await kv.waitLeader(10_000, others);
  assert.is.not(next.id, leader.id);
  kv.urls = others;
  for (let i = 40; i < 60; i++) {
    const key = `k${i % 5}`;
    assert.is((await kv.call({ op: 'write', key, value: i, client: 't', seq: i + 1 })).ok, true);
    acked.set(key, i);
  }
  // A retried write with an already-applied sequence number is not applied twice.
  const again = await kv.call({ op: 'write', key: 'k0', value: 'retry-of-seq-1', client: 't', seq: 1 });
  assert.is(again.ok, true);

  lp.start(leader.id);
  kv.urls = lp.nodes.map((n) => n.url);
  // The restarted node catches up: its applied index reaches the leader's commit index.
  const target = (await kv.status(next.url))!.commit;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const st = await kv.status(lp.node(leader.id).url);
    if (st && st.applied >= target) break;
    if (Date.now() > deadline) assert.unreachable(`restarted ${leader.id} did not catch up to ${target}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const [key, v] of acked) assert.is((await kv.call({ op: 'read', key })).value, v, `after restart, ${key}`);
});

test.run();

// Transactions on real node processes (5 nodes, 8 shards of 3 replicas, loopback): POST /txn across shards,
// concurrent clients, and kill -9 of a node while it coordinates transactions. Afterwards every transaction is
// all or nothing (and as its client was told), committed reads are prefixes of the final lists, every answer
// matched its declaration, and no lock, prepared transaction or record is left on any node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpClient } from '../../harness/net/http.js';
import type { Json, MicroOp, NodeStatus } from '../../system/node/api.js';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import { TxnTestClient, type TxnAnswer } from '../helpers/txn-client.js';
import { until } from '../helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-txn-'));
const http = new HttpClient();
let lp: LocalProcesses;
const refs = () => lp.nodes.map((n) => ({ name: n.name, url: n.url }));

async function statuses(): Promise<(NodeStatus | undefined)[]> {
  return Promise.all(
    lp.nodes.map(async (n) => {
      try {
        const r = await http.call(`${n.url}/status`, 'GET', undefined, 1000);
        return r.status === 200 ? (r.body as NodeStatus) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
}

/** Every node answers and every group it votes in knows a leader. */
const ready = async (): Promise<true | undefined> => ((await statuses()).every((s) => s?.ready) ? true : undefined);

/** Retries a transaction refused for want of a leader or by a lock conflict, until it commits. */
async function commit(c: TxnTestClient, ops: MicroOp[]): Promise<MicroOp[]> {
  let last: TxnAnswer | undefined;
  for (let i = 0; i < 100; i++) {
    last = await c.txn(ops);
    if (last.type === 'ok') return last.ops;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${JSON.stringify(ops)} never committed: ${JSON.stringify(last)}`);
}

test.before(async () => {
  lp = await LocalProcesses.create({ nodes: 5, dir, extraArgs: ['--shards', '8', '--replication', '3'] });
  lp.startAll();
  await until('the cluster is ready', 20_000, ready);
});

test.after(async () => {
  await lp.stopAll();
  http.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a transaction spans shards: it reads its own appends, keys keep their type, answers are declared', async () => {
  const c = new TxnTestClient(refs(), 0);
  const ops = await commit(c, [
    ['append', 'a1', 1],
    ['append', 'b1', 2],
    ['w', 'c1', 'x'],
    ['r', 'a1', null],
    ['r', 'c1', null],
    ['r', 'never', null],
  ]);
  assert.equal(ops.slice(3), [
    ['r', 'a1', [1]],
    ['r', 'c1', 'x'],
    ['r', 'never', null],
  ]);
  const wrong = await c.txn([
    ['append', 'a1', 3],
    ['append', 'c1', 4],
  ]);
  assert.equal(wrong, { type: 'fail', why: '409 wrong-type' });
  assert.equal(await commit(c, [['r', 'a1', null]]), [['r', 'a1', [1]]], 'the aborted append left nothing');
  const r = await http.call(`${lp.nodes[0].url}/txn`, 'POST', { ops: [['append', '', 1]] }, 3000);
  assert.is(r.status, 400);
  assert.equal(c.undeclared, []);
  c.close();
});

test('concurrent cross-shard transactions survive kill -9 of a node coordinating some: all or nothing', async () => {
  // Locks never wait (a conflicting prepare votes no at once), so few keys and many closed-loop clients
  // would mostly abort: five clients over sixteen keys keep enough committing.
  const keys = Array.from({ length: 16 }, (_, i) => `k${i}`);
  const clients = lp.nodes.map((_, i) => new TxnTestClient(refs(), i));
  const done: { ops: MicroOp[]; a: TxnAnswer }[] = [];
  let value = 0;
  let stop = false;
  const worker = async (c: TxnTestClient, w: number) => {
    let seed = w * 7919 + 1;
    const rnd = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    while (!stop) {
      const ops: MicroOp[] = Array.from({ length: 2 + rnd(2) }, () =>
        rnd(3) < 2 ? ['append', keys[rnd(keys.length)], ++value] : ['r', keys[rnd(keys.length)], null],
      );
      done.push({ ops, a: await c.txn(ops, 8000) });
    }
  };
  const workers = clients.map((c, i) => worker(c, i));
  // Kill a node the moment it is coordinating transactions (its /status counts them in flight).
  const victim = await until('some node coordinates transactions', 10_000, async () => {
    const sts = await statuses();
    return sts.find((s) => (s?.txn?.inFlight ?? 0) > 0)?.id;
  });
  await lp.kill(victim);
  await new Promise((r) => setTimeout(r, 1500));
  lp.start(victim);
  await new Promise((r) => setTimeout(r, 1500));
  stop = true;
  await Promise.all(workers);
  await until('the cluster is ready again', 20_000, ready);

  // Locks held by transactions whose coordinator died resolve through the logs: a transaction over every key
  // commits, and no node reports anything prepared, undecided or locked.
  const reader = new TxnTestClient(refs(), 0);
  const final = new Map<string, Json>();
  for (const [, k, v] of await commit(
    reader,
    keys.map((k): MicroOp => ['r', k, null]),
  ))
    final.set(String(k), v);
  await until('nothing is left prepared, undecided or locked', 20_000, async () => {
    const sts = await statuses();
    const quiet = sts.every((s) => s?.groups.every((g) => !g.txn?.prepared && !g.txn?.records && !g.txn?.locks));
    return quiet ? true : undefined;
  });

  const present = new Set<string>();
  for (const [k, v] of final) {
    const list = (v ?? []) as Json[];
    assert.is(new Set(list).size, list.length, `no element twice in ${k}`);
    for (const e of list) present.add(`${k}/${e}`);
  }
  const count = { ok: 0, fail: 0, info: 0, cross: 0 };
  for (const { ops, a } of done) {
    count[a.type]++;
    if (a.type === 'ok' && a.shards.length > 1) count.cross++;
    const appends = ops.filter((o) => o[0] === 'append');
    const seen = appends.filter(([, k, v]) => present.has(`${k}/${v}`)).length;
    const what = `${JSON.stringify(ops)} → ${JSON.stringify(a)}`;
    assert.ok(seen === 0 || seen === appends.length, `not atomic: ${what}`);
    if (a.type === 'ok') assert.is(seen, appends.length, `acknowledged but missing: ${what}`);
    if (a.type === 'fail') assert.is(seen, 0, `refused but applied: ${what}`);
    if (a.type === 'ok')
      for (const [f, k, v] of a.ops) {
        if (f !== 'r' || v === null) continue;
        const fin = (final.get(String(k)) ?? []) as Json[];
        assert.ok(
          (v as Json[]).every((e, i) => fin[i] === e),
          `read ${JSON.stringify(v)} of ${k} is no prefix of ${JSON.stringify(fin)}`,
        );
      }
  }
  const why = new Map<string, number>();
  for (const { a } of done) if (a.type !== 'ok') why.set(a.why, (why.get(a.why) ?? 0) + 1);
  const counts = `${JSON.stringify(count)} ${JSON.stringify([...why])}`;
  assert.ok(count.ok >= 10 && count.cross >= 5, `enough committed across shards: ${counts}`);
  for (const c of [...clients, reader]) {
    assert.equal(c.undeclared, []);
    c.close();
  }
});

test.run();

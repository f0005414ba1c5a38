// POST /admin/membership on a loopback cluster of three node processes (2 shards of 3 replicas): a shard's
// leader removes a follower and re-adds it (single-server changes, diss. §4.1), answers idempotently, refuses a
// removal below two voters, and keeps committing writes throughout; the removed replica learns of it and keeps
// knowing after a restart (WAL recovery); the re-added replica catches up from its old log; a leader that
// removes itself steps down once the entry commits (diss. §4.2.2) and another takes over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import type { GroupStatus, NodeStatus } from '../../system/node/api.js';
import { HttpClient } from '../../harness/net/http.js';
import { shardOf } from '../../system/shard/placement.js';

const SHARD = 1;
const dirs: string[] = [];
const http = new HttpClient();
let lp: LocalProcesses;

async function statusOf(name: string): Promise<NodeStatus | undefined> {
  try {
    return (await http.call(`${lp.node(name).url}/status`, 'GET', undefined, 1000)).body as NodeStatus;
  } catch {
    return undefined;
  }
}

function groupOf(st: NodeStatus | undefined): GroupStatus | undefined {
  return st?.groups.find((g) => g.group === String(SHARD));
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The node whose own status says it leads the shard (highest term wins). */
async function leader(): Promise<string> {
  return waitFor('a leader of the shard', async () => {
    let best: { name: string; term: number } | undefined;
    for (const n of lp.nodes) {
      const g = groupOf(await statusOf(n.name));
      if (g?.role === 'leader' && (!best || g.term > best.term)) best = { name: n.name, term: g.term };
    }
    return best?.name;
  });
}

function change(on: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return http.call(`${lp.node(on).url}/admin/membership`, 'POST', body, 10_000) as Promise<{
    status: number;
    body: Record<string, unknown>;
  }>;
}

let keySeq = 0;
/** A key of SHARD. */
function key(): string {
  for (;;) {
    const k = `k${keySeq++}`;
    if (shardOf(k, 2) === SHARD) return k;
  }
}

/** A write through the shard's leader, following redirects, until it commits. */
async function write(value: number): Promise<void> {
  const k = key();
  await waitFor(`write ${value}`, async () => {
    const l = await leader();
    const r = await http
      .call(`${lp.node(l).url}/kv`, 'POST', { op: 'write', key: k, value }, 5000)
      .catch(() => undefined);
    return r?.status === 200 ? true : undefined;
  });
}

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-member-'));
  dirs.push(dir);
  lp = await LocalProcesses.create({ nodes: 3, dir, extraArgs: ['--shards', '2', '--replication', '3'] });
  lp.startAll();
  await waitFor('ready', async () =>
    (await Promise.all(lp.nodes.map((n) => statusOf(n.name)))).every((s) => s?.ready) ? true : undefined,
  );
});

test.after(async () => {
  await lp.stopAll();
  http.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('status lists the members of every hosted shard: the placement replicas at first', async () => {
  for (const n of lp.nodes) {
    const st = (await statusOf(n.name))!;
    for (const g of st.groups) {
      assert.equal(g.members, [...st.placement![Number(g.group)]].sort());
      assert.is(g.member, true);
    }
  }
});

test('bad requests are refused with 400, and a follower answers 421 with the leader', async () => {
  const l = await leader();
  const f = lp.nodes.map((n) => n.name).find((n) => n !== l)!;
  for (const body of [
    { op: 'drop', node: f, shard: SHARD },
    { op: 'remove', node: 'n9', shard: SHARD },
    { op: 'remove', node: f, shard: 7 },
    { op: 'remove', node: f },
    [1],
  ]) {
    const r = await change(l, body);
    assert.is(r.status, 400, JSON.stringify(body));
    assert.is(r.body.error, 'bad-request');
  }
  const r = await change(f, { op: 'remove', node: f, shard: SHARD });
  assert.is(r.status, 421);
  assert.is(r.body.error, 'not-leader');
  assert.is(r.body.shard, SHARD);
});

test('remove a follower, write, refuse going below two voters, re-add it, and it catches up', async () => {
  await write(1);
  const l = await leader();
  const [x, y] = lp.nodes.map((n) => n.name).filter((n) => n !== l);
  const r = await change(l, { op: 'remove', node: x, shard: SHARD });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body, { ok: true, shard: SHARD, members: [l, y].sort(), changed: true });
  // Idempotent: the same request again changes nothing.
  const again = await change(l, { op: 'remove', node: x, shard: SHARD });
  assert.equal(again.body, { ok: true, shard: SHARD, members: [l, y].sort(), changed: false });
  const st = groupOf(await statusOf(l))!;
  assert.equal(st.members, [l, y].sort());
  assert.is(st.member, true);
  // Two voters left: no further removal.
  const tooFew = await change(l, { op: 'remove', node: y, shard: SHARD });
  assert.is(tooFew.status, 409);
  assert.is(tooFew.body.error, 'too-few-members');
  // Writes keep committing with two voters.
  for (let i = 0; i < 5; i++) await write(100 + i);
  // The removed replica received its removal (appends go on until it commits); a restart rebuilds that
  // configuration from the write-ahead log.
  await waitFor(`${x} to learn of its removal`, async () =>
    groupOf(await statusOf(x))?.member === false ? true : undefined,
  );
  await lp.kill(x);
  lp.start(x);
  const gx0 = await waitFor(`${x} back after a restart`, async () => groupOf(await statusOf(x)));
  assert.is(gx0.member, false);
  assert.equal(gx0.members, [l, y].sort());
  const l2 = await leader();
  const back = await change(l2, { op: 'add', node: x, shard: SHARD });
  assert.is(back.status, 200, JSON.stringify(back.body));
  assert.equal(back.body.members, [l, x, y].sort());
  assert.is(back.body.changed, true);
  await write(200);
  const leaderCommit = groupOf(await statusOf(await leader()))!.commit;
  // The re-added replica kept its old log and catches up from the leader.
  const gx = await waitFor('the re-added replica to catch up', async () => {
    const g = groupOf(await statusOf(x));
    return g && g.applied >= leaderCommit && g.member ? g : undefined;
  });
  assert.equal(gx.members, [l, x, y].sort());
});

test('a leader that removes itself steps down once the change commits, and another leader takes over', async () => {
  const l = await leader();
  const r = await change(l, { op: 'remove', node: l, shard: SHARD });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.not.ok((r.body.members as string[]).includes(l));
  const l2 = await leader();
  assert.is.not(l2, l);
  const gl = groupOf(await statusOf(l))!;
  assert.is(gl.member, false);
  assert.is.not(gl.role, 'leader');
  await write(300);
  // And back in.
  const back = await change(l2, { op: 'add', node: l, shard: SHARD });
  assert.is(back.status, 200, JSON.stringify(back.body));
  assert.is((back.body.members as string[]).length, 3);
});

test.run();

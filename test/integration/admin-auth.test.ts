// Issue 22, item 1, on real node processes: admin requests need the cluster's admin token. The audit's attack
// (random add/remove requests from any client that reaches a client port; 139 of 574 were accepted) now gets
// 401 every time and leaves every shard's voters as they were; the reference target's membership hook, given
// the run's secret, derives the token and its changes go through; a node started by hand without a token says
// so in one log line at start and still takes admin requests from loopback.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import { HttpClient } from '../../harness/net/http.js';
import type { NodeHandle } from '../../harness/target/types.js';
import type { NodeStatus } from '../../system/node/api.js';
import { ADMIN_TOKEN_ENV, adminTokenOf } from '../../targets/reference/admin-token.js';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import { referenceTarget } from '../../targets/reference/index.js';
import { TestKv } from '../helpers/kv-client.js';

const N = Number(process.env.ADMIN_N ?? 200);
const SEED = Number(process.env.ADMIN_SEED ?? 22);
const secret = randomBytes(32).toString('hex');
const token = adminTokenOf(secret)!;
const dirs: string[] = [];
const http = new HttpClient();

const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'fl-admin-'));
  dirs.push(d);
  return d;
};
const handles = (lp: LocalProcesses): NodeHandle[] =>
  lp.nodes.map((n) => ({ name: n.name, addrs: { client: `127.0.0.1:${n.clientPort}` }, url: n.url }));

async function voters(lp: LocalProcesses): Promise<Record<string, Record<string, string[]>>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const n of lp.nodes) {
    const st = (await http.call(`${n.url}/status`, 'GET', undefined, 2000)).body as NodeStatus;
    out[n.name] = Object.fromEntries(st.groups.map((g) => [g.group, g.members ?? []]));
  }
  return out;
}

/** What an attacker would send: no header, other schemes, near misses of the token, the peer secret itself. */
function forgedHeader(r: Random): Record<string, string> {
  const flip = (s: string): string => {
    const i = r.int(0, s.length);
    return `${s.slice(0, i)}${s[i] === 'a' ? 'b' : 'a'}${s.slice(i + 1)}`;
  };
  switch (r.int(0, 8)) {
    case 0:
      return {};
    case 1:
      return { authorization: `Bearer ${flip(token)}` };
    case 2:
      return { authorization: `Bearer ${token.slice(0, r.int(0, token.length))}` };
    case 3:
      return { authorization: `Bearer ${secret}` };
    case 4:
      return { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` };
    case 5:
      return { authorization: token };
    case 6:
      return { authorization: `Bearer ${randomBytes(32).toString('hex')}` };
    default:
      return { authorization: `Bearer ${token}${r.pick(['x', ' x', '0', ','])}` };
  }
}

test('random membership changes without the admin token: every one 401, no voter changes', async () => {
  const lp = await LocalProcesses.create({
    nodes: 3,
    dir: tmp(),
    extraArgs: ['--shards', '2'],
    env: { FAULTLINE_NODE_PEER_SECRET: secret, [ADMIN_TOKEN_ENV]: token },
  });
  try {
    lp.startAll();
    await new TestKv(lp.nodes.map((n) => n.url)).waitLeader(15_000);
    const before = await voters(lp);
    const r = new Random(SEED);
    const statuses = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const body = { op: r.pick(['remove', 'add']), node: r.pick(['n1', 'n2', 'n3']), shard: r.int(0, 2) };
      const headers = forgedHeader(r);
      const a = await http.call(`${r.pick(lp.nodes).url}/admin/membership`, 'POST', body, 5000, headers);
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      assert.is(a.status, 401, `case ${i} (seed ${SEED}) ${JSON.stringify(body)} ${JSON.stringify(headers)}`);
      assert.is((a.body as { error?: string }).error, 'unauthorized');
    }
    assert.equal(await voters(lp), before, 'the voters of every shard are unchanged');
    console.log(
      `  ${N} forged admin requests (seed ${SEED}): ${JSON.stringify(Object.fromEntries(statuses))}, accepted 0`,
    );

    // The hook as a run calls it: with the run's secret the change goes through, without it the hook says 401.
    const hs = handles(lp);
    const removed = await referenceTarget.membership!(hs, 'remove', 'n3', {}, { secret });
    assert.ok((removed.changed as number[]).length > 0, JSON.stringify(removed));
    for (const m of Object.values(removed.shards as Record<string, string[]>)) assert.not.ok(m.includes('n3'));
    await referenceTarget.membership!(hs, 'add', 'n3', {}, { secret });
    try {
      await referenceTarget.membership!(hs, 'remove', 'n3', {});
      assert.unreachable('a change without the secret went through');
    } catch (e) {
      assert.match((e as Error).message, /answered 401 unauthorized/);
    }
  } finally {
    await lp.stopAll();
  }
});

test('a node started by hand without a token says so at start and takes admin requests from loopback', async () => {
  const lp = await LocalProcesses.create({ nodes: 1, dir: tmp(), extraArgs: ['--shards', '1'] });
  try {
    lp.startAll();
    await new TestKv(lp.nodes.map((n) => n.url)).waitLeader(15_000);
    const log = readFileSync(lp.nodes[0].logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('admin'));
    const warnings = log.filter((l) => /no admin token .*loopback only/.test(l));
    assert.is(warnings.length, 1, log.join('\n'));
    assert.is(JSON.parse(warnings[0]).level, 40, 'a warning');
    // Adding a voter that already is one: the idempotent answer, once the leader has committed in its term.
    let a = { status: 0, body: undefined as unknown };
    for (let i = 0; i < 50 && a.status !== 200; i++) {
      a = await http.call(`${lp.nodes[0].url}/admin/membership`, 'POST', { op: 'add', node: 'n1', shard: 0 }, 5000);
      if (a.status !== 200) await new Promise((res) => setTimeout(res, 100));
    }
    assert.is(a.status, 200, JSON.stringify(a.body));
    assert.is((a.body as { changed: boolean }).changed, false);
  } finally {
    await lp.stopAll();
  }
});

test.after(() => {
  http.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
test.run();

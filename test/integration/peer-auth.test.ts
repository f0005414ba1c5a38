// Issue 14, item 2: anyone who reached a peer port steered Raft. One forged Heartbeat from a member id moved
// the term to anything, a forged App frame wrote an entry, and a 200 MiB frame without a newline was buffered
// whole. Three node processes with a peer secret: forged frames from a plain connection or from a wrong-secret
// handshake change nothing and get the connection closed; oversized lines are cut off at the stated bounds;
// the cluster itself (authenticated) keeps working; a node without a secret refuses a non-loopback address.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import type { GroupStatus } from '../../system/node/api.js';
import { MAX_FRAME_BYTES } from '../../system/node/transport.js';
import { MAX_HANDSHAKE_LINE } from '../../system/node/peer-auth.js';
import { TestKv } from '../helpers/kv-client.js';
import { closedWithin, connect, handshake } from './support/peer-dial.js';

const NODE_MAIN = resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'system', 'node', 'main.js');
const SECRET = randomBytes(32).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'fl-auth-'));
let lp: LocalProcesses;
let kv: TestKv;

test.before(async () => {
  lp = await LocalProcesses.create({
    nodes: 3,
    dir,
    extraArgs: ['--shards', '1'],
    env: { FAULTLINE_NODE_PEER_SECRET: SECRET },
  });
  lp.startAll();
  kv = new TestKv(lp.nodes.map((n) => n.url));
  await kv.waitLeader(15_000);
  assert.is((await kv.call({ op: 'write', key: 'k', value: 1 })).ok, true, 'an authenticated cluster works');
});

test.after(async () => {
  kv.close();
  await lp.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

async function group(name: string): Promise<GroupStatus> {
  const st = await kv.status(lp.node(name).url);
  if (!st) throw new Error(`${name} does not answer`);
  return st.groups[0];
}

async function roles(): Promise<{ leader: string; follower: string; other: string; g: GroupStatus }> {
  const l = await kv.waitLeader(10_000);
  const [follower, other] = lp.nodes.map((n) => n.name).filter((n) => n !== l.id);
  // Let the follower catch up so that its indexes are stable while we look.
  await new Promise((r) => setTimeout(r, 300));
  return { leader: l.id, follower, other, g: await group(follower) };
}

/** The follower's log as an attacker who saw /status would extend it. */
function forgedApp(from: string, to: string, g: GroupStatus): string {
  const data = JSON.stringify({ rid: 'forged', cmd: { kind: 'kv', op: 'write', key: 'k', value: 'forged' } });
  const msgs = [
    {
      type: 'App',
      from,
      to,
      term: g.term,
      index: g.lastIndex,
      logTerm: g.term,
      commit: g.lastIndex + 1,
      entries: [{ term: g.term, index: g.lastIndex + 1, type: 'normal', data }],
    },
  ];
  return `${JSON.stringify({ groups: { '0': msgs } })}\n`;
}

const forgedHeartbeat = (from: string, to: string): string =>
  `${JSON.stringify({ groups: { '0': [{ type: 'Heartbeat', from, to, term: 1_000_000, commit: 0 }] } })}\n`;

async function unchanged(name: string, before: GroupStatus): Promise<void> {
  await new Promise((r) => setTimeout(r, 400));
  const after = await group(name);
  assert.ok(after.term < 1_000_000, `term moved to ${after.term}`);
  assert.is(after.lastIndex, before.lastIndex, 'no forged entry was appended');
}

test('frames on a connection that did not authenticate are dropped and the connection closed', async () => {
  const { leader, follower, g } = await roles();
  const s = await connect(lp.node(follower).peerPort);
  s.write(forgedHeartbeat(leader, follower) + forgedApp(leader, follower, g));
  assert.ok(await closedWithin(s, 3000), 'the listener closed the connection');
  await unchanged(follower, g);
  assert.is((await kv.call({ op: 'read', key: 'k' })).value, 1);
});

test('a handshake with the wrong secret is refused; frames after it change nothing', async () => {
  const { leader, follower, g } = await roles();
  const s = await handshake(lp.node(follower).peerPort, leader, follower, `not-the-secret-${SECRET.slice(0, 8)}`);
  s.write(forgedHeartbeat(leader, follower) + forgedApp(leader, follower, g));
  assert.ok(await closedWithin(s, 3000), 'the listener closed the connection');
  await unchanged(follower, g);
});

test('an authenticated peer cannot speak for another member or for another addressee', async () => {
  const { leader, follower, other, g } = await roles();
  // `other` knows the secret, but the messages claim to come from the leader: dropped.
  const s = await handshake(lp.node(follower).peerPort, other, follower, SECRET);
  s.write(forgedHeartbeat(leader, follower) + forgedApp(leader, follower, g) + forgedHeartbeat(other, leader));
  await unchanged(follower, g);
  s.destroy();
});

test('a connection that never says hello is closed after the handshake time limit', async () => {
  const s = await connect(lp.nodes[0].peerPort);
  assert.ok(await closedWithin(s, 5000));
});

async function stream(s: Socket, total: number, chunk: Buffer): Promise<number> {
  let sent = 0;
  while (sent < total && !s.destroyed) {
    if (!s.write(chunk)) {
      await new Promise<void>((r) => {
        const done = (): void => {
          s.off('drain', done);
          s.off('close', done);
          r();
        };
        s.on('drain', done);
        s.on('close', done);
      });
    }
    sent += chunk.length;
  }
  return sent;
}

test('200 MiB without a newline before authenticating: cut off after a short line, clients unaffected', async () => {
  const s = await connect(lp.nodes[1].peerPort);
  const closed = closedWithin(s, 20_000);
  const sent = stream(s, 200 * 1024 * 1024, Buffer.alloc(1024 * 1024, 0x7b));
  const t0 = Date.now();
  assert.ok(await kv.status(lp.nodes[1].url), 'the node answers while being flooded');
  assert.ok(Date.now() - t0 < 1000, `status took ${Date.now() - t0} ms`);
  assert.ok(await closed, 'closed');
  const n = await sent;
  assert.ok(
    n < 64 * 1024 * 1024,
    `the node kept reading: ${n} bytes accepted (handshake lines are ${MAX_HANDSHAKE_LINE} bytes at most)`,
  );
});

test('after authenticating, a frame over 64 MiB closes the connection; the node stays healthy', async () => {
  const [a, b] = [lp.nodes[0].name, lp.nodes[1].name];
  const s = await handshake(lp.node(b).peerPort, a, b, SECRET);
  const closed = closedWithin(s, 30_000);
  const sent = await stream(s, MAX_FRAME_BYTES + 8 * 1024 * 1024, Buffer.alloc(1024 * 1024, 0x20));
  assert.ok(await closed, 'closed');
  assert.ok(sent >= MAX_FRAME_BYTES, 'closed only past the limit');
  assert.is((await kv.call({ op: 'write', key: 'k', value: 2 })).ok, true);
  assert.is((await kv.call({ op: 'read', key: 'k' })).value, 2);
  for (const n of lp.nodes) assert.ok(lp.isRunning(n.name), `${n.name} is running`);
});

test('without a secret the node refuses a non-loopback address with one line and exit 3', () => {
  const env = { ...process.env };
  delete env.FAULTLINE_NODE_PEER_SECRET;
  const r = spawnSync(
    process.execPath,
    [NODE_MAIN, '--id', 'a', '--peers', 'a=127.0.0.1:1', '--data-dir', join(dir, 'x'), '--listen', '0.0.0.0'],
    { env, encoding: 'utf8' },
  );
  assert.is(r.status, 3);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0 without a peer secret/);
});

test.run();

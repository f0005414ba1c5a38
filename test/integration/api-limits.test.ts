// Issue 14, item 1, end to end: one request killed a shard for good. The exact reproduction (a value about
// 3,200 arrays deep written to a key, then a cas with the same nesting as `from`) now gets 400 before anything
// is proposed, as does a 20,000-deep value (it used to get a 503 "timeout") and a body over 1 MiB; every node
// stays up, keeps serving, and restarts cleanly.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import { HttpClient } from '../../harness/net/http.js';
import { TestKv } from '../helpers/kv-client.js';
import { rawRequest } from './support/raw-http.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-limits-'));
let lp: LocalProcesses;
let kv: TestKv;
const http = new HttpClient();
const deep = (n: number, leaf = '1'): string => '['.repeat(n) + leaf + ']'.repeat(n);

test.before(async () => {
  lp = await LocalProcesses.create({
    nodes: 3,
    dir,
    extraArgs: ['--shards', '1'],
    env: { FAULTLINE_NODE_PEER_SECRET: randomBytes(32).toString('hex') },
  });
  lp.startAll();
  kv = new TestKv(lp.nodes.map((n) => n.url));
});

test.after(async () => {
  kv.close();
  http.close();
  await lp.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Posts raw JSON text to the leader. */
async function post(path: string, text: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const l = await kv.waitLeader();
  const port = Number(new URL(l.url).port);
  const req = Buffer.from(
    `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
  const r = await rawRequest(port, req, 10_000);
  return { status: r.status ?? 0, body: JSON.parse(r.body || '{}') as Record<string, unknown> };
}

async function allAlive(): Promise<void> {
  for (const n of lp.nodes) {
    assert.ok(lp.isRunning(n.name), `${n.name} is running`);
    assert.ok(await kv.status(n.url), `${n.name} answers /status`);
  }
}

test('the reproduction: a 3,200-deep write then a cas with the same nesting get 400; no node dies', async () => {
  await kv.waitLeader(15_000);
  assert.is((await kv.call({ op: 'write', key: 'k', value: 'before' })).ok, true);
  const w = await post('/kv', `{"op":"write","key":"k","value":${deep(3200)}}`);
  assert.is(w.status, 400);
  assert.match(String(w.body.message), /value nests deeper than 64 levels/);
  const c = await post('/kv', `{"op":"cas","key":"k","from":${deep(3200)},"to":1}`);
  assert.is(c.status, 400);
  assert.match(String(c.body.message), /from nests deeper than 64 levels/);
  await allAlive();
  assert.is((await kv.call({ op: 'read', key: 'k' })).value, 'before');
});

test('20,000 deep gets 400 at once (not a 503 timeout); 64 deep is accepted and compared by cas', async () => {
  const t0 = Date.now();
  const r = await post('/kv', `{"op":"write","key":"k","value":${deep(20_000)}}`);
  assert.is(r.status, 400);
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  const lock = await post('/lock', `{"op":"acquire","name":${deep(20_000, '"n"')},"owner":"o","ttlMs":100}`);
  assert.is(lock.status, 400);
  assert.is((await post('/kv', `{"op":"write","key":"k","value":${deep(64)}}`)).status, 200);
  const ok = await post('/kv', `{"op":"cas","key":"k","from":${deep(64)},"to":"after"}`);
  assert.equal([ok.status, ok.body.ok], [200, true]);
  assert.is((await kv.call({ op: 'read', key: 'k' })).value, 'after');
});

test('a body over 1 MiB gets 400, declared or streamed', async () => {
  const big = `{"op":"write","key":"k","value":"${'x'.repeat(1 << 20)}"}`;
  const r = await post('/kv', big);
  assert.is(r.status, 400);
  assert.match(String(r.body.message), /larger than 1048576 bytes/);
  // Chunked: no Content-Length, the limit trips while streaming.
  const l = await kv.waitLeader();
  const chunk = 'x'.repeat(256 * 1024);
  const parts = [`{"op":"write","key":"k","value":"`, chunk, chunk, chunk, chunk, chunk, '"}'];
  const body = `${parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')}0\r\n\r\n`;
  const raw = await rawRequest(
    Number(new URL(l.url).port),
    Buffer.from(`POST /kv HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n${body}`),
    10_000,
  );
  assert.is(raw.status, 400);
  await allAlive();
});

test('every node restarts cleanly after all of that and the data is intact', async () => {
  for (const n of lp.nodes) await lp.kill(n.name);
  lp.startAll();
  await kv.waitLeader(15_000);
  assert.is((await kv.call({ op: 'read', key: 'k' })).value, 'after');
  assert.is((await kv.call({ op: 'write', key: 'k', value: 'again' })).ok, true);
  await allAlive();
});

test.run();

// Issue 14, item 9: a seeded, bounded fuzz of the node's HTTP API. FUZZ_N cases (default 300; raise it for a
// soak) and FUZZ_SEED (default 14) against three node processes: valid requests with their fields deleted or
// replaced by hostile values (deep nesting up to 20,000, huge strings, wrong types), JSON with random bytes
// flipped, inserted or cut, and malformed HTTP (bad methods, paths, lengths, chunking, headers). Every case must
// get an answer within 10 s with a status in 2xx, 4xx, 421 or 503 (a connection may close unanswered only
// when the request is incomplete on purpose), our 4xx bodies carry a one-line message, no node dies, and a
// control write/read in between keeps giving the right answer; at the end every node restarts (replaying
// whatever the fuzz committed) and the control value is intact. A failure names the seed and the case.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import type { NodeStatus } from '../../system/node/api.js';
import { ADMIN_TOKEN_ENV } from '../../system/node/admin-auth.js';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import { TestKv } from '../helpers/kv-client.js';
import { type RawAnswer, rawRequest } from './support/raw-http.js';

const N = Number(process.env.FUZZ_N ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 14);
/** Admin requests without the credential (issue 22, item 1): FUZZ_ADMIN_N cases, 150 by default. */
const ADMIN_N = Number(process.env.FUZZ_ADMIN_N ?? 150);
const ADMIN_TOKEN = randomBytes(32).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'fl-fuzz-'));
let lp: LocalProcesses;
let kv: TestKv;

test.before(async () => {
  lp = await LocalProcesses.create({
    nodes: 3,
    dir,
    extraArgs: ['--shards', '2'],
    env: { FAULTLINE_NODE_PEER_SECRET: randomBytes(32).toString('hex'), [ADMIN_TOKEN_ENV]: ADMIN_TOKEN },
  });
  lp.startAll();
  kv = new TestKv(lp.nodes.map((n) => n.url));
});

test.after(async () => {
  kv.close();
  await lp.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

interface Case {
  what: string;
  bytes: Buffer;
  incomplete?: boolean;
}

const BASES: Record<string, unknown>[] = [
  { op: 'read', key: 'a' },
  { op: 'write', key: 'a', value: 1, client: 'c1', seq: 1 },
  { op: 'write', key: 'b', value: { x: [1, 2, { y: 'z' }] } },
  { op: 'cas', key: 'a', from: 1, to: 2 },
  { op: 'write', key: 'f', value: 3, fence: { lock: 'L', token: 4 } },
  { op: 'read', key: 'f', fence: { lock: 'L', token: 5 } },
  { op: 'acquire', name: 'L', owner: 'o1', ttlMs: 500 },
  { op: 'release', name: 'L', owner: 'o1', token: 3 },
  { op: 'renew', name: 'L', owner: 'o1', token: 3, ttlMs: 200 },
];
const FIELDS = [
  'op',
  'key',
  'value',
  'from',
  'to',
  'client',
  'seq',
  'fence',
  'name',
  'owner',
  'ttlMs',
  'token',
  '__proto__',
  'constructor',
  'kind',
  'rid',
];

/** A hostile value; deep ones are written as a marker and expanded in the text (JSON.stringify would overflow). */
function weird(r: Random): unknown {
  switch (r.int(0, 16)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([-1, 0, 1.5, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 63)]);
    case 3:
      return '';
    case 4:
      return 'x'.repeat(r.pick([1, 100, 70_000, 1_100_000]));
    case 5:
      return [];
    case 6:
      return {};
    case 7:
    case 8:
      return `@@DEEP${r.pick([10, 64, 65, 200, 3200, 20_000])}@@`;
    case 9:
      return `@@DEEPOBJ${r.pick([64, 65, 5000])}@@`;
    case 10:
      return '\u0000\ud800\uffff☃';
    case 11:
      return Array.from({ length: r.int(0, 5000) }, (_, i) => i);
    case 12:
      return { lock: r.pick(['L', '', 3]), token: r.pick([1, -5, 'x', 2 ** 60]) };
    case 13:
      return r.pick(['read', 'write', 'cas', 'acquire', 'release', 'renew', 'expire', 'READ', 'delete']);
    case 14:
      return { __proto__: { polluted: true }, toString: 1 };
    default:
      return r.int(-1000, 1000);
  }
}

function expand(text: string): string {
  return text
    .replace(/"@@DEEP(\d+)@@"/g, (_, n) => `${'['.repeat(Number(n))}1${']'.repeat(Number(n))}`)
    .replace(/"@@DEEPOBJ(\d+)@@"/g, (_, n) => `${'{"a":'.repeat(Number(n))}1${'}'.repeat(Number(n))}`);
}

function http(method: string, path: string, body: string | Buffer, extra = ''): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([
    Buffer.from(
      `${method} ${path} HTTP/1.1\r\nhost: fuzz\r\n` +
        `content-type: application/json\r\ncontent-length: ${b.length}\r\n${extra}\r\n`,
    ),
    b,
  ]);
}

const pathFor = (req: Record<string, unknown>): string =>
  ['acquire', 'release', 'renew'].includes(String(req.op)) ? '/lock' : '/kv';

function mutatedJson(r: Random): Case {
  const base = r.pick(BASES);
  let req: unknown = { ...base };
  const steps: string[] = [];
  for (let k = r.int(1, 4); k > 0; k--) {
    const m = r.int(0, 10);
    if (m === 0) {
      req = weird(r);
      steps.push('whole body');
      continue;
    }
    if (!req || typeof req !== 'object' || Array.isArray(req)) req = {};
    const o = req as Record<string, unknown>;
    if (m <= 2) {
      const f = r.pick(Object.keys(o).length ? Object.keys(o) : FIELDS);
      delete o[f];
      steps.push(`-${f}`);
      continue;
    }
    const f = r.pick(FIELDS);
    Object.defineProperty(o, f, { value: weird(r), enumerable: true, configurable: true, writable: true });
    steps.push(`${f}=`);
  }
  const text = expand(JSON.stringify(req) ?? 'undefined');
  const path = r.chance(0.9) ? pathFor(base) : r.pick(['/kv', '/lock']);
  return {
    what: `json ${path} from ${JSON.stringify(base).slice(0, 40)} ${steps.join(' ')}`,
    bytes: http('POST', path, text),
  };
}

function mutatedBytes(r: Random): Case {
  const base = r.pick(BASES);
  const b = Buffer.from(JSON.stringify(base));
  let out = Buffer.from(b);
  const steps: string[] = [];
  for (let k = r.int(1, 6); k > 0; k--) {
    const at = r.int(0, Math.max(1, out.length));
    switch (r.int(0, 4)) {
      case 0:
        out[at % out.length] ^= 1 << r.int(0, 8);
        steps.push(`flip@${at}`);
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), Buffer.from([r.int(0, 256)]), out.subarray(at)]);
        steps.push(`ins@${at}`);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
        steps.push(`del@${at}`);
        break;
      default:
        out = out.subarray(0, at);
        steps.push(`cut@${at}`);
    }
  }
  return {
    what: `bytes ${JSON.stringify(base).slice(0, 40)} ${steps.join(' ')}`,
    bytes: http('POST', pathFor(base), out),
  };
}

function malformedHttp(r: Random): Case {
  const body = JSON.stringify(r.pick(BASES));
  const cases: (() => Case)[] = [
    () => ({ what: 'GET /kv', bytes: http('GET', '/kv', '') }),
    () => ({ what: 'PUT /kv', bytes: http('PUT', '/kv', body) }),
    () => ({ what: 'DELETE /lock', bytes: http('DELETE', '/lock', body) }),
    () => ({
      what: 'unknown path',
      bytes: http('POST', r.pick(['/kv/', '/kv?x=1', '/../status', '/%00', '/status', '//kv']), body),
    }),
    () => ({ what: 'long url', bytes: http('GET', `/${'a'.repeat(r.int(1000, 20_000))}`, '') }),
    () => ({
      what: 'content-length too large',
      incomplete: true,
      bytes: Buffer.from(
        `POST /kv HTTP/1.1\r\nhost: f\r\ncontent-length: ${body.length + r.int(1, 100)}\r\n\r\n${body}`,
      ),
    }),
    () => ({
      what: 'content-length too small',
      bytes: Buffer.from(
        `POST /kv HTTP/1.1\r\nhost: f\r\ncontent-length: ${r.int(0, body.length)}\r\nconnection: close\r\n\r\n${body}`,
      ),
    }),
    () => ({
      what: 'bad content-length',
      bytes: Buffer.from(
        `POST /kv HTTP/1.1\r\nhost: f\r\n` +
          `content-length: ${r.pick(['-1', 'abc', '1e3', '99999999999999999999', '5, 6'])}\r\n\r\n${body}`,
      ),
    }),
    () => ({
      what: 'declared 2 MiB, sent little',
      incomplete: true,
      bytes: Buffer.from(`POST /kv HTTP/1.1\r\nhost: f\r\ncontent-length: ${2 * 1024 * 1024}\r\n\r\n${body}`),
    }),
    () => ({
      what: 'CL and TE',
      bytes: Buffer.from(
        `POST /kv HTTP/1.1\r\nhost: f\r\ncontent-length: 3\r\ntransfer-encoding: chunked` +
          `\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      ),
    }),
    () => ({
      what: 'bad chunk size',
      bytes: Buffer.from(
        `POST /kv HTTP/1.1\r\nhost: f\r\ntransfer-encoding: chunked\r\n\r\n` +
          `${r.pick(['zz', '-5', `1;${'x'.repeat(5000)}`])}\r\n${body}\r\n0\r\n\r\n`,
      ),
    }),
    () => ({
      what: 'huge chunk size',
      incomplete: true,
      bytes: Buffer.from(
        `POST /kv HTTP/1.1\r\nhost: f\r\ntransfer-encoding: chunked\r\n\r\n` +
          `${r.pick(['ffffffffffffffff', '7fffffff'])}\r\n${body}\r\n0\r\n\r\n`,
      ),
    }),
    () => ({
      what: 'truncated chunked',
      incomplete: true,
      bytes: Buffer.from(
        `POST /kv HTTP/1.1\r\nhost: f\r\ntransfer-encoding: chunked\r\n\r\n` +
          `${(body.length + 10).toString(16)}\r\n${body}`,
      ),
    }),
    () => ({
      what: 'huge header',
      bytes: Buffer.from(
        `POST /kv HTTP/1.1\r\nhost: f\r\nx-big: ${'h'.repeat(r.int(17_000, 70_000))}\r\n` +
          `content-length: ${body.length}\r\n\r\n${body}`,
      ),
    }),
    () => ({ what: 'garbage request line', bytes: Buffer.concat([randomLine(r), Buffer.from('\r\n\r\n')]) }),
    () => ({ what: 'empty lines', incomplete: true, bytes: Buffer.from('\r\n\r\n') }),
    () => ({ what: 'HTTP/0.9', incomplete: true, bytes: Buffer.from('GET /status\r\n') }),
    () => ({
      what: 'HTTP/2.0 line',
      bytes: Buffer.from(`POST /kv HTTP/2.0\r\nhost: f\r\ncontent-length: ${body.length}\r\n\r\n${body}`),
    }),
    () => ({
      what: 'text/plain',
      bytes: Buffer.from(
        `POST /kv HTTP/1.1\r\nhost: f\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      ),
    }),
    () => ({
      what: 'bad utf-8 body',
      bytes: http('POST', '/kv', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
    }),
    () => ({
      what: 'two requests pipelined',
      bytes: Buffer.concat([
        http('POST', '/kv', body),
        http('POST', '/kv', `{"op":"read","key":"${'k'.repeat(10)}"}`, 'connection: close\r\n'),
      ]),
    }),
  ];
  return r.pick(cases)();
}

function randomLine(r: Random): Buffer {
  return Buffer.from(
    Array.from({ length: r.int(1, 200) }, () => r.int(0, 256)).filter((b) => b !== 0x0a && b !== 0x0d),
  );
}

async function alive(where: string): Promise<void> {
  for (const n of lp.nodes) {
    assert.ok(lp.isRunning(n.name), `${where}: ${n.name} died (seed ${SEED})`);
    assert.ok(await kv.status(n.url), `${where}: ${n.name} does not answer (seed ${SEED})`);
  }
}

const PROMISE = 'never a crash, a hang or a status outside 2xx/4xx/421/503';
test(`${N} malformed API requests (seed ${SEED}): ${PROMISE}`, async () => {
  await kv.waitLeader(15_000);
  const r = new Random(SEED);
  const statuses = new Map<string, number>();
  let control = 0;
  for (let i = 0; i < N; i++) {
    const kind = r.float();
    const c = kind < 0.5 ? mutatedJson(r) : kind < 0.75 ? mutatedBytes(r) : malformedHttp(r);
    const node = r.pick(lp.nodes);
    const label = `case ${i} (seed ${SEED}) ${c.what.slice(0, 160)}`;
    let a: RawAnswer;
    try {
      a = await rawRequest(node.clientPort, c.bytes, 10_000, c.incomplete);
    } catch (e) {
      assert.unreachable(`${label}: ${(e as Error).message}`);
      return;
    }
    const s = a.status;
    statuses.set(String(s ?? 'closed'), (statuses.get(String(s ?? 'closed')) ?? 0) + 1);
    if (s === 503 && process.env.FUZZ_VERBOSE) console.log(`${label}: 503 ${a.body}`);
    if (s === undefined) {
      assert.ok(c.incomplete, `${label}: closed without an answer`);
    } else {
      assert.ok((s >= 200 && s < 300) || (s >= 400 && s < 500) || s === 503, `${label}: status ${s}`);
      if (a.body.startsWith('{')) {
        const b = JSON.parse(a.body) as { message?: unknown };
        if (typeof b.message === 'string') assert.not.match(b.message, /\n/, `${label}: a multi-line message`);
        assert.is.not((b as { error?: unknown }).error, 'unavailable', `${label}: an internal error: ${a.body}`);
      }
    }
    if (i % 25 === 24) {
      await alive(label);
      control++;
      assert.is((await kv.call({ op: 'write', key: 'control', value: control })).ok, true, label);
      assert.is((await kv.call({ op: 'read', key: 'control' })).value, control, label);
    }
  }
  await alive('after the fuzz');
  // Replaying everything the fuzz got into the logs must not kill anyone either.
  for (const n of lp.nodes) await lp.kill(n.name);
  lp.startAll();
  await kv.waitLeader(15_000);
  assert.is((await kv.call({ op: 'read', key: 'control' })).value, control);
  await new Promise((res) => setTimeout(res, 500));
  await alive('after a restart of every node');
  console.log(
    `api fuzz: seed ${SEED}, ${N} cases, answers ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, ` +
      'failures: none',
  );
});

/** A membership request that does not carry the token: forged or malformed credentials, mutated bodies. */
function adminCase(r: Random): Case {
  const valid = { op: r.pick(['remove', 'add']), node: r.pick(['n1', 'n2', 'n3']), shard: r.int(0, 2) };
  let body = JSON.stringify(valid);
  const steps: string[] = [];
  if (r.chance(0.3)) {
    const o: Record<string, unknown> = { ...valid };
    Object.defineProperty(o, r.pick(['op', 'node', 'shard', 'token', 'auth', '__proto__']), {
      value: weird(r),
      enumerable: true,
      configurable: true,
      writable: true,
    });
    body = expand(JSON.stringify(o));
    steps.push('mutated body');
  }
  const near = `${ADMIN_TOKEN.slice(0, -1)}${ADMIN_TOKEN.endsWith('0') ? '1' : '0'}`;
  const auth = r.pick([
    '',
    'authorization: \r\n',
    'authorization: Bearer\r\n',
    `authorization: Bearer ${near}\r\n`,
    `authorization: Bearer ${ADMIN_TOKEN.slice(0, r.int(0, ADMIN_TOKEN.length))}\r\n`,
    `authorization: Bearer ${randomBytes(32).toString('hex')}\r\n`,
    `authorization: Basic ${Buffer.from('admin:admin').toString('base64')}\r\n`,
    `authorization: Bearer ${'A'.repeat(r.int(1000, 60_000))}\r\n`,
    `authorization: Bearer ${near}\r\nauthorization: Bearer ${near}\r\n`,
    `x-admin-token: ${near}\r\n`,
    `authorization: Bearer\t${near}\r\n`,
    `authorization: Bearer ${near}\u0000\r\n`,
  ]);
  steps.push(auth === '' ? 'no credential' : auth.split('\r\n')[0].slice(0, 40));
  return {
    what: `admin ${JSON.stringify(valid)} ${steps.join(' ')}`,
    bytes: http('POST', '/admin/membership', body, auth),
  };
}

async function votersOf(): Promise<Record<string, Record<string, string[]>>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const n of lp.nodes) {
    const st = (await kv.status(n.url)) as NodeStatus;
    out[n.name] = Object.fromEntries(st.groups.map((g) => [g.group, g.members ?? []]));
  }
  return out;
}

test(`${ADMIN_N} admin requests without the token (seed ${SEED}): never accepted, voters unchanged`, async () => {
  await kv.waitLeader(15_000);
  const before = await votersOf();
  const r = new Random(SEED ^ 0x22);
  const statuses = new Map<string, number>();
  for (let i = 0; i < ADMIN_N; i++) {
    const c = adminCase(r);
    const label = `admin case ${i} (seed ${SEED}) ${c.what.slice(0, 160)}`;
    let a: RawAnswer;
    try {
      a = await rawRequest(r.pick(lp.nodes).clientPort, c.bytes, 10_000);
    } catch (e) {
      assert.unreachable(`${label}: ${(e as Error).message}`);
      return;
    }
    const s = a.status;
    statuses.set(String(s ?? 'closed'), (statuses.get(String(s ?? 'closed')) ?? 0) + 1);
    // 401 from us; 400 or 431 from Node's HTTP parser for a header it will not take. Nothing reached Raft.
    assert.ok(s === 401 || s === 400 || s === 431, `${label}: status ${s} ${a.body.slice(0, 200)}`);
    if (s === 401) assert.is(JSON.parse(a.body).error, 'unauthorized', label);
  }
  await alive('after the admin fuzz');
  assert.equal(await votersOf(), before, 'the voters of every shard are unchanged');
  console.log(
    `admin fuzz: seed ${SEED}, ${ADMIN_N} cases, ` +
      `answers ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, accepted: none`,
  );
});

test.run();

// The etcd target without etcd: its flags for member i of N, its options and refusals, and its kv client's
// outcomes against a scripted v3 JSON gateway on loopback (base64 keys and values, gRPC error codes, silence).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveTargetOpts } from '../../../harness/target/options.js';
import { prepareTarget } from '../../../targets/prepare.js';
import type { Addressing } from '../../../harness/target/types.js';
import { EtcdKvClient } from '../../../targets/etcd/clients/kv.js';
import { etcdArgs } from '../../../targets/etcd/cluster.js';
import { b64, Gateway, unb64 } from '../../../targets/etcd/gateway.js';
import { etcdTarget } from '../../../targets/etcd/index.js';

const addr: Addressing = {
  runtime: 'local',
  names: ['n1', 'n2', 'n3'],
  listenHost: '127.0.0.1',
  port: (n, p) => 40000 + Number(n.slice(1)) * 10 + (p === 'peer' ? 1 : 0),
  peerAddr: (to, p) => `127.0.0.1:${50000 + Number(to.slice(1)) * 10 + (p === 'peer' ? 1 : 0)}`,
  clientAddr: (n, p) => `127.0.0.1:${40000 + Number(n.slice(1)) * 10 + (p === 'peer' ? 1 : 0)}`,
  dataDir: (n) => `/tmp/x/${n}/data`,
};

const flag = (args: string[], f: string): string => args[args.indexOf(f) + 1];

test(
  'member flags: one --initial-cluster string for all, ' + 'peers advertised at their relay front, fsync untouched',
  () => {
    const all = addr.names.map((n) => etcdArgs(n, addr, { runId: 'run1', options: {} }));
    const cluster = 'n1=http://127.0.0.1:50011,n2=http://127.0.0.1:50021,n3=http://127.0.0.1:50031';
    for (const [i, a] of all.entries()) {
      const n = `n${i + 1}`;
      assert.is(flag(a, '--name'), n);
      assert.is(flag(a, '--initial-cluster'), cluster);
      assert.is(flag(a, '--initial-advertise-peer-urls'), `http://${addr.peerAddr(n, 'peer')}`);
      assert.is(flag(a, '--listen-peer-urls'), `http://127.0.0.1:${addr.port(n, 'peer')}`);
      assert.is(flag(a, '--listen-client-urls'), `http://127.0.0.1:${addr.port(n, 'client')}`);
      assert.is(flag(a, '--advertise-client-urls'), `http://${addr.clientAddr(n, 'client')}`);
      assert.is(flag(a, '--initial-cluster-token'), 'run1');
      assert.is(flag(a, '--initial-cluster-state'), 'new');
      assert.ok(flag(a, '--data-dir').startsWith(addr.dataDir(n)));
      assert.is(flag(a, '--election-timeout'), '1000');
      assert.is(flag(a, '--heartbeat-interval'), '100');
      assert.not.ok(a.some((x) => /unsafe-no-fsync/.test(x)));
    }
    const tuned = etcdArgs('n1', addr, { runId: 'r', options: { 'election-ms': '500', 'heartbeat-ms': '50' } });
    assert.is(flag(tuned, '--election-timeout'), '500');
    assert.is(flag(tuned, '--heartbeat-interval'), '50');
  },
);

test('options: linearizable reads and owner fencing by default; bad values refused before anything starts', () => {
  assert.equal(resolveTargetOpts(etcdTarget, {}), { reads: 'linearizable', fence: 'owner' });
  assert.is(resolveTargetOpts(etcdTarget, { reads: 'serializable' }).reads, 'serializable');
  assert.throws(() => resolveTargetOpts(etcdTarget, { reads: 'stale' }), /expected one of linearizable, serializable/);
  assert.throws(() => resolveTargetOpts(etcdTarget, { 'election-ms': 'soon' }), /positive integer/);
  assert.throws(
    () => resolveTargetOpts(etcdTarget, { 'election-ms': '300', 'heartbeat-ms': '100' }),
    /at least 5 times heartbeat-ms/,
  );
});

test('etcd supports the four workloads and refuses clock faults with the reason', async () => {
  assert.equal(Object.keys(etcdTarget.clients).sort(), ['fenced-counter', 'kv', 'lock', 'register']);
  const spec = await etcdTarget.cluster({ runId: 'r', nodes: 3, logDir: '/tmp', options: {}, secret: '' });
  assert.is(spec.clockFaults, false);
  try {
    await prepareTarget('etcd', {}, 'register', ['partition', 'clock']);
    assert.unreachable('clock accepted');
  } catch (e) {
    assert.match((e as Error).message, /^target etcd cannot take --nemesis clock: etcd is a Go program/);
  }
});

// A scripted gateway: each test sets `reply` to answer the next request.
type Reply = (path: string, body: Record<string, unknown>, res: ServerResponse) => void;
let reply: Reply = (_p, _b, res) => res.end('{}');
const seen: { path: string; body: Record<string, unknown> }[] = [];
const server = createServer((req: IncomingMessage, res) => {
  let text = '';
  req.on('data', (c) => (text += c));
  req.on('end', () => {
    const body = JSON.parse(text || '{}') as Record<string, unknown>;
    seen.push({ path: req.url!, body });
    reply(req.url!, body, res);
  });
});
const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const grpcError = (code: number, error: string) => (_p: string, _b: Record<string, unknown>, res: ServerResponse) =>
  json(res, code === 14 ? 503 : 400, { error, message: error, code });

let url = '';
test.before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(() => {
  server.closeAllConnections();
  server.close();
});

const client = (serializable = false, nodes = [{ name: 'n1', url }]) =>
  new EtcdKvClient(new Gateway(nodes, 0, 300), serializable);

test('kv: values are JSON text in base64; a missing key reads null; serializable reads say so', async () => {
  seen.length = 0;
  reply = (_p, b, res) =>
    json(res, 200, {
      header: {},
      ...(unb64(String(b.key)) === 'k1'
        ? { kvs: [{ key: b.key, value: b64('3'), create_revision: '7' }], count: '1' }
        : {}),
    });
  const c = client();
  assert.equal(await c.invoke({ f: 'read', key: 'k1' }), { type: 'ok', value: 3 });
  assert.equal(await c.invoke({ f: 'read', key: 'k2' }), { type: 'ok', value: null });
  assert.equal(seen[0], { path: '/v3/kv/range', body: { key: b64('k1') } });
  await client(true).invoke({ f: 'read', key: 'k1' });
  assert.equal(seen[2].body, { key: b64('k1'), serializable: true });
  reply = (_p, _b, res) => json(res, 200, { header: { revision: '9' } });
  assert.equal(await c.invoke({ f: 'write', key: 'k1', value: 4 }), { type: 'ok' });
  assert.equal(seen[3], { path: '/v3/kv/put', body: { key: b64('k1'), value: b64('4') } });
  c.close();
});

test('kv: cas is a txn comparing the value; succeeded omitted (false) is a definite fail', async () => {
  seen.length = 0;
  const c = client();
  reply = (_p, _b, res) => json(res, 200, { header: {}, succeeded: true, responses: [{ response_put: {} }] });
  assert.equal(await c.invoke({ f: 'cas', key: 'r', value: [1, 2] }), { type: 'ok' });
  assert.equal(seen[0].body, {
    compare: [{ key: b64('r'), target: 'VALUE', result: 'EQUAL', value: b64('1') }],
    success: [{ requestPut: { key: b64('r'), value: b64('2') } }],
    failure: [],
  });
  reply = (_p, _b, res) => json(res, 200, { header: {} });
  assert.equal(await c.invoke({ f: 'cas', key: 'r', value: [1, 2] }), { type: 'fail', error: 'cas-mismatch' });
  c.close();
});

test(
  'kv: etcd errors: unavailable on a write is unknown, ' + 'invalid argument is a fail, any read error a fail',
  async () => {
    const c = client();
    reply = grpcError(14, 'etcdserver: request timed out');
    assert.equal(await c.invoke({ f: 'write', key: 'r', value: 1 }), {
      type: 'info',
      error: 'etcdserver: request timed out',
    });
    assert.equal(await c.invoke({ f: 'cas', key: 'r', value: [1, 2] }), {
      type: 'info',
      error: 'etcdserver: request timed out',
    });
    assert.equal(await c.invoke({ f: 'read', key: 'r' }), { type: 'fail', error: 'etcdserver: request timed out' });
    reply = grpcError(3, 'etcdserver: key is not provided');
    assert.equal(await c.invoke({ f: 'write', key: 'r', value: 1 }), {
      type: 'fail',
      error: 'etcdserver: key is not provided',
    });
    c.close();
  },
);

test(
  'kv: silence after sending is unknown for a write and a fail for a read; ' + 'a refused connection is a fail',
  async () => {
    const c = client();
    reply = () => undefined; // never answers
    assert.equal(await c.invoke({ f: 'write', key: 'r', value: 1 }), { type: 'info', error: 'timeout' });
    assert.equal(await c.invoke({ f: 'read', key: 'r' }), { type: 'fail', error: 'timeout' });
    c.close();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
    const d = client(false, [{ name: 'n1', url: dead }]);
    assert.equal(await d.invoke({ f: 'write', key: 'r', value: 1 }), { type: 'fail', error: 'connection-refused' });
    d.close();
  },
);

test('a refused node is skipped within the same operation (nothing was sent to it)', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((r) => closed.close(() => r()));
  reply = (_p, _b, res) => json(res, 200, { header: {} });
  const c = client(false, [
    { name: 'n1', url: dead },
    { name: 'n2', url },
  ]);
  assert.equal(await c.invoke({ f: 'write', key: 'r', value: 1 }), { type: 'ok' });
  c.close();
});

test.run();

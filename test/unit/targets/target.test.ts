// The Target seam: defineTarget's shape checks, --target-opt parsing and resolution, the up-front refusals of
// prepareTarget, loading a user's module by path, the reference target's node flags from an Addressing, and a
// fake target (a few lines of node:http) hosted by the local runtime, which knows nothing about it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { httpGet } from '../../../harness/net/http.js';
import { LocalRuntime } from '../../../harness/runtime/local/local-runtime.js';
import { defineTarget } from '../../../harness/target/define.js';
import { loadTarget } from '../../../targets/load.js';
import { parseTargetOpts, resolveTargetOpts } from '../../../harness/target/options.js';
import { prepareTarget } from '../../../targets/prepare.js';
import type { Addressing, ClusterSpec, Target } from '../../../harness/target/types.js';
import { adminTokenOf } from '../../../targets/reference/admin-token.js';
import { nodeArgs, referenceCluster } from '../../../targets/reference/cluster.js';
import { repoRoot } from '../../../harness/paths.js';

const noop = () => ({ invoke: async () => ({ type: 'ok' as const }), close: () => undefined });

function fake(extra: Partial<Target> = {}): Target {
  return defineTarget({
    name: 'fake',
    describe: 'a test target',
    options: { mode: { describe: 'a mode', choices: ['a', 'b'], default: 'a' }, free: { describe: 'free text' } },
    cluster: () => ({
      ports: [],
      node: () => ({ command: ['true'] }),
      health: async () => undefined,
      clockFaults: false,
    }),
    clients: { register: noop },
    refuses: () => ({ clock: 'Go programs ignore libfaketime' }),
    ...extra,
  });
}

const throwsLike = (f: () => unknown, re: RegExp): void => {
  try {
    f();
  } catch (e) {
    assert.match((e as Error).message, re);
    assert.not.match((e as Error).message, /\n/, 'one line');
    return;
  }
  assert.unreachable(`expected an error like ${re}`);
};

const rejectsLike = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, re);
    assert.not.match((e as Error).message, /\n/, 'one line');
    return;
  }
  assert.unreachable(`expected a rejection like ${re}`);
};

test('defineTarget: refuses a bad shape with a one-line error naming the target', () => {
  throwsLike(() => defineTarget({ ...fake(), name: 'bad name!' }), /name must be/);
  throwsLike(() => defineTarget({ ...fake(), clients: {} }), /"fake".*clients/);
  throwsLike(() => defineTarget({ ...fake(), cluster: undefined as never }), /cluster\(ctx\)/);
  throwsLike(() => defineTarget({ ...fake(), options: { Bad_Name: { describe: 'x' } } }), /option name "Bad_Name"/);
  throwsLike(
    () => defineTarget({ ...fake(), options: { m: { describe: 'x', choices: ['a'], default: 'z' } } }),
    /default "z"/,
  );
  assert.is(fake().name, 'fake');
});

test('--target-opt: NAME=VALUE pairs, repeats make a list, malformed ones are refused', () => {
  assert.equal(parseTargetOpts(['reads=serializable', 'bug=a', 'bug=b', 'x= y ']), {
    reads: 'serializable',
    bug: 'a,b',
    x: 'y',
  });
  throwsLike(() => parseTargetOpts(['novalue']), /NAME=VALUE/);
  throwsLike(() => parseTargetOpts(['=v']), /NAME=VALUE/);
});

test('target options: defaults fill in, unknown names and values outside the choices are refused', () => {
  const t = fake({
    validate: (o) => {
      if (o.free === 'boom') throw new Error('free must not be boom');
    },
  });
  assert.equal(resolveTargetOpts(t, {}), { mode: 'a' });
  assert.equal(resolveTargetOpts(t, { mode: 'b', free: 'x' }), { mode: 'b', free: 'x' });
  throwsLike(() => resolveTargetOpts(t, { nope: '1' }), /no option "nope"; known: mode, free/);
  throwsLike(() => resolveTargetOpts(t, { mode: 'c' }), /mode=c: expected one of a, b/);
  throwsLike(() => resolveTargetOpts(t, { free: 'boom' }), /free must not be boom/);
});

test('prepareTarget: refuses an unsupported workload and a refused fault kind before anything starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-target-'));
  try {
    // A user's module, importing the package by its own name as a user's project would.
    const file = join(dir, 'my-target.mjs');
    const define = join(repoRoot(), 'dist', 'harness', 'target', 'define.js');
    writeFileSync(
      file,
      `import { defineTarget } from ${JSON.stringify(define)};
export default defineTarget({ name: 'mine', describe: 'x',
  cluster: () => ({
    ports: [], node: () => ({ command: ['true'] }), health: async () => undefined, clockFaults: false,
  }),
  clients: { register: () => ({ invoke: async () => ({ type: 'ok' }), close() {} }) },
  refuses: () => ({ clock: 'Go programs ignore libfaketime' }) });\n`,
    );
    const p = await prepareTarget(file, {}, 'register', ['partition']);
    assert.is(p.target.name, 'mine');
    await rejectsLike(
      prepareTarget(file, {}, 'lock', []),
      /target mine has no client for workload lock; it supports: register/,
    );
    await rejectsLike(
      prepareTarget(file, {}, 'register', ['partition', 'clock']),
      /cannot take --nemesis clock: Go programs ignore libfaketime/,
    );
    writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;\n');
    await rejectsLike(loadTarget(join(dir, 'empty.mjs')), /exports no target/);
    writeFileSync(join(dir, 'broken.mjs'), 'this is not javascript\n');
    await rejectsLike(loadTarget(join(dir, 'broken.mjs')), /failed to load/);
    await rejectsLike(loadTarget(join(dir, 'missing.mjs')), /no such file/);
    await rejectsLike(loadTarget('nosuchtarget'), /unknown --target nosuchtarget; built in: reference/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reference target: node flags come from the Addressing; secret and admin token travel in the environment', () => {
  const a: Addressing = {
    runtime: 'local',
    names: ['n1', 'n2'],
    listenHost: '127.0.0.1',
    port: (n, p) => (p === 'client' ? 9000 : 9100) + Number(n.slice(1)),
    peerAddr: (to) => `127.0.0.1:${7700 + Number(to.slice(1))}`,
    clientAddr: (n) => `127.0.0.1:${9000 + Number(n.slice(1))}`,
    dataDir: (n) => `/tmp/d/${n}`,
  };
  const args = nodeArgs('n2', a, { bug: 'stale-read,no-fsync', 'election-ms': '300' });
  const flag = (f: string): string[] => args.flatMap((x, i) => (x === f ? [args[i + 1]] : []));
  assert.equal(
    flag('--peers'),
    ['n1=127.0.0.1:7701,n2=127.0.0.1:7702'],
    'peers are reached where the runtime says (the relay)',
  );
  assert.equal(flag('--client-urls'), ['n1=http://127.0.0.1:9001,n2=http://127.0.0.1:9002']);
  assert.equal(flag('--client-port'), ['9002']);
  assert.equal(flag('--peer-port'), ['9102'], 'the node binds its real peer port');
  assert.equal(flag('--listen'), ['127.0.0.1']);
  assert.equal(flag('--data-dir'), ['/tmp/d/n2']);
  assert.equal(flag('--election-ticks'), ['30']);
  assert.equal(flag('--bug'), ['stale-read', 'no-fsync']);
  const spec = referenceCluster({ runId: 'r', nodes: 2, logDir: '/tmp/x', options: {}, secret: 's'.repeat(32) });
  const p = spec.node('n1', a);
  const token = adminTokenOf('s'.repeat(32))!;
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal(p.env, { FAULTLINE_NODE_PEER_SECRET: 's'.repeat(32), FAULTLINE_NODE_ADMIN_TOKEN: token });
  assert.not.ok(
    p.command.some((x) => x.includes('s'.repeat(32)) || x.includes(token)),
    'neither the secret nor the admin token is in argv',
  );
  assert.is.not(adminTokenOf('t'.repeat(32)), token, 'another run, another token');
  assert.is(p.command[0], process.execPath, 'on the local runtime the command starts with the node binary');
});

// A fake system: each node serves GET / on its client port, counts "ping"s arriving on its peer port, and sends a
// ping every 20 ms to the other node's peer address (reconnecting when the connection drops).
const FAKE_NODE = `
const http = require('node:http'); const net = require('node:net');
const [client, peer, other] = process.argv.slice(1);
let heard = 0;
net.createServer((s) => {
  s.on('error', () => {});
  s.on('data', (b) => { heard += String(b).split('ping').length - 1; });
}).listen(Number(peer), '127.0.0.1');
http.createServer((req, res) => res.end(JSON.stringify({ heard, pid: process.pid })))
  .listen(Number(client), '127.0.0.1');
let sock;
const dial = () => {
  const [h, p] = other.split(':');
  sock = net.connect(Number(p), h);
  sock.on('error', () => {});
  sock.on('close', () => setTimeout(dial, 50));
};
dial();
setInterval(() => { if (sock && !sock.destroyed && !sock.connecting) sock.write('ping'); }, 20);
`;

test(
  'the local runtime hosts a fake target from its spec alone: ' +
    'health, peer traffic through the relay, cut, kill, start',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-fake-'));
    const rt = new LocalRuntime();
    const spec: ClusterSpec = {
      runId: 'fake',
      nodes: 2,
      logDir: dir,
      clockFaults: false,
      ports: [
        { name: 'client', kind: 'client', container: 80 },
        { name: 'peer', kind: 'peer', container: 81 },
      ],
      node: (n, a) => ({
        command: [
          process.execPath,
          '-e',
          FAKE_NODE,
          String(a.port(n, 'client')),
          String(a.port(n, 'peer')),
          a.peerAddr(n === 'n1' ? 'n2' : 'n1', 'peer'),
        ],
      }),
      health: async (nodes, names) => {
        const want = nodes.filter((h) => !names || names.includes(h.name));
        const r = await Promise.all(want.map((h) => httpGet(h.url, 500)));
        const down = want.filter((_, i) => r[i]?.status !== 200).map((h) => h.name);
        return down.length ? `no answer from ${down.join(', ')}` : undefined;
      },
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      const handles = await rt.up(spec);
      assert.equal(
        handles.map((h) => h.name),
        ['n1', 'n2'],
      );
      const info = async (n: string) =>
        (await httpGet(handles.find((h) => h.name === n)!.url, 500))?.body as
          | { heard: number; pid: number }
          | undefined;
      await sleep(300);
      assert.ok((await info('n2'))!.heard > 0, 'n1 reaches n2 through the relay');
      assert.ok(rt.relay.counters('n1', 'n2').bytesForwarded > 0, 'the relay knows the sender is n1');
      await rt.partition({ n2: ['n1'] });
      await sleep(100);
      const h0 = (await info('n2'))!.heard;
      const m0 = (await info('n1'))!.heard;
      await sleep(300);
      assert.is((await info('n2'))!.heard, h0, 'n2 hears nothing from n1 while cut');
      assert.ok((await info('n1'))!.heard > m0, 'n1 still hears n2 (one-way cut)');
      await rt.heal();
      await sleep(400);
      assert.ok((await info('n2'))!.heard > h0, 'n1 reaches n2 again after heal (it reconnected)');
      const pid = (await info('n2'))!.pid;
      await rt.kill('n2');
      assert.is(await info('n2'), undefined, 'killed');
      await rt.start('n2');
      assert.is.not((await info('n2'))!.pid, pid, 'a new process');
      assert.is(await rt.clockSupported(), false, 'clock faults are off for a target that says they do not reach it');
    } finally {
      await rt.down();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test.run();

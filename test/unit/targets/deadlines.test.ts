// Deadlines on a target's code and the checked spec (harness/target/guard.ts, spec-check.ts, runtime/deadline.ts):
// each place a target can hang ends with one line naming the target and what ran out, an invoke that never settles
// completes as info and its late answer is dropped, and a malformed spec names the field and what was expected.
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DeadlineError, within } from '../../../harness/runtime/deadline.js';
import { waitFor } from '../../../harness/runtime/wait.js';
import { DEADLINES, type Deadlines } from '../../../harness/target/deadlines.js';
import { TargetGuard } from '../../../harness/target/guard.js';
import type { Addressing, ClientContext, NodeHandle, Target, TargetContext } from '../../../harness/target/types.js';
import { loadTarget } from '../../../targets/load.js';
import { hangTarget } from '../../fixtures/hang-target.js';
import { repoRoot } from '../../../harness/paths.js';

const CTX: TargetContext = { runId: 'r', nodes: 2, logDir: '/tmp/none', options: {}, secret: '00' };
const SHORT: Deadlines = { ...DEADLINES, clusterMs: 100, healthMs: 100, closeMs: 100, hookMs: 100, importMs: 300 };
const ADDR: Addressing = {
  runtime: 'local',
  names: ['n1', 'n2'],
  listenHost: '127.0.0.1',
  port: () => 1,
  peerAddr: () => '127.0.0.1:1',
  clientAddr: () => '127.0.0.1:1',
  dataDir: () => '/tmp/none',
};
const NODES: NodeHandle[] = ['n1', 'n2'].map((name) => ({ name, addrs: {}, url: 'http://127.0.0.1:1' }));
/** A client's context for process `process`, with --op-timeout 200 ms. */
const clientContext = (process: number): ClientContext => ({
  seed: 1,
  concurrency: 2,
  opTimeoutMs: 200,
  nodes: NODES,
  prefer: 0,
  process,
  options: {},
});

/** The one-line error `p` rejects with. */
async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const m = (e as Error).message;
    assert.not.match(m, /\n/, 'one line');
    return m;
  }
  throw new Error('expected a rejection');
}

/** `p` settles within `ms` (the deadline under test plus slack for a loaded machine). */
async function settlesWithin<T>(ms: number, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, bound]);
  } finally {
    clearTimeout(t);
  }
}

test('within: the value in time; a DeadlineError naming what ran out; a late value or throw is dropped', async () => {
  assert.is(await within('x', 1000, () => 7), 7);
  assert.is(await within('x', 1000, async () => 8), 8);
  const e = await within('target "t": health() of n2', 50, () => new Promise(() => undefined)).catch((x) => x);
  assert.instance(e, DeadlineError);
  assert.is((e as Error).message, 'target "t": health() of n2 did not settle within 50 ms');
  let unhandled = 0;
  const count = (): void => {
    unhandled++;
  };
  process.on('unhandledRejection', count);
  const late = within('y', 30, () => new Promise((_, rej) => setTimeout(() => rej(new Error('late')), 80)));
  assert.match(await rejection(late), /^y did not settle within 30 ms$/);
  await new Promise((r) => setTimeout(r, 120));
  process.off('unhandledRejection', count);
  assert.is(unhandled, 0, 'a late rejection is dropped, not unhandled');
  assert.match(
    await rejection(
      within('z', 100, () => {
        throw new Error('sync');
      }),
    ),
    /^sync$/,
  );
  assert.throws(() => within('w', Number.NaN, () => 1), /deadline for w/);
});

test('waitFor: a check that never settles ends at the wait deadline, with why', async () => {
  const m = await settlesWithin(
    3000,
    rejection(waitFor('cluster not healthy', 200, () => new Promise(() => undefined))),
  );
  assert.match(m, /^cluster not healthy within 200 ms: the check did not settle within \d+ ms$/);
});

test('cluster(): a spec that never comes is a one-line error naming the target', async () => {
  const g = new TargetGuard(hangTarget('cluster'), SHORT, () => undefined);
  const m = await settlesWithin(3000, rejection(g.cluster(CTX)));
  assert.is(m, 'target "hang-cluster": cluster() did not settle within 100 ms');
});

test('health(): a call that never settles fails the wait at once, naming the nodes', async () => {
  const g = new TargetGuard(hangTarget('health'), SHORT, () => undefined);
  const spec = await g.cluster(CTX);
  assert.is(
    await settlesWithin(3000, rejection(spec.health(NODES, ['n2']))),
    'target "hang-health": health() of n2 did not settle within 100 ms',
  );
  // Through a runtime's wait: the guarded check's deadline ends it, long before the wait's own 10 s.
  const m = await settlesWithin(3000, rejection(waitFor('cluster not healthy', 10_000, () => spec.health(NODES))));
  assert.is(m, 'target "hang-health": health() of n1, n2 did not settle within 100 ms');
});

test('invoke(): never settling, throwing or answering nonsense completes as info', async () => {
  const g = new TargetGuard(hangTarget('invoke', { lateMs: 1500 }), SHORT, () => undefined);
  const make = g.client(hangTarget('invoke', { lateMs: 1500 }).clients.kv, 200);
  const c = make(clientContext(4));
  const t0 = Date.now();
  const done = await settlesWithin(5000, c.invoke({ f: 'read', key: 'k' }));
  assert.equal(done, {
    type: 'info',
    error: 'target "hang-invoke": invoke() of process 4 did not settle within 1.2 s',
  });
  assert.ok(Date.now() - t0 >= 1150, 'not before the deadline (op timeout 200 ms + 1 s grace)');
  const odd: Target = {
    ...hangTarget('none'),
    clients: {
      kv: (ctx) => ({
        invoke: async (op) => {
          if (op.f === 'read') throw new Error(`boom\nat ${ctx.process}`);
          return (op.f === 'write' ? 'yes' : { type: 'fail' }) as never;
        },
        close: () => {
          throw new Error('close broke');
        },
      }),
    },
  };
  const said: string[] = [];
  const c2 = new TargetGuard(odd, SHORT, (m) => said.push(m)).client(odd.clients.kv, 200)(clientContext(1));
  assert.equal(await c2.invoke({ f: 'read', key: 'k' }), {
    type: 'info',
    error: 'target "hang-none": invoke() of process 1 threw: boom',
  });
  assert.equal(await c2.invoke({ f: 'write', key: 'k', value: 1 }), {
    type: 'info',
    error: 'target "hang-none": invoke() of process 1 resolved to the string "yes", not a completion',
  });
  assert.is((await c2.invoke({ f: 'cas', key: 'k', value: [1, 2] })).type, 'info', 'a fail without an error');
  await c2.close();
  assert.equal(said, ['close broke']);
});

test('close(): one that never settles is said after its deadline and does not hold the caller', async () => {
  const said: string[] = [];
  const t = hangTarget('close');
  const c = new TargetGuard(t, SHORT, (m) => said.push(m)).client(t.clients.kv, 200)(clientContext(3));
  await settlesWithin(3000, Promise.resolve(c.close()));
  assert.equal(said, ['target "hang-close": close() of process 3 did not settle within 100 ms']);
});

test('the module import: a top-level await that never settles is one line at the import deadline', async () => {
  const file = resolve(repoRoot(), 'dist', 'test', 'fixtures', 'hang-import.js');
  const m = await settlesWithin(5000, rejection(loadTarget(file, 300)));
  assert.match(m, /^--target .*hang-import\.js: the module's import did not settle within 300 ms \(a top-level await/);
});

const valid = (): Record<string, unknown> => ({
  ports: [
    { name: 'client', kind: 'client', container: 8080 },
    { name: 'peer', kind: 'peer', container: 9090 },
  ],
  node: () => ({ command: ['prog'], env: { A: '1' } }),
  health: async () => undefined,
  clockFaults: false,
});

/** The error the guard gives for the spec `cluster()` returns (undefined when it is accepted). */
async function specError(spec: unknown): Promise<string | undefined> {
  const t = { ...hangTarget('none'), name: 'mine', cluster: () => spec as never };
  try {
    await new TargetGuard(t, SHORT, () => undefined).cluster(CTX);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

test('a malformed spec: one line naming the target, the field and what was expected', async () => {
  const cases: [unknown, string][] = [
    [{ ...valid(), ports: 'client:8080' }, 'spec.ports must be an array of port declarations'],
    [
      'a spec',
      'spec must be a cluster spec { ports, node, health, clockFaults, image?, install?, dataFiles? }, got the string',
    ],
    [{ ...valid(), ports: [] }, 'spec.ports must be an array of port declarations { name, kind, container } (1 to 64)'],
    [
      { ...valid(), ports: [{ name: 'c', kind: 'pear', container: 1 }] },
      'spec.ports[0].kind must be "client" or "peer"',
    ],
    [
      { ...valid(), ports: [{ name: 'c', kind: 'client', container: 70000 }] },
      'spec.ports[0].container must be a port',
    ],
    [{ ...valid(), ports: [{ name: 'c', kind: 'client' }] }, 'spec.ports[0].container must be a port number'],
    [
      { ...valid(), ports: [...(valid().ports as object[]), { name: 'peer', kind: 'peer', container: 1 }] },
      'spec.ports[2].name must be a name not used before, got the string "peer"',
    ],
    [{ ...valid(), health: undefined }, 'spec.health must be a function health(nodes, names?)'],
    [{ ...valid(), clockFaults: 'yes' }, 'spec.clockFaults must be true or false, got the string "yes"'],
    [{ ...valid(), helth: async () => undefined }, 'spec.helth must be absent (the fields are ports, node, health'],
    [{ ...valid(), image: 'faultline-x:1' }, 'spec.image must be a function image(builder)'],
    [{ ...valid(), dataFiles: 'wal' }, 'spec.dataFiles must be an array of relative paths of data files or folders'],
    [
      { ...valid(), dataFiles: ['wal', '../etc'] },
      'spec.dataFiles[1] must be a relative path inside the data directory',
    ],
    [{ ...valid(), dataFiles: ['/var/lib/x'] }, 'spec.dataFiles[0] must be a relative path inside the data directory'],
  ];
  for (const [spec, expected] of cases) {
    const m = await specError(spec);
    assert.ok(m, `accepted: ${JSON.stringify(spec)}`);
    assert.ok(m!.startsWith(`target "mine": ${expected}`), `${m}\n  expected: ${expected}`);
    assert.not.match(m!, /\n/);
  }
  assert.is(await specError(valid()), undefined);
  assert.is(await specError({ ...valid(), dataFiles: ['wal', 'member/snap/db'] }), undefined);
  // What the checked spec accepts reaches the runtime: the corrupt faults read dataFiles from the guarded spec.
  const t = {
    ...hangTarget('none'),
    name: 'mine',
    cluster: () => ({ ...valid(), dataFiles: ['wal', 'snap'] }) as never,
  };
  const guarded = await new TargetGuard(t, SHORT, () => undefined).cluster(CTX);
  assert.equal(guarded.dataFiles, ['wal', 'snap']);
});

test('node(): a malformed process spec names the node and the field', async () => {
  const at = async (p: unknown, runtime: Addressing['runtime'] = 'local'): Promise<string> => {
    const t = { ...hangTarget('none'), name: 'mine', cluster: () => ({ ...valid(), node: () => p }) as never };
    const spec = await new TargetGuard(t, SHORT, () => undefined).cluster(CTX);
    try {
      spec.node('n1', { ...ADDR, runtime });
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(
    await at({ command: 'node server.js' }),
    /^target "mine": spec.node\("n1"\).command must be an array of/,
  );
  assert.match(await at({ command: ['x'], env: { PORT: 8080 } }), /spec.node\("n1"\).env.PORT must be a string/);
  assert.match(await at(undefined), /spec.node\("n1"\) must be a process spec \{ command, env\? \}, got nothing/);
  assert.match(
    await at({ command: [] }),
    /command must be the program and its arguments \(local runtime\), got an array of 0$/,
  );
  assert.is(await at({ command: [] }, 'docker'), 'accepted', 'docker: the image entrypoint runs');
});

test('health() resolving to something other than undefined or a reason is named', async () => {
  const t = { ...hangTarget('none'), name: 'mine', cluster: () => ({ ...valid(), health: async () => true }) as never };
  const spec = await new TargetGuard(t, SHORT, () => undefined).cluster(CTX);
  assert.match(
    await rejection(spec.health(NODES)),
    /^target "mine": health\(\) of n1, n2 must resolve to undefined \(healthy\) or a string saying why not, got true$/,
  );
});

test.run();

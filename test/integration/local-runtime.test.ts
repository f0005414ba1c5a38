// The local runtime end to end: the fault relay on its own (deterministic traffic on every link), then a real
// 3-node cluster where every fault must bite: partitions (counters, Raft still works, isolated leader cannot
// commit), heal, kill/start, pause/resume, clock offsets (libfaketime), frame loss, and down() leaving nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalRuntime } from '../../harness/runtime/local/local-runtime.js';
import { Relay, type LinkCounters } from '../../harness/runtime/local/relay.js';
import type { NodeHandle } from '../../harness/runtime/types.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import type { NodeStatus } from '../../system/node/api.js';
import { TestKv } from '../helpers/kv-client.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, f: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) assert.unreachable(`${what} within ${timeoutMs} ms`);
    await sleep(25);
  }
}

// ---------------------------------------------------------------- the relay alone, with fake nodes

const NAMES = ['n1', 'n2', 'n3'];

interface Fake {
  server: Server;
  port: number;
  lines: string[];
}

async function fakeNode(): Promise<Fake> {
  const f: Fake = { server: createServer(), port: 0, lines: [] };
  f.server.on('connection', (s) => {
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      buf += c;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        f.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', () => r()));
  f.port = (f.server.address() as { port: number }).port;
  return f;
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    s.once('error', reject);
    s.connect(port, '127.0.0.1', () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

test(
  'relay: bytes pass untouched; a drop cut discards and resets at heal, ' +
    'reject resets, loss and latency delay in order',
  async () => {
    const fakes = new Map<string, Fake>();
    for (const n of NAMES) fakes.set(n, await fakeNode());
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // The test itself plays every sender: map each dialled socket's local port to the node it stands for.
    const owners = new Map<number, string>();
    const relay = await Relay.create({
      nodes: NAMES,
      ports: ['peer'],
      realPort: (n) => fakes.get(n)!.port,
      random,
      retransmitMs: 300,
      identify: (remotePort) => owners.get(remotePort),
    });
    const socks = new Map<string, Socket>();
    const open = async (from: string, to: string): Promise<Socket> => {
      const s = await dial(relay.port(to, 'peer'));
      owners.set(s.localPort!, from);
      socks.set(`${from}->${to}`, s);
      return s;
    };
    try {
      for (const a of NAMES) for (const b of NAMES) if (a !== b) await open(a, b);
      const send = async (tag: string, wait = 150): Promise<void> => {
        for (const [k, s] of socks) if (!s.destroyed) s.write(`${JSON.stringify({ tag, link: k })}\n`);
        await sleep(wait);
      };
      const got = (to: string, tag: string): string[] =>
        fakes
          .get(to)!
          .lines.map((l) => JSON.parse(l) as { tag: string; link: string })
          .filter((m) => m.tag === tag)
          .map((m) => m.link)
          .sort();

      await send('before');
      for (const n of NAMES)
        assert.equal(
          got(n, 'before'),
          NAMES.filter((x) => x !== n)
            .map((x) => `${x}->${n}`)
            .sort(),
          `all links pass to ${n}`,
        );
      assert.ok(relay.counters('n1', 'n2').bytesForwarded > 0);

      // n1 and n2 cannot hear each other; every other link passes.
      relay.cut('n1', 'n2', 'drop');
      relay.cut('n2', 'n1', 'drop');
      await send('cut');
      assert.equal(got('n1', 'cut'), ['n3->n1']);
      assert.equal(got('n2', 'cut'), ['n3->n2']);
      assert.equal(got('n3', 'cut'), ['n1->n3', 'n2->n3']);
      assert.ok(relay.counters('n1', 'n2').bytesDropped > 0);
      assert.is(relay.connections('n1', 'n2'), 1, 'drop keeps the connection open');

      // Healing resets the connections that lost bytes: a stream with a hole is never passed on.
      const holed = socks.get('n1->n2')!;
      const reset = new Promise<void>((r) => holed.once('close', () => r()));
      relay.uncut('n1', 'n2');
      relay.uncut('n2', 'n1');
      await reset;
      assert.is(relay.counters('n1', 'n2').resetAtHeal, 1);
      await open('n1', 'n2');
      await open('n2', 'n1');
      await send('uncut');
      assert.equal(got('n2', 'uncut'), ['n1->n2', 'n3->n2']);
      assert.equal(got('n1', 'uncut'), ['n2->n1', 'n3->n1']);
      for (const n of NAMES) for (const l of fakes.get(n)!.lines) JSON.parse(l); // every line received parses

      const s13 = socks.get('n1->n3')!;
      // Reject: the open connections between the two are reset, new ones are refused at once.
      const closed = new Promise<void>((r) => s13.once('close', () => r()));
      relay.cut('n1', 'n3', 'reject');
      await closed;
      const again = await new Promise<string>((resolve) => {
        const s = new Socket();
        s.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
        s.on('close', () => resolve('closed'));
        s.connect(relay.port('n3', 'peer'), '127.0.0.1', () => {
          owners.set(s.localPort!, 'n1');
          s.write('{"tag":"rejected","link":"n1->n3"}\n');
        });
      });
      assert.ok(/closed|ECONNRESET|EPIPE/.test(again), again);
      assert.ok(relay.counters('n1', 'n3').rejected >= 1);
      assert.equal(got('n3', 'rejected'), []);
      relay.uncut('n1', 'n3');
      await open('n1', 'n3');

      // A connection from a process that is not a node is never faulted.
      relay.cut('n1', 'n3', 'drop');
      const stranger = await dial(relay.port('n3', 'peer'));
      stranger.write('{"tag":"stranger","link":"?->n3"}\n');
      await sleep(100);
      assert.equal(got('n3', 'stranger'), ['?->n3']);
      stranger.destroy();
      relay.uncut('n1', 'n3');
      await open('n1', 'n3');

      // Loss 1.0 at n3: every chunk to n3 is held back one retransmission timeout (300 ms here), then arrives in order.
      relay.loss('n3', 1);
      const t0 = Date.now();
      for (let i = 0; i < 20; i++)
        socks.get('n1->n3')!.write(`${JSON.stringify({ tag: 'lossy', link: 'n1->n3', i })}\n`);
      await sleep(100);
      assert.equal(got('n3', 'lossy'), [], 'nothing yet after 100 ms');
      await until('the held-back chunks arrive', 2000, () => got('n3', 'lossy').length === 20);
      assert.ok(Date.now() - t0 >= 280);
      const order = fakes
        .get('n3')!
        .lines.map((l) => JSON.parse(l) as { tag: string; i?: number })
        .filter((m) => m.tag === 'lossy')
        .map((m) => m.i);
      assert.equal(
        order,
        Array.from({ length: 20 }, (_, i) => i),
        'in order',
      );
      assert.ok(relay.counters('n1', 'n3').chunksDelayed > 0);
      assert.equal(got('n1', 'before').length, 2, 'other receivers untouched');
      relay.loss('n3', 0);

      // Latency 200 ms ± 50 at n2: delayed, in order.
      relay.latency('n2', 200, 50);
      const t1 = Date.now();
      for (let i = 0; i < 20; i++)
        socks.get('n3->n2')!.write(`${JSON.stringify({ tag: 'slow', link: 'n3->n2', i })}\n`);
      await until('the delayed chunks arrive', 2000, () => got('n2', 'slow').length === 20);
      assert.ok(Date.now() - t1 >= 140, `delayed by at least 150 ms (${Date.now() - t1})`);
      const order2 = fakes
        .get('n2')!
        .lines.map((l) => JSON.parse(l) as { tag: string; i?: number })
        .filter((m) => m.tag === 'slow')
        .map((m) => m.i);
      assert.equal(
        order2,
        Array.from({ length: 20 }, (_, i) => i),
        'in order',
      );
      relay.latency('n2', 0);
      await send('clean', 100);
      assert.equal(got('n2', 'clean'), ['n1->n2', 'n3->n2']);
    } finally {
      for (const s of socks.values()) s.destroy();
      await relay.close();
      for (const f of fakes.values()) await new Promise((r) => f.server.close(r));
    }
  },
);

// ---------------------------------------------------------------- a real 3-node cluster

const dir = mkdtempSync(join(tmpdir(), 'fl-local-rt-'));
const rt = new LocalRuntime();
let handles: NodeHandle[] = [];
let kv: TestKv;
let seq = 0;
const url = (n: string): string => handles.find((h) => h.name === n)!.url;
const others = (n: string): string[] => handles.map((h) => h.name).filter((x) => x !== n);

async function statuses(names = handles.map((h) => h.name)): Promise<Map<string, NodeStatus>> {
  const m = new Map<string, NodeStatus>();
  await Promise.all(
    names.map(async (n) => {
      const s = await kv.status(url(n));
      if (s) m.set(n, s);
    }),
  );
  return m;
}

/** Exactly one leader among `names`, and every one of them names it. */
async function singleLeader(names = handles.map((h) => h.name), timeoutMs = 10_000): Promise<string> {
  let leader = '';
  await until(`a single agreed leader among ${names.join(', ')}`, timeoutMs, async () => {
    const sts = await statuses(names);
    if (sts.size !== names.length) return false;
    const leaders = [...sts.values()].filter((s) => s.role === 'leader');
    if (leaders.length !== 1) return false;
    leader = leaders[0].id;
    return [...sts.values()].every((s) => s.leader === leader);
  });
  return leader;
}

async function write(key: string, value: number, urls = handles.map((h) => h.url), timeoutMs = 10_000): Promise<void> {
  kv.urls = urls;
  const r = await kv.call({ op: 'write', key, value, client: 'local-rt', seq: ++seq }, timeoutMs);
  assert.is(r.ok, true, `write ${key}=${value}`);
}

const delta = (a: LinkCounters | undefined, b: LinkCounters | undefined): LinkCounters => {
  const zero = { accepted: 0, rejected: 0, bytesForwarded: 0, bytesDropped: 0, chunksDelayed: 0, resetAtHeal: 0 };
  const x = a ?? zero;
  return Object.fromEntries(
    Object.entries(b ?? zero).map(([k, v]) => [k, v - x[k as keyof LinkCounters]]),
  ) as unknown as LinkCounters;
};

test.before(async () => {
  // uvu swallows a failing before hook silently: say why.
  // One shard: these tests follow one Raft group's leader through the relay's faults; with several shards the
  // nodes' leadership rebalancing (docs/node.md) would legitimately move it between checks.
  handles = await rt
    .up(
      referenceSpec({
        runId: 'local-rt-test',
        nodes: 3,
        logDir: dir,
        options: { 'election-ms': '300', 'heartbeat-ms': '30', shards: '1' },
      }),
    )
    .catch((e: Error) => {
      console.error(`local runtime up failed: ${e.stack ?? e.message}`);
      throw e;
    });
  kv = new TestKv(handles.map((h) => h.url));
});

test.after(async () => {
  kv?.close();
  await rt.down();
  rmSync(dir, { recursive: true, force: true });
});

test('up: three nodes answer, node logs in <logDir>/<node>/node.log, peers dial the relay', async () => {
  assert.is(handles.length, 3);
  assert.equal(
    handles.map((h) => h.name),
    NAMES,
  );
  await singleLeader();
  await write('hello', 1);
  const { existsSync } = await import('node:fs');
  for (const n of NAMES) assert.ok(existsSync(join(dir, n, 'node.log')));
  // Peer traffic really goes through the relay.
  const c = rt.relay.allCounters();
  assert.ok(Object.values(c).reduce((s, x) => s + x.bytesForwarded, 0) > 0);
});

test('partition n1 <-/-> n2: no byte between them either way, links to n3 pass, writes still work', async () => {
  // Make the cut bite: the leader must be n1 or n2, so that Raft traffic is offered on the cut links.
  let leader = await singleLeader();
  if (leader === 'n3') {
    await rt.partition({ n3: ['n1', 'n2'], n1: ['n3'], n2: ['n3'] });
    await until('n1 or n2 leads', 10_000, async () =>
      [...(await statuses(['n1', 'n2'])).values()].some((s) => s.role === 'leader'),
    );
    await rt.heal();
    leader = await singleLeader();
  }
  assert.ok(leader === 'n1' || leader === 'n2');
  const follower = leader === 'n1' ? 'n2' : 'n1';
  await rt.partition({ n1: ['n2'], n2: ['n1'] });
  const before = rt.relay.allCounters();
  try {
    for (let i = 0; i < 10; i++) await write(`p${i}`, i);
    await sleep(1500); // several election timeouts: the cut-off follower tries to campaign
    const after = rt.relay.allCounters();
    const d = (k: string): LinkCounters => delta(before[k], after[k]);
    assert.is(d('n1->n2').bytesForwarded, 0, 'n1 -> n2 forwarded nothing');
    assert.is(d('n2->n1').bytesForwarded, 0, 'n2 -> n1 forwarded nothing');
    assert.ok(
      d(`${leader}->${follower}`).bytesDropped > 0,
      "the leader's heartbeats to the cut-off follower were dropped",
    );
    assert.ok(
      d(`${follower}->${leader}`).bytesDropped > 0,
      "the cut-off follower's campaign messages to the leader were dropped",
    );
    for (const k of ['n1->n3', 'n3->n1', 'n2->n3', 'n3->n2'])
      assert.is(d(k).bytesDropped + d(k).chunksDelayed, 0, `${k} dropped and delayed nothing`);
    assert.ok(
      d(`${leader}->n3`).bytesForwarded > 0 && d(`n3->${leader}`).bytesForwarded > 0,
      'leader <-> n3 passes both ways',
    );
    assert.ok(d(`${follower}->n3`).bytesForwarded > 0, 'the cut-off follower still reaches n3');
    // The majority (leader + n3) kept the same leader (pre-vote + check-quorum: n3 ignores the follower).
    const sts = await statuses([leader, 'n3']);
    assert.is(sts.get(leader)?.role, 'leader');
  } finally {
    await rt.heal();
  }
  await singleLeader();
});

test('isolated leader: a new leader appears among the others, the old one cannot commit', async () => {
  const old = await singleLeader();
  const rest = others(old);
  await rt.partition({ [old]: rest, [rest[0]]: [old], [rest[1]]: [old] }, { mode: 'drop' });
  try {
    const t0 = Date.now();
    let answer = 'no answer';
    try {
      const r = await kv.http.call(
        `${url(old)}/kv`,
        'POST',
        { op: 'write', key: 'isolated', value: 1, client: 'iso', seq: 1 },
        2000,
      );
      answer = `${r.status} ${JSON.stringify(r.body)}`;
      assert.is.not(r.status, 200, `isolated old leader ${old} must not commit: ${answer}`);
    } catch (e) {
      if ((e as Error).name === 'Assertion') throw e;
    }
    const next = await singleLeader(rest, 10_000);
    assert.is.not(next, old);
    assert.ok(Date.now() - t0 < 12_000);
    await write('majority', 1, rest.map(url));
    // Check-quorum: the old leader steps down within about two election timeouts of losing its majority.
    let st = await kv.status(url(old));
    for (let i = 0; i < 30 && st?.role === 'leader'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      st = await kv.status(url(old));
    }
    assert.is.not(st?.role, 'leader', 'the old leader stepped down (check-quorum)');
  } finally {
    await rt.heal();
  }
});

test('heal: a single leader again, writes go through on all three', async () => {
  await rt.heal();
  const leader = await singleLeader(NAMES, 10_000);
  await write('healed', 1);
  kv.urls = [url(leader)];
  assert.is((await kv.call({ op: 'read', key: 'healed' })).value, 1);
  assert.equal(rt.relay.cuts(), []);
});

test('reject mode: connections are reset and refused, nothing passes; start keeps faults', async () => {
  const leader = await singleLeader();
  const victim = others(leader)[0];
  await rt.partition(
    { [victim]: others(victim), ...Object.fromEntries(others(victim).map((n) => [n, [victim]])) },
    { mode: 'reject' },
  );
  try {
    const before = rt.relay.allCounters();
    await sleep(1000);
    const after = rt.relay.allCounters();
    for (const o of others(victim)) {
      assert.is(delta(before[`${o}->${victim}`], after[`${o}->${victim}`]).bytesForwarded, 0);
      assert.is(delta(before[`${victim}->${o}`], after[`${victim}->${o}`]).bytesForwarded, 0);
      assert.is(rt.relay.connections(o, victim), 0);
    }
    assert.ok(rt.relay.counters(leader, victim).rejected > 0, 'the leader keeps reconnecting and is refused');
    // A restarted node is still partitioned: same relay ports.
    await rt.kill(victim);
    await rt.start(victim);
    await sleep(800);
    const st = await kv.status(url(victim));
    assert.ok(st, 'restarted node answers');
    assert.is.not(st!.role, 'leader');
    assert.is(st!.leader, null, 'the restarted node, still cut off, knows no leader');
  } finally {
    await rt.heal();
  }
  await singleLeader();
});

test('kill: /status unreachable; start: reachable again and earlier writes readable from it', async () => {
  const leader = await singleLeader();
  for (let i = 0; i < 10; i++) await write(`k${i}`, i * 10);
  await rt.kill(leader);
  assert.is(await kv.status(url(leader)), undefined, 'killed node does not answer');
  const next = await singleLeader(others(leader), 10_000);
  await write('after-kill', 7, others(leader).map(url));
  await rt.start(leader);
  assert.ok(await kv.status(url(leader)), 'restarted node answers');
  const target = (await kv.status(url(next)))!.commit;
  await until(
    `${leader} catches up to ${target}`,
    10_000,
    async () => ((await kv.status(url(leader)))?.applied ?? 0) >= target,
  );
  kv.urls = [url(leader)]; // start at the restarted node, follow its 421 redirect
  for (let i = 0; i < 10; i++) assert.is((await kv.call({ op: 'read', key: `k${i}` })).value, i * 10);
  assert.is((await kv.call({ op: 'read', key: 'after-kill' })).value, 7);
  await singleLeader();
});

test('pause: no answer within 500 ms; resume: answers', async () => {
  await rt.pause('n1');
  try {
    const t0 = Date.now();
    let answered = true;
    try {
      await kv.http.call(`${url('n1')}/status`, 'GET', undefined, 500);
    } catch {
      answered = false;
    }
    assert.is(answered, false, 'a paused node does not answer');
    assert.ok(Date.now() - t0 >= 450);
  } finally {
    await rt.resume('n1');
  }
  await until('n1 answers after resume', 3000, async () => !!(await kv.status(url('n1'))));
  await singleLeader();
});

test("clock: clockSet(n2, +60 s) moves n2's wall clock only", async () => {
  if (!(await rt.clockSupported())) {
    console.log('  (skipped: libfaketime is not installed; clock faults need apt-get install faketime)');
    let err = '';
    try {
      await rt.clockSet('n2', 60_000);
    } catch (e) {
      err = (e as Error).message;
    }
    assert.is(err, 'clock faults need libfaketime (apt-get install faketime)');
    return;
  }
  const skew = async (n: string): Promise<number | undefined> => {
    const t0 = Date.now();
    const s = await kv.status(url(n));
    return s ? s.time - (t0 + Date.now()) / 2 : undefined;
  };
  await rt.clockSet('n2', 60_000);
  try {
    await until('n2 runs ~60 s ahead', 3500, async () => {
      const d = await skew('n2');
      return d !== undefined && Math.abs(d - 60_000) <= 3000;
    });
    const d1 = await skew('n1');
    assert.ok(d1 !== undefined && Math.abs(d1) <= 3000, `n1's clock is untouched (skew ${d1})`);
    await write('clock', 1); // the cluster keeps working: Raft runs on the monotonic clock
    await rt.clockSet('n2', -2500);
    await until('n2 runs ~2.5 s behind', 3500, async () => {
      const d = await skew('n2');
      return d !== undefined && Math.abs(d + 2500) <= 1000;
    });
  } finally {
    await rt.clockReset();
  }
  await until('n2 back to true time', 3500, async () => {
    const d = await skew('n2');
    return d !== undefined && Math.abs(d) <= 1000;
  });
});

test(
  'loss(n3, 1.0): every chunk to n3 is held back (TCP retransmission), ' + 'nothing else is; loss 0 restores',
  async () => {
    await singleLeader();
    await rt.loss(['n3'], 1.0);
    try {
      const before = rt.relay.allCounters();
      await sleep(1000);
      const after = rt.relay.allCounters();
      const delayed =
        delta(before['n1->n3'], after['n1->n3']).chunksDelayed + delta(before['n2->n3'], after['n2->n3']).chunksDelayed;
      assert.ok(delayed > 0, 'chunks to n3 were held back');
      for (const k of ['n3->n1', 'n3->n2', 'n1->n2', 'n2->n1'])
        assert.is(delta(before[k], after[k]).chunksDelayed, 0, `${k} was not delayed`);
    } finally {
      await rt.loss(['n3'], 0);
    }
    await singleLeader();
    await write('after-loss', 1);
  },
);

test('healAll: undoes pause, kill, partition, loss and clock together', async () => {
  const leader = await singleLeader();
  await rt.kill(others(leader)[0]);
  await rt.pause(others(leader)[1]);
  await rt.partition({ n1: ['n3'] });
  await rt.loss(['n2'], 0.5);
  if (await rt.clockSupported()) await rt.clockSet('n1', 30_000);
  await rt.healAll();
  assert.equal(rt.relay.cuts(), []);
  assert.is(rt.relay.lossOf('n2'), 0);
  assert.equal(rt.clockOffsets(), {});
  assert.is(Object.keys(rt.pids()).length, 3);
  await singleLeader(NAMES, 10_000);
  await write('after-heal-all', 1);
});

test('down: no node process left alive, idempotent', async () => {
  const pids = Object.values(rt.pids());
  assert.is(pids.length, 3);
  for (const pid of pids) process.kill(pid, 0); // alive now
  await rt.down();
  await rt.down();
  for (const pid of pids) {
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code !== 'ESRCH';
    }
    assert.is(alive, false, `pid ${pid} is gone`);
  }
  assert.equal(rt.nodes(), []);
});

test.run();

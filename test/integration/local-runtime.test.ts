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

interface Fake { server: Server; port: number; lines: string[] }

async function fakeNode(): Promise<Fake> {
  const f: Fake = { server: createServer(), port: 0, lines: [] };
  f.server.on('connection', (s) => {
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      buf += c;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) { f.lines.push(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
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
    s.connect(port, '127.0.0.1', () => { s.off('error', reject); s.on('error', () => undefined); resolve(s); });
  });
}

test('relay: directed cuts drop whole frames, reject resets, loss is per receiver, uncut restores', async () => {
  const fakes = new Map<string, Fake>();
  for (const n of NAMES) fakes.set(n, await fakeNode());
  let seed = 42;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const relay = await Relay.create({ nodes: NAMES, realPort: (n) => fakes.get(n)!.port, random });
  const socks = new Map<string, Socket>();
  try {
    for (const a of NAMES) for (const b of NAMES) if (a !== b) socks.set(`${a}->${b}`, await dial(relay.port(a, b)));
    const send = async (tag: string): Promise<void> => {
      for (const [k, s] of socks) if (!s.destroyed) s.write(`${JSON.stringify({ tag, link: k })}\n`);
      await sleep(150);
    };
    const got = (to: string, tag: string): string[] =>
      fakes.get(to)!.lines.map((l) => JSON.parse(l) as { tag: string; link: string }).filter((m) => m.tag === tag).map((m) => m.link).sort();

    await send('before');
    for (const n of NAMES) assert.equal(got(n, 'before'), NAMES.filter((x) => x !== n).map((x) => `${x}->${n}`).sort(), `all links pass to ${n}`);

    // n1 and n2 cannot hear each other; every other link passes.
    relay.cut('n1', 'n2', 'drop');
    relay.cut('n2', 'n1', 'drop');
    await send('cut');
    assert.equal(got('n1', 'cut'), ['n3->n1']);
    assert.equal(got('n2', 'cut'), ['n3->n2']);
    assert.equal(got('n3', 'cut'), ['n1->n3', 'n2->n3']);
    assert.is(relay.counters('n1', 'n2').droppedByCut, 1);
    assert.is(relay.counters('n2', 'n1').droppedByCut, 1);
    assert.is(relay.connections('n1', 'n2'), 1, 'drop keeps the connection open');

    // A frame that straddles the cut is dropped whole, so the stream stays parseable after uncut.
    socks.get('n1->n2')!.write('{"tag":"straddle",');
    await sleep(50);
    relay.uncut('n1', 'n2');
    socks.get('n1->n2')!.write('"link":"n1->n2"}\n');
    await sleep(50);
    relay.cut('n1', 'n2', 'drop');
    socks.get('n1->n2')!.write('{"tag":"straddle2",');
    await sleep(50);
    relay.uncut('n1', 'n2');
    socks.get('n1->n2')!.write('"link":"n1->n2"}\n');
    relay.uncut('n2', 'n1');
    await send('uncut');
    assert.equal(got('n2', 'straddle'), ['n1->n2'], 'frame begun before the cut and ended after uncut is whole');
    assert.equal(got('n2', 'straddle2'), ['n1->n2']);
    assert.equal(got('n2', 'uncut'), ['n1->n2', 'n3->n2']);
    assert.equal(got('n1', 'uncut'), ['n2->n1', 'n3->n1']);
    for (const n of NAMES) for (const l of fakes.get(n)!.lines) JSON.parse(l); // every line received parses

    // Reject: the open connection is reset, new ones are refused at once.
    const s13 = socks.get('n1->n3')!;
    const closed = new Promise<void>((r) => s13.once('close', () => r()));
    relay.cut('n1', 'n3', 'reject');
    await closed;
    const again = await new Promise<string>((resolve) => {
      const s = new Socket();
      s.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
      s.on('close', () => resolve('closed'));
      s.connect(relay.port('n1', 'n3'), '127.0.0.1', () => s.write('{"tag":"rejected","link":"n1->n3"}\n'));
    });
    assert.ok(/closed|ECONNRESET|EPIPE/.test(again), again);
    assert.ok(relay.counters('n1', 'n3').rejected >= 1);
    assert.equal(got('n3', 'rejected'), []);
    relay.uncut('n1', 'n3');
    socks.set('n1->n3', await dial(relay.port('n1', 'n3')));

    // Loss 1.0 at n3: nothing reaches n3, everything else passes.
    relay.loss('n3', 1);
    await send('loss');
    assert.equal(got('n3', 'loss'), []);
    assert.equal(got('n1', 'loss'), ['n2->n1', 'n3->n1']);
    assert.is(relay.counters('n1', 'n3').droppedByLoss + relay.counters('n2', 'n3').droppedByLoss, 2);
    // Loss 0.5: some frames pass, some do not, all intact.
    relay.loss('n3', 0.5);
    for (let i = 0; i < 100; i++) socks.get('n1->n3')!.write(`${JSON.stringify({ tag: 'half', link: `n1->n3`, i })}\n`);
    await sleep(150);
    const half = got('n3', 'half').length;
    assert.ok(half > 20 && half < 80, `about half of 100 frames pass (${half})`);
    relay.loss('n3', 0);
    await send('noloss');
    assert.equal(got('n3', 'noloss'), ['n1->n3', 'n2->n3']);
  } finally {
    for (const s of socks.values()) s.destroy();
    await relay.close();
    for (const f of fakes.values()) await new Promise((r) => f.server.close(r));
  }
});

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
  await Promise.all(names.map(async (n) => { const s = await kv.status(url(n)); if (s) m.set(n, s); }));
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

const delta = (a: LinkCounters, b: LinkCounters): LinkCounters =>
  Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - a[k as keyof LinkCounters]])) as unknown as LinkCounters;

test.before(async () => {
  // uvu swallows a failing before hook silently: say why.
  handles = await rt.up({ runId: 'local-rt-test', nodes: 3, node: { electionMs: 300, heartbeatMs: 30 }, logDir: dir }).catch((e: Error) => {
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
  assert.equal(handles.map((h) => h.name), NAMES);
  await singleLeader();
  await write('hello', 1);
  const { existsSync } = await import('node:fs');
  for (const n of NAMES) assert.ok(existsSync(join(dir, n, 'node.log')));
  // Peer traffic really goes through the relay.
  const c = rt.relay.allCounters();
  assert.ok(Object.values(c).reduce((s, x) => s + x.framesForwarded, 0) > 0);
});

test('partition n1 <-/-> n2: no frame between them either way, links to n3 pass, writes still work', async () => {
  // Make the cut bite: the leader must be n1 or n2, so that Raft traffic is offered on the cut links.
  let leader = await singleLeader();
  if (leader === 'n3') {
    await rt.partition({ n3: ['n1', 'n2'], n1: ['n3'], n2: ['n3'] });
    await until('n1 or n2 leads', 10_000, async () => [...(await statuses(['n1', 'n2'])).values()].some((s) => s.role === 'leader'));
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
    assert.is(d('n1->n2').framesForwarded, 0, 'n1 -> n2 forwarded nothing');
    assert.is(d('n2->n1').framesForwarded, 0, 'n2 -> n1 forwarded nothing');
    assert.ok(d(`${leader}->${follower}`).droppedByCut > 0, 'the leader\'s heartbeats to the cut-off follower were dropped');
    assert.ok(d(`${follower}->${leader}`).droppedByCut > 0, 'the cut-off follower\'s campaign messages to the leader were dropped');
    for (const k of ['n1->n3', 'n3->n1', 'n2->n3', 'n3->n2']) {
      assert.is(d(k).droppedByCut + d(k).droppedByLoss, 0, `${k} dropped nothing`);
      assert.is(d(k).framesForwarded, d(k).framesIn, `${k} forwarded everything offered`);
    }
    assert.ok(d(`${leader}->n3`).framesForwarded > 0 && d(`n3->${leader}`).framesForwarded > 0, 'leader <-> n3 passes both ways');
    assert.ok(d(`${follower}->n3`).framesForwarded > 0, 'the cut-off follower still reaches n3');
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
      const r = await kv.http.call(`${url(old)}/kv`, 'POST', { op: 'write', key: 'isolated', value: 1, client: 'iso', seq: 1 }, 2000);
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
  await rt.partition({ [victim]: others(victim), ...Object.fromEntries(others(victim).map((n) => [n, [victim]])) }, { mode: 'reject' });
  try {
    const before = rt.relay.allCounters();
    await sleep(1000);
    const after = rt.relay.allCounters();
    for (const o of others(victim)) {
      assert.is(delta(before[`${o}->${victim}`], after[`${o}->${victim}`]).framesForwarded, 0);
      assert.is(delta(before[`${victim}->${o}`], after[`${victim}->${o}`]).framesForwarded, 0);
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
  await until(`${leader} catches up to ${target}`, 10_000, async () => ((await kv.status(url(leader)))?.applied ?? 0) >= target);
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

test('clock: clockSet(n2, +60 s) moves n2\'s wall clock only', async () => {
  if (!(await rt.clockSupported())) {
    console.log('  (skipped: libfaketime is not installed; clock faults need apt-get install faketime)');
    let err = '';
    try { await rt.clockSet('n2', 60_000); } catch (e) { err = (e as Error).message; }
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
    await until('n2 runs ~60 s ahead', 3500, async () => { const d = await skew('n2'); return d !== undefined && Math.abs(d - 60_000) <= 3000; });
    const d1 = await skew('n1');
    assert.ok(d1 !== undefined && Math.abs(d1) <= 3000, `n1's clock is untouched (skew ${d1})`);
    await write('clock', 1); // the cluster keeps working: Raft runs on the monotonic clock
    await rt.clockSet('n2', -2500);
    await until('n2 runs ~2.5 s behind', 3500, async () => { const d = await skew('n2'); return d !== undefined && Math.abs(d + 2500) <= 1000; });
  } finally {
    await rt.clockReset();
  }
  await until('n2 back to true time', 3500, async () => { const d = await skew('n2'); return d !== undefined && Math.abs(d) <= 1000; });
});

test('loss(n3, 1.0): every frame to n3 is dropped; loss 0 restores', async () => {
  await singleLeader();
  await rt.loss(['n3'], 1.0);
  try {
    const before = rt.relay.allCounters();
    await sleep(1000);
    const after = rt.relay.allCounters();
    for (const k of ['n1->n3', 'n2->n3']) assert.is(delta(before[k], after[k]).framesForwarded, 0, `${k} forwarded nothing`);
    const dropped = delta(before['n1->n3'], after['n1->n3']).droppedByLoss + delta(before['n2->n3'], after['n2->n3']).droppedByLoss;
    assert.ok(dropped > 0, 'frames to n3 were offered and dropped');
    for (const k of ['n3->n1', 'n3->n2', 'n1->n2', 'n2->n1']) assert.is(delta(before[k], after[k]).droppedByLoss, 0, `${k} lost nothing`);
  } finally {
    await rt.loss(['n3'], 0);
  }
  await singleLeader();
  await write('after-loss', 1);
});

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
    try { process.kill(pid, 0); } catch (e) { alive = (e as NodeJS.ErrnoException).code !== 'ESRCH'; }
    assert.is(alive, false, `pid ${pid} is gone`);
  }
  assert.equal(rt.nodes(), []);
});

test.run();

// The reference node on the disk-fault layer (issue 24, item 3, the node's side): one node (so every
// acknowledged write rests on its own disk alone) with its data folder mounted on faultfs. It keeps every
// acknowledged write through kill -9 + crash-drop, torn tails included; it stops loudly (exit 3, one line)
// on ENOSPC and EIO and never acknowledges what it could not make durable; its planted bugs no-fsync and
// no-dir-fsync lose acknowledged writes after one crash-drop, where the correct node with the same steps does not.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import { HttpClient } from '../../harness/net/http.js';
import { FaultFs, FaultFsRefused } from '../../harness/runtime/disk/faultfs.js';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import { faultfsTest } from '../helpers/faultfs.js';
import { until } from '../helpers/until.js';

const http = new HttpClient();
test.after(() => http.close());

interface OnDisk {
  lp: LocalProcesses;
  fs: FaultFs;
  url: string;
  log: string;
  /** Writes `key` (value = key); true when acknowledged. */
  write(key: string): Promise<boolean>;
  read(key: string): Promise<unknown>;
  start(): Promise<void>;
  /** kill -9, then the crash: everything not durable is undone. */
  crash(): Promise<Awaited<ReturnType<FaultFs['crashDrop']>>>;
}

/** One node on a faultfs mount over its data folder; `fn` runs with it, then everything is taken down. */
async function onLayer(o: { bugs?: string[]; args?: string[] }, fn: (n: OnDisk) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-faultfs-node-'));
  const lp = await LocalProcesses.create({
    nodes: 1,
    dir,
    electionTicks: 10,
    heartbeatTicks: 2,
    bugs: o.bugs,
    extraArgs: ['--shards', '1', ...(o.args ?? [])],
    env: { FAULTLINE_NODE_PEER_SECRET: randomBytes(32).toString('hex') },
  });
  const node = lp.nodes[0];
  mkdirSync(node.dataDir, { recursive: true });
  const fs = await FaultFs.mount({ dir: node.dataDir, stateDir: join(dir, 'faultfs') });
  const kv = async (body: Record<string, unknown>, ms = 2000) => {
    try {
      const r = await http.call(`${node.url}/kv`, 'POST', body, ms);
      return { status: r.status, body: r.body as Record<string, unknown> };
    } catch {
      return undefined;
    }
  };
  const n: OnDisk = {
    lp,
    fs,
    url: node.url,
    log: node.logFile,
    write: async (key) => {
      const r = await kv({ op: 'write', key, value: key });
      return r?.status === 200 && r.body.ok === true;
    },
    read: async (key) => (await kv({ op: 'read', key }))?.body.value,
    start: async () => {
      lp.start('n1');
      await until('the node answers reads', 15_000, async () =>
        (await kv({ op: 'read', key: 'probe' }, 500))?.status === 200 ? true : undefined,
      );
    },
    crash: async () => {
      await lp.kill('n1');
      return fs.crashDrop();
    },
  };
  try {
    await fn(n);
  } finally {
    await lp.stopAll();
    await fs.unmount();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `writers` concurrent writers of fresh keys until `stop()` says so; resolves with the acknowledged keys. */
function writeUntil(n: OnDisk, writers: number, prefix: string, stop: () => boolean): Promise<string[]> {
  const acked: string[] = [];
  return Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; !stop(); i++) {
        const key = `${prefix}-${w}-${i}`;
        if (await n.write(key)) acked.push(key);
      }
    }),
  ).then(() => acked);
}

async function missing(n: OnDisk, keys: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const k of keys) if ((await n.read(k)) !== k) out.push(k);
  return out;
}

faultfsTest(test, 'the correct node keeps every acknowledged write through crash-drops and torn tails', async () => {
  await onLayer({ args: ['--wal-segment-bytes', '8192', '--snapshot-every', '50'] }, async (n) => {
    await n.start();
    // Slow fsyncs, and kills aimed at a moment when the layer holds an unsynced write (a batch written, its
    // fsync under way): the kill abandons that fsync, and the tear makes a torn tail of the batch.
    await n.fs.slowFsync(50);
    const r = new Random(24);
    const all: string[] = [];
    let torn = 0;
    for (let round = 1; round <= 4; round++) {
      let stop = false;
      const acked = writeUntil(n, 8, `r${round}`, () => stop);
      await new Promise((res) => setTimeout(res, r.int(300, 700)));
      await until('an unsynced write', 5000, async () => ((await n.fs.status()).dirtyFiles > 0 ? true : undefined));
      await n.lp.kill('n1');
      stop = true;
      all.push(...(await acked));
      try {
        const t = await n.fs.tear({ seed: round });
        if (t.kept < t.length) torn++;
      } catch (e) {
        if (!(e instanceof FaultFsRefused && /no unsynced write/.test(e.message))) throw e;
      }
      await n.fs.crashDrop();
      await n.start();
      assert.equal(await missing(n, all), [], `round ${round}: acknowledged writes lost`);
    }
    assert.ok(all.length >= 8, `only ${all.length} acknowledged writes`);
    assert.ok(torn >= 1, 'no round tore a write');
    assert.match(readFileSync(n.log, 'utf8'), /torn tail of \d+ bytes/);
    console.log(`correct node: ${all.length} acknowledged writes, ${torn} of 4 crashes with a torn tail, none lost`);
  });
});

faultfsTest(test, 'planted no-fsync loses acknowledged writes after one crash-drop', async () => {
  await onLayer({ bugs: ['no-fsync'] }, async (n) => {
    await n.start();
    const acked: string[] = [];
    for (let i = 0; i < 30; i++) if (await n.write(`k${i}`)) acked.push(`k${i}`);
    assert.is(acked.length, 30);
    await new Promise((res) => setTimeout(res, 300)); // the bug's timer writes the batches (never syncs them)
    const r = await n.crash();
    assert.ok(r.bytes > 0, 'the drop took unsynced bytes');
    await n.start();
    const lost = await missing(n, acked);
    assert.ok(lost.length > 0, 'no acknowledged write was lost');
    console.log(`no-fsync: ${lost.length} of ${acked.length} acknowledged writes lost after one crash-drop`);
  });
});

/** Writes until the WAL has rolled to a checkpoint segment (and snapshotted) at least twice, then crashes. */
async function rollThenCrash(n: OnDisk): Promise<{ acked: string[]; lost: string[] }> {
  await n.start();
  const acked: string[] = [];
  for (let i = 0; i < 150; i++) if (await n.write(`k${i}`)) acked.push(`k${i}`);
  const segs = readdirSync(join(n.lp.nodes[0].dataDir, 'wal'));
  assert.ok(!segs.includes('00000001.log') && !segs.includes('00000002.log'), `no two rolls: ${segs.join(' ')}`);
  await n.crash();
  await n.start();
  return { acked, lost: await missing(n, acked) };
}

faultfsTest(
  test,
  'planted no-dir-fsync loses acknowledged writes after one crash-drop; the correct node not',
  async () => {
    const args = ['--wal-segment-bytes', '4096', '--snapshot-every', '40'];
    await onLayer({ bugs: ['no-dir-fsync'], args }, async (n) => {
      const { acked, lost } = await rollThenCrash(n);
      assert.is(acked.length, 150);
      assert.ok(lost.length > 0, 'no acknowledged write was lost');
      console.log(`no-dir-fsync: ${lost.length} of ${acked.length} acknowledged writes lost after one crash-drop`);
    });
    await onLayer({ args }, async (n) => {
      const { acked, lost } = await rollThenCrash(n);
      assert.is(acked.length, 150);
      assert.equal(lost, [], 'the correct node lost acknowledged writes');
    });
  },
);

/** Starts writers, injects the fault, and waits for the node to stop; then heals, crashes and checks. */
async function failLoudly(
  n: OnDisk,
  fault: Parameters<FaultFs['failOps']>[0],
  line: RegExp,
): Promise<{ before: number; after: number }> {
  await n.start();
  const exited = n.lp.exited('n1');
  let stop = false;
  const acked = writeUntil(n, 4, 'w', () => stop);
  await new Promise((res) => setTimeout(res, 300));
  const before = (await n.fs.status()).stats.writes;
  await n.fs.failOps(fault);
  const code = await exited;
  stop = true;
  const keys = await acked;
  assert.is(code, 3, 'the node stops with exit 3');
  assert.match(readFileSync(n.log, 'utf8'), line);
  await n.fs.clearFaults();
  await n.fs.crashDrop();
  await n.start();
  assert.equal(await missing(n, keys), [], 'acknowledged writes lost');
  return { before, after: keys.length };
}

faultfsTest(test, 'ENOSPC: the node stops with one line and loses no acknowledged write', async () => {
  await onLayer({}, async (n) => {
    const { after } = await failLoudly(
      n,
      { errno: 'ENOSPC', ops: ['write', 'create'] },
      /stopping: write to .*\.log failed after 0 of \d+ bytes: ENOSPC/,
    );
    assert.ok(after > 10, `only ${after} acknowledged writes`);
  });
});

faultfsTest(
  test,
  'EIO on fsync: the node stops with one line, never retries, loses no acknowledged write',
  async () => {
    await onLayer({}, async (n) => {
      await failLoudly(n, { errno: 'EIO', ops: ['fsync'] }, /stopping: fdatasync of .*\.log failed: EIO/);
    });
  },
);

faultfsTest(test, 'EIO on read: the node refuses to start with one line, and starts once reads work', async () => {
  await onLayer({}, async (n) => {
    await n.start();
    assert.ok(await n.write('k'));
    await n.lp.kill('n1');
    await n.fs.failOps({ errno: 'EIO', ops: ['read'] });
    n.lp.start('n1');
    assert.is(await n.lp.exited('n1'), 3);
    assert.match(readFileSync(n.log, 'utf8'), /cannot open .*: EIO/);
    await n.fs.clearFaults();
    await n.start();
    assert.is(await n.read('k'), 'k');
  });
});

test.run();

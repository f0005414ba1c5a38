// The disk and corrupt fault kinds (harness/nemesis/disk.ts, corrupt.ts) on a runtime that only remembers what
// was done to it: their aims, what each shape asks of a node's disk, what goes into the history, and their
// refusals. The layer itself is tested in test/integration/faultfs*.test.ts; the kinds end to end in
// test/integration/disk-nemesis-local.test.ts and test/docker/disk-nemesis-docker.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../../harness/generator/random.js';
import { corruptFault, dataFilesUnder } from '../../../harness/nemesis/corrupt.js';
import { diskFault } from '../../../harness/nemesis/disk.js';
import type { FaultContext } from '../../../harness/nemesis/kind.js';
import { parseNemesisSpec, wantsDisk } from '../../../harness/nemesis/packages.js';
import type { DropReport } from '../../../harness/runtime/disk/faultfs.js';
import { DISK_OVER_SSH, type NodeDisk, diskCannot } from '../../../harness/runtime/disk/node-disks.js';
import { FakeRuntime } from './fake-runtime.js';

/** A node's disk that remembers what it was asked; `dir` is a real folder for the corrupt kinds. */
class FakeDisk {
  calls: string[] = [];
  constructor(readonly dir: string) {}
  async crashDrop(): Promise<DropReport> {
    this.calls.push('drop');
    const files = [{ path: 'wal/1.log', how: 'data' as const, bytes: 42 }];
    return { files, filesOmitted: 0, bytes: 42, entries: 1, skipped: 0, writebackFiles: 0, writebackBytes: 0 };
  }
  async tear(o: { seed?: number }) {
    this.calls.push(`tear ${o.seed !== undefined}`);
    return { path: 'wal/1.log', offset: 10, length: 20, kept: 5 };
  }
  async failOps(o: { errno: string; ops: string[] }): Promise<void> {
    this.calls.push(`fail ${o.errno} ${o.ops.join(',')}`);
  }
  async clearFaults(): Promise<void> {
    this.calls.push('clear');
  }
  async slowFsync(ms: number): Promise<void> {
    this.calls.push(`slow ${ms}`);
  }
}

class DiskRuntime extends FakeRuntime {
  readonly disks = new Map<string, FakeDisk>();
  constructor(names: string[], root: string) {
    super(names);
    for (const n of names) {
      mkdirSync(join(root, n), { recursive: true });
      this.disks.set(n, new FakeDisk(join(root, n)));
    }
  }
  disk(name: string): NodeDisk {
    return this.disks.get(name)! as unknown as NodeDisk;
  }
}

function setup(seed: number, n = 5): { rt: DiskRuntime; ctx: FaultContext; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'fl-disk-kinds-'));
  const names = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const rt = new DiskRuntime(names, root);
  const ctx: FaultContext = {
    runtime: rt,
    nodes: names,
    rnd: new Random(seed),
    leader: async () => undefined,
    hotKey: () => undefined,
    dataFiles: ['wal', 'snap/db'],
    leftDown: new Set(),
  };
  return { rt, ctx, root };
}

test('--nemesis disk is the five disk shapes; corrupt has bitflip and truncate', () => {
  const [disk] = parseNemesisSpec('disk').packages;
  assert.equal(disk.shapes, ['lose-unsynced', 'torn', 'full', 'eio', 'slow-fsync']);
  assert.equal(parseNemesisSpec('disk:lose-unsynced').packages[0].shapes, ['lose-unsynced']);
  assert.equal(parseNemesisSpec('corrupt').packages[0].shapes, ['bitflip', 'truncate']);
  assert.throws(() => parseNemesisSpec('disk:melt'), /unknown disk shape "melt"; disk shapes: lose-unsynced/);
});

test('lose-unsynced kills its victims, drops their unsynced writes, reports the loss and restarts them', async () => {
  const { rt, ctx, root } = setup(3);
  const f = await diskFault.start(ctx, 'lose-unsynced');
  const nodes = f.value.nodes as string[];
  assert.equal([...rt.killed].sort(), [...nodes].sort());
  for (const n of nodes) assert.equal(rt.disks.get(n)!.calls, ['drop']);
  const dropped = f.value.dropped as Record<string, { bytes: number; files: number; list: string[] }>;
  assert.equal(Object.keys(dropped).sort(), [...nodes].sort());
  assert.is(dropped[nodes[0]].bytes, 42);
  assert.equal(dropped[nodes[0]].list, ['data wal/1.log: 42 B']);
  assert.equal(await f.stop(), { started: nodes });
  assert.is(rt.killed.size, 0);
  rmSync(root, { recursive: true });
});

test('aims: crashes take one, a minority, a majority or all; errors and delays at most a majority', async () => {
  const crashSizes = new Set<number>();
  const otherSizes = new Set<number>();
  for (let seed = 1; seed <= 60; seed++) {
    const { ctx, root } = setup(seed);
    const crash = await diskFault.start(ctx, seed % 2 ? 'torn' : 'lose-unsynced');
    crashSizes.add((crash.value.nodes as string[]).length);
    await crash.stop();
    const other = await diskFault.start(ctx, ['full', 'eio', 'slow-fsync'][seed % 3]);
    otherSizes.add((other.value.nodes as string[]).length);
    await other.stop();
    rmSync(root, { recursive: true });
  }
  // Five nodes: one and a minority are 1 and 2, a majority 3, all 5.
  assert.equal([...crashSizes].sort(), [1, 2, 3, 5]);
  assert.equal([...otherSizes].sort(), [1, 2, 3]);
});

test('torn tears before the drop; full, eio and slow-fsync are set on their victims and taken back', async () => {
  const { rt, ctx, root } = setup(7);
  const torn = await diskFault.start(ctx, 'torn');
  const v = (torn.value.nodes as string[])[0];
  assert.equal(rt.disks.get(v)!.calls, ['tear true', 'drop']);
  assert.is((torn.value.dropped as Record<string, { tear: { kept: number } }>)[v].tear.kept, 5);
  await torn.stop();
  for (const [shape, want] of [
    ['full', /^fail ENOSPC write,create$/],
    ['eio', /^fail EIO (fsync|write|read|write,fsync)$/],
    ['slow-fsync', /^slow (100|500|2000)$/],
  ] as const) {
    for (const d of rt.disks.values()) d.calls = [];
    const f = await diskFault.start(ctx, shape);
    const victims = f.value.nodes as string[];
    for (const n of ctx.nodes) {
      const calls = rt.disks.get(n)!.calls;
      if (victims.includes(n)) assert.match(calls[0], want, `${shape} on ${n}`);
      else assert.equal(calls, [], `${shape} leaves ${n} alone`);
    }
    await f.stop();
    for (const n of victims) assert.is(rt.disks.get(n)!.calls[1], shape === 'slow-fsync' ? 'slow 0' : 'clear');
  }
  rmSync(root, { recursive: true });
});

test('a node that will not start again is named with its reason; after corruption it is left down', async () => {
  const { rt, ctx, root } = setup(2, 3);
  files(root, ctx.nodes);
  rt.start = async (n: string) => {
    throw new Error(`${n} exited (see its log)\nmore`);
  };
  const f = await diskFault.start(ctx, 'full');
  const out = await f.stop();
  const victims = f.value.nodes as string[];
  assert.equal(out.refused, Object.fromEntries(victims.map((v) => [v, `${v} exited (see its log)`])));
  assert.is(ctx.leftDown!.size, 0, 'a disk error is no reason to give a node up: the heals start it again');
  const c = await corruptFault.start(ctx, 'bitflip');
  await c.stop();
  assert.equal([...ctx.leftDown!].sort(), [...(c.value.nodes as string[])].sort());
  // Three nodes: one down for good is the whole minority; corruption stops there.
  await corruptFault.start(ctx, 'bitflip').then(
    () => assert.unreachable('corrupted a second node of three'),
    (e: Error) => assert.match(e.message, /^skipped: a minority \(n\d\) is already down after corruption$/),
  );
  rmSync(root, { recursive: true });
});

function files(root: string, nodes: string[]): void {
  for (const n of nodes) {
    mkdirSync(join(root, n, 'wal'), { recursive: true });
    mkdirSync(join(root, n, 'snap'), { recursive: true });
    writeFileSync(join(root, n, 'wal', '1.log'), 'a'.repeat(100));
    writeFileSync(join(root, n, 'wal', '2.log'), 'b'.repeat(100));
    writeFileSync(join(root, n, 'snap', 'db'), 'c'.repeat(10_000));
    writeFileSync(join(root, n, 'snap', 'other'), 'untouched');
  }
}

test('the data files are the named files and every file under the named folders', () => {
  const root = mkdtempSync(join(tmpdir(), 'fl-disk-files-'));
  files(root, ['n1']);
  assert.equal(
    dataFilesUnder(join(root, 'n1'), ['wal', 'snap/db', 'missing']).map((f) => f.slice(root.length + 4)),
    ['wal/1.log', 'wal/2.log', 'snap/db'],
  );
  rmSync(root, { recursive: true });
});

test('corrupt:bitflip flips one bit of each file it picks, on stopped nodes, started again at the stop', async () => {
  for (let seed = 1; seed <= 5; seed++) {
    const { rt, ctx, root } = setup(seed);
    files(root, ctx.nodes);
    const f = await corruptFault.start(ctx, 'bitflip');
    const victims = f.value.nodes as string[];
    assert.ok(victims.length >= 1 && victims.length <= 2, 'one node or a minority, never a majority');
    assert.equal([...rt.killed].sort(), [...victims].sort());
    const damaged = f.value.damaged as Record<string, Record<string, { offset: number; bit: number }>>;
    for (const v of victims) {
      const hit = Object.keys(damaged[v]);
      assert.ok(hit.length >= 1, 'at least one file per victim');
      for (const rel of ['wal/1.log', 'wal/2.log', 'snap/db']) {
        const now = readFileSync(join(root, v, rel));
        const orig = Buffer.from((rel === 'snap/db' ? 'c' : rel === 'wal/1.log' ? 'a' : 'b').repeat(now.length));
        let bits = 0;
        for (let i = 0; i < now.length; i++) for (let x = now[i] ^ orig[i]; x; x &= x - 1) bits++;
        assert.is(bits, hit.includes(rel) ? 1 : 0, `${v} ${rel}`);
        if (hit.includes(rel))
          assert.is(now[damaged[v][rel].offset] ^ orig[damaged[v][rel].offset], 1 << damaged[v][rel].bit);
      }
      assert.is(readFileSync(join(root, v, 'snap', 'other'), 'utf8'), 'untouched');
    }
    await f.stop();
    assert.is(rt.killed.size, 0);
    rmSync(root, { recursive: true });
  }
});

test('corrupt:truncate cuts 1 byte to 4 KiB off the tail; without named data files it is refused', async () => {
  const { ctx, root } = setup(4);
  files(root, ctx.nodes);
  const f = await corruptFault.start(ctx, 'truncate');
  for (const [v, hit] of Object.entries(
    f.value.damaged as Record<string, Record<string, { size: number; cut: number }>>,
  ))
    for (const [rel, { size, cut }] of Object.entries(hit)) {
      assert.ok(cut >= 1 && cut <= Math.min(size, 4096), `${rel}: cut ${cut} of ${size}`);
      assert.is(statSync(join(root, v, rel)).size, size - cut);
    }
  await f.stop();
  ctx.dataFiles = undefined;
  await corruptFault.start(ctx, 'truncate').then(
    () => assert.unreachable('started without data files'),
    (e: Error) => assert.match(e.message, /the target names no data files to corrupt/),
  );
  rmSync(root, { recursive: true });
});

test('refusals: a runtime without the layer says why; ssh and a turned-off layer leave all without disk kinds', () => {
  assert.is(diskCannot('partition', undefined), undefined);
  assert.match(diskCannot('disk', undefined) ?? '', /disk faults are unavailable|not mounted for this run/);
  assert.match(diskCannot('corrupt', undefined) ?? '', /disk faults are unavailable|not mounted for this run/);
  const notes: string[] = [];
  assert.is(
    wantsDisk(parseNemesisSpec('all'), 'ssh', (m) => notes.push(m)),
    false,
  );
  assert.equal(notes, [`nemesis all: leaving out disk, corrupt (${DISK_OVER_SSH})`]);
  assert.is(
    wantsDisk(parseNemesisSpec('partition,kill'), 'local', (m) => notes.push(m)),
    false,
  );
  assert.is(
    wantsDisk(parseNemesisSpec('corrupt:truncate'), 'ssh', (m) => notes.push(m)),
    true,
  );
  assert.is(notes.length, 1);
});

test.run();

// The node's shared write-ahead log: many groups in one file, one write and one fsync per batch for all of
// them, recovery that rebuilds every group, a torn batch that loses only its unsynced records (of every group),
// per-group compaction through checkpoint segments, and crashes in the middle of a checkpoint.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DiskStorage } from '../../../system/node/storage.js';
import { CorruptStorage, Wal } from '../../../system/node/wal.js';
import type { Entry } from '../../../system/raft/types.js';

const PEERS = ['a', 'b', 'c'];
const root = mkdtempSync(join(tmpdir(), 'fl-wal-'));
let n = 0;
const freshDir = (): string => join(root, `w${n++}`);
const ent = (index: number, term: number, data = `cmd${index}`): Entry => ({ index, term, type: 'normal', data });
const range = (lo: number, hi: number, term: number, tag = ''): Entry[] =>
  Array.from({ length: hi - lo + 1 }, (_, k) => ent(lo + k, term, `${tag}${lo + k}`));
const all = (s: DiskStorage): Entry[] => s.entries(s.firstIndex(), s.lastIndex() + 1);
const segments = (dir: string): string[] => readdirSync(join(dir, 'wal')).sort();

function openGroups(dir: string, ids: string[], segmentBytes?: number): { wal: Wal; gs: Map<string, DiskStorage> } {
  const wal = Wal.open(dir, { fsync: true, segmentBytes });
  return { wal, gs: new Map(ids.map((g) => [g, new DiskStorage(wal, g, PEERS)])) };
}

test("groups share one file; one sync makes every group's batch durable; reopen rebuilds each group", () => {
  const dir = freshDir();
  let { wal, gs } = openGroups(dir, ['0', '3', '7']);
  for (const [g, s] of gs) s.save({ term: 1, vote: 'a', commit: 0 }, range(1, 5, 1, `g${g}:`), false);
  assert.is(wal.syncs, 0, 'nothing written before the sync');
  wal.sync();
  assert.is(wal.syncs, 1, 'one sync for three groups');
  gs.get('3')!.save({ term: 2, vote: 'b', commit: 0 }, [ent(4, 2, 'g3:x')], false); // replaces 4..5 of group 3 only
  wal.sync();
  assert.is(wal.syncs, 2);
  assert.equal(segments(dir), ['00000001.log']);
  wal.close();
  ({ wal, gs } = openGroups(dir, ['0', '3', '7']));
  assert.equal(all(gs.get('0')!), range(1, 5, 1, 'g0:'));
  assert.equal(all(gs.get('7')!), range(1, 5, 1, 'g7:'));
  assert.equal(all(gs.get('3')!), [...range(1, 3, 1, 'g3:'), ent(4, 2, 'g3:x')]);
  assert.equal(gs.get('3')!.initialState().hardState, { term: 2, vote: 'b', commit: 0 });
  assert.equal(gs.get('0')!.initialState().hardState, { term: 1, vote: 'a', commit: 0 });
  wal.close();
});

test('a batch torn part way through loses only its unsynced tail, in every group; synced records all stay', () => {
  const dir = freshDir();
  let { wal, gs } = openGroups(dir, ['1', '2']);
  gs.get('1')!.save({ term: 1, vote: 'a', commit: 0 }, range(1, 3, 1, 'a'), false);
  gs.get('2')!.save({ term: 1, vote: 'a', commit: 0 }, range(1, 3, 1, 'b'), false);
  wal.sync();
  const synced = readFileSync(wal.path).length;
  // The next batch: group 1 then group 2; the process dies while the write is half done.
  gs.get('1')!.save(undefined, range(4, 6, 1, 'a'), false);
  gs.get('2')!.save(undefined, range(4, 6, 1, 'b'), false);
  wal.sync();
  const full = readFileSync(wal.path).length;
  wal.close();
  const cut = synced + Math.floor((full - synced) * 0.6); // inside one of group 2's records
  truncateSync(join(dir, 'wal', '00000001.log'), cut);
  ({ wal, gs } = openGroups(dir, ['1', '2']));
  assert.is(wal.warnings.length, 1);
  assert.match(wal.warnings[0], /torn tail/);
  const a = all(gs.get('1')!),
    b = all(gs.get('2')!);
  assert.ok(a.length >= 3 && b.length >= 3, 'everything synced before the torn batch is there');
  assert.equal(a, range(1, a.length, 1, 'a'), 'a prefix of group 1, no holes');
  assert.equal(b, range(1, b.length, 1, 'b'), 'a prefix of group 2, no holes');
  assert.ok(a.length + b.length < 12, 'the torn part is gone');
  wal.close();
});

test('checkpoint roll: older segments are deleted, per-group snapshots drop compacted entries, reopen agrees', () => {
  const dir = freshDir();
  let { wal, gs } = openGroups(dir, ['0', '1'], 4096);
  const g0 = gs.get('0')!,
    g1 = gs.get('1')!;
  g0.save({ term: 1, vote: 'a', commit: 0 }, [], false);
  for (let i = 1; i <= 200; i++) {
    g0.save(undefined, [ent(i, 1, `zero-${i}-${'x'.repeat(40)}`)], false);
    if (i <= 20) g1.save(undefined, [ent(i, 1, `one-${i}`)], false);
    wal.sync();
    if (i % 50 === 0) g0.createSnapshot(i - 10, `state@${i - 10}`, PEERS);
  }
  assert.ok(wal.rolls > 0, 'the WAL rolled');
  assert.equal(segments(dir).length, 1, 'older segments deleted');
  const before0 = all(g0),
    before1 = all(g1);
  assert.is(g0.firstIndex(), 191);
  wal.close();
  ({ wal, gs } = openGroups(dir, ['0', '1'], 4096));
  assert.equal(all(gs.get('0')!), before0);
  assert.equal(all(gs.get('1')!), before1, 'a group with no snapshot keeps all its entries across checkpoints');
  assert.is(gs.get('0')!.snapshot()!.meta.index, 190);
  assert.equal(gs.get('0')!.initialState().hardState.vote, 'a', 'the hard state is carried by every checkpoint');
  wal.close();
});

test('a crash between the checkpoint rename and the deletion of older segments changes nothing', () => {
  const dir = freshDir();
  let { wal, gs } = openGroups(dir, ['0', '1'], 1 << 30);
  gs.get('0')!.save({ term: 1, vote: 'a', commit: 0 }, range(1, 30, 1, 'p'), false);
  gs.get('1')!.save({ term: 2, vote: 'b', commit: 0 }, range(1, 10, 2, 'q'), false);
  gs.get('1')!.save(undefined, [ent(5, 3, 'q-new')], false); // a truncation the checkpoint must keep
  wal.sync();
  gs.get('0')!.createSnapshot(12, 'state@12', PEERS);
  const keep = join(root, `seg-copy-${n}`);
  copyFileSync(join(dir, 'wal', '00000001.log'), keep);
  wal.roll();
  copyFileSync(keep, join(dir, 'wal', '00000001.log')); // the old segment "was not deleted yet"
  const before0 = all(gs.get('0')!),
    before1 = all(gs.get('1')!);
  wal.close();
  ({ wal, gs } = openGroups(dir, ['0', '1'], 1 << 30));
  assert.equal(segments(dir), ['00000001.log', '00000002.log']);
  assert.equal(all(gs.get('0')!), before0);
  assert.equal(all(gs.get('1')!), before1);
  assert.equal(before1.at(-1), ent(5, 3, 'q-new'));
  wal.close();
});

test('an unfinished checkpoint (temp file) is ignored and removed', () => {
  const dir = freshDir();
  let { wal, gs } = openGroups(dir, ['0']);
  gs.get('0')!.save({ term: 1, vote: 'a', commit: 0 }, range(1, 4, 1), true);
  wal.close();
  writeFileSync(join(dir, 'wal', '00000002.log.tmp'), 'garbage that never got renamed');
  ({ wal, gs } = openGroups(dir, ['0']));
  assert.equal(all(gs.get('0')!), range(1, 4, 1));
  assert.equal(segments(dir), ['00000001.log']);
  wal.close();
});

test('an unterminated record in a segment that is not the last is corruption, not a torn tail', () => {
  const dir = freshDir();
  const { wal, gs } = openGroups(dir, ['0'], 1 << 30);
  gs.get('0')!.save({ term: 1, vote: 'a', commit: 0 }, range(1, 4, 1), true);
  wal.close();
  const p1 = join(dir, 'wal', '00000001.log');
  writeFileSync(join(dir, 'wal', '00000002.log'), '');
  const text = readFileSync(p1, 'utf8');
  writeFileSync(p1, text.slice(0, text.length - 5));
  assert.throws(
    () => openGroups(dir, ['0']),
    (e: Error) => e instanceof CorruptStorage && e.message.includes(p1) && /unterminated/.test(e.message),
  );
});

test('a data folder in the old per-shard format is refused with a clear message', () => {
  const dir = freshDir();
  mkdirSync(join(dir, 'shard-0'), { recursive: true });
  writeFileSync(join(dir, 'shard-0', 'log'), '');
  assert.throws(
    () => Wal.open(dir, { fsync: false }),
    (e: Error) => e instanceof CorruptStorage && /per-shard log/.test(e.message),
  );
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();

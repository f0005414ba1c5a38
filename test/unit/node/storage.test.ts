// DiskStorage (one group on the node's shared write-ahead log): what survives a reopen (a crash or restart) is
// exactly what save()/applySnapshot()/createSnapshot() returned for, a torn (unterminated) tail is cut off
// quietly, and a complete record that fails its checksum, anywhere in the log, is a loud error. The shared
// log itself (many groups, one sync, checkpoints) is tested in wal.test.ts.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CorruptStorage, DiskStorage } from '../../../system/node/storage.js';
import type { Entry, Snapshot } from '../../../system/raft/types.js';

const PEERS = ['a', 'b', 'c'];
const root = mkdtempSync(join(tmpdir(), 'fl-storage-'));
let n = 0;
const freshDir = (): string => join(root, `g${n++}`);
const open = (dir: string): DiskStorage => DiskStorage.open(dir, { fsync: true, peers: PEERS });
const ent = (index: number, term: number, data = `cmd${index}`): Entry => ({ index, term, type: 'normal', data });
const range = (lo: number, hi: number, term: number): Entry[] =>
  Array.from({ length: hi - lo + 1 }, (_, k) => ent(lo + k, term));
const logPath = (dir: string): string => join(dir, 'wal', '00000001.log');
const lines = (dir: string): string[] =>
  readFileSync(logPath(dir), 'utf8')
    .split('\n')
    .filter((l) => l !== '');

/** Reopens (closing first), as a restarted process would. */
function reopen(s: DiskStorage): DiskStorage {
  s.close();
  return open(s.dir);
}

function allEntries(s: DiskStorage): Entry[] {
  return s.entries(s.firstIndex(), s.lastIndex() + 1);
}

test('empty directory: empty log, zero hard state, peers from options', () => {
  const s = open(freshDir());
  assert.equal(s.initialState(), { hardState: { term: 0, vote: null, commit: 0 }, peers: PEERS });
  assert.is(s.firstIndex(), 1);
  assert.is(s.lastIndex(), 0);
  assert.is(s.term(0), 0);
  assert.is(s.term(1), undefined);
  assert.is(s.snapshot(), undefined);
  assert.equal(s.warnings, []);
  s.close();
});

test('round trip: entries and hard state survive a reopen', () => {
  let s = open(freshDir());
  s.save({ term: 1, vote: 'a', commit: 0 }, range(1, 3, 1));
  s.save({ term: 2, vote: 'b', commit: 3 }, range(4, 5, 2));
  s.save(undefined, [ent(6, 2, '{"op":"put","k":"x\\ny"}')]); // newline inside data must not split a record
  const before = allEntries(s);
  s = reopen(s);
  assert.equal(allEntries(s), before);
  assert.is(s.lastIndex(), 6);
  assert.is(s.term(3), 1);
  assert.is(s.term(5), 2);
  assert.equal(s.initialState().hardState, { term: 2, vote: 'b', commit: 3 });
  assert.equal(s.warnings, []);
  assert.is(lines(s.dir).length, 2 + 6, 'two hard-state records, six entries');
  s.close();
});

test('suffix replacement: an entry at an existing index replaces the rest of the log (§5.3)', () => {
  let s = open(freshDir());
  s.save({ term: 1, vote: 'a', commit: 0 }, range(1, 5, 1));
  s.save({ term: 2, vote: null, commit: 0 }, [ent(3, 2, 'x')]); // shorter: 4 and 5 must go too
  assert.is(s.lastIndex(), 3);
  s.save(undefined, [ent(4, 2, 'y')]);
  const want = [ent(1, 1), ent(2, 1), ent(3, 2, 'x'), ent(4, 2, 'y')];
  assert.equal(allEntries(s), want);
  s = reopen(s);
  assert.equal(allEntries(s), want);
  assert.is(s.term(5), undefined);
  // The file stayed append-only: the replacement is a truncation record, not a rewrite.
  assert.is(lines(s.dir).length, 1 + 5 + 1 + 1 + 1 + 1);
  s.close();
});

test('createSnapshot compacts the log; reopen restores snapshot, log suffix and later appends (§7)', () => {
  let s = open(freshDir());
  s.save({ term: 2, vote: 'a', commit: 5 }, [...range(1, 3, 1), ...range(4, 6, 2)]);
  const snap = s.createSnapshot(4, 'state@4', ['a', 'b', 'c', 'd']);
  assert.equal(snap.meta, { index: 4, term: 2, peers: ['a', 'b', 'c', 'd'] });
  const check = (st: DiskStorage, last: number): void => {
    assert.is(st.firstIndex(), 5);
    assert.is(st.lastIndex(), last);
    assert.is(st.term(4), 2, 'snapshot index answers with the snapshot term');
    assert.is(st.term(3), undefined, 'compacted');
    assert.throws(() => st.entries(4, 6));
    assert.equal(st.snapshot(), { meta: { index: 4, term: 2, peers: ['a', 'b', 'c', 'd'] }, data: 'state@4' });
    assert.equal(st.initialState().peers, ['a', 'b', 'c', 'd']);
  };
  check(s, 6);
  assert.ok(existsSync(join(s.dir, 'snap', '0.json')), 'the snapshot has its own file');
  s = reopen(s);
  check(s, 6);
  assert.equal(allEntries(s), range(5, 6, 2));
  assert.equal(s.initialState().hardState, { term: 2, vote: 'a', commit: 5 });
  s.save(undefined, range(7, 8, 3));
  s = reopen(s);
  check(s, 8);
  assert.equal(allEntries(s), [...range(5, 6, 2), ...range(7, 8, 3)]);
  s.close();
});

test('applySnapshot from the leader replaces the whole log, durably', () => {
  let s = open(freshDir());
  s.save({ term: 1, vote: 'a', commit: 2 }, range(1, 8, 1));
  const snap: Snapshot = { meta: { index: 10, term: 3, peers: PEERS }, data: 'state@10' };
  s.applySnapshot(snap);
  s.save({ term: 3, vote: null, commit: 10 }, [ent(11, 3)]);
  s = reopen(s);
  assert.equal(s.snapshot(), snap);
  assert.is(s.firstIndex(), 11);
  assert.is(s.lastIndex(), 11);
  assert.is(s.term(10), 3);
  assert.is(s.term(8), undefined);
  assert.equal(allEntries(s), [ent(11, 3)]);
  s.close();
});

test('applySnapshot: the old log, also past the snapshot index, does not survive a reopen', () => {
  let s = open(freshDir());
  // The old log goes past the snapshot index with entries from another history (term 1 at 11..12).
  s.save({ term: 1, vote: 'a', commit: 2 }, range(1, 12, 1));
  s.applySnapshot({ meta: { index: 10, term: 3, peers: PEERS }, data: 'state@10' });
  s = reopen(s);
  assert.is(s.firstIndex(), 11);
  assert.is(s.lastIndex(), 10, 'entries 11..12 were replaced by the snapshot and must not come back');
  s.close();
});

test('crash after the reset record but before the snapshot file: the old log stands', () => {
  let s = open(freshDir());
  s.save({ term: 1, vote: 'a', commit: 2 }, range(1, 12, 1));
  // Simulate the crash: the WAL's reset record is durable, the snapshot file never gets written.
  (s.wal as unknown as { writeSnapshot: () => void }).writeSnapshot = () => {};
  s.applySnapshot({ meta: { index: 10, term: 3, peers: PEERS }, data: 'state@10' });
  s = reopen(s);
  assert.is(s.snapshot(), undefined);
  assert.equal(allEntries(s), range(1, 12, 1));
  s.close();
});

test('createSnapshot then reopen keeps the suffix after the snapshot', () => {
  let s = open(freshDir());
  s.save({ term: 1, vote: 'a', commit: 4 }, range(1, 6, 1));
  s.createSnapshot(4, 'state@4', PEERS);
  s = reopen(s);
  assert.is(s.firstIndex(), 5);
  assert.equal(allEntries(s), range(5, 6, 1));
  s.close();
});

test('save of entries already covered by the snapshot changes nothing, also after a reopen', () => {
  let s = open(freshDir());
  s.save({ term: 1, vote: 'a', commit: 4 }, range(1, 8, 1));
  s.createSnapshot(4, 'state@4', PEERS);
  s.save(undefined, range(2, 3, 1)); // stale: both below the snapshot index
  assert.is(s.lastIndex(), 8);
  s = reopen(s);
  assert.is(s.lastIndex(), 8, 'the stale save must not truncate 5..8 on replay');
  assert.equal(allEntries(s), range(5, 8, 1));
  s.close();
});

test('torn tail: garbage without a newline is dropped and the file cut back', () => {
  let s = open(freshDir());
  s.save({ term: 1, vote: 'a', commit: 0 }, range(1, 3, 1));
  s.close();
  const good = statSync(logPath(s.dir)).size;
  appendFileSync(logPath(s.dir), '1234abcd {"e":{"ind');
  s = open(s.dir);
  assert.equal(allEntries(s), range(1, 3, 1));
  assert.is(s.warnings.length, 1);
  assert.match(s.warnings[0], new RegExp(`torn tail .* at byte ${good}`));
  assert.is(statSync(logPath(s.dir)).size, good, 'file truncated to the last good record');
  // Appends after recovery land right after the good prefix, and the next open is clean.
  s.save(undefined, [ent(4, 1)]);
  s = reopen(s);
  assert.equal(allEntries(s), range(1, 4, 1));
  assert.equal(s.warnings, []);
  s.close();
});

test('torn tail: a file cut in the middle of the last record keeps the good prefix', () => {
  let s = open(freshDir());
  s.save(undefined, range(1, 4, 1));
  s.close();
  const size = statSync(logPath(s.dir)).size;
  const lastLen = lines(s.dir)[3].length + 1;
  truncateSync(logPath(s.dir), size - 10);
  s = open(s.dir);
  assert.equal(allEntries(s), range(1, 3, 1));
  assert.is(s.warnings.length, 1);
  assert.is(statSync(logPath(s.dir)).size, size - lastLen);
  s.close();
});

test(
  'a complete last record with a bad CRC is corruption, not a torn tail: ' + 'open refuses, naming file and offset',
  () => {
    let s = open(freshDir());
    s.save(undefined, range(1, 3, 1));
    s.close();
    const text = readFileSync(logPath(s.dir), 'utf8');
    const offset = text.lastIndexOf('\n', text.length - 2) + 1; // start of the last record
    const flipped = text.replace(/"cmd3"/, '"cmdX"');
    writeFileSync(logPath(s.dir), flipped);
    try {
      s = open(s.dir);
      assert.unreachable('open should throw');
    } catch (err) {
      assert.instance(err, CorruptStorage);
      const msg = (err as Error).message;
      assert.ok(msg.includes(logPath(s.dir)), msg);
      assert.ok(msg.includes(`byte ${offset}`), msg);
      assert.match(msg, /checksum mismatch/);
    }
    assert.is(readFileSync(logPath(s.dir), 'utf8'), flipped, 'a corrupt log is left untouched');
  },
);

test('an unreadable snapshot file is refused with its path', () => {
  const s = open(freshDir());
  s.save({ term: 2, vote: 'a', commit: 1 }, range(1, 2, 2));
  s.createSnapshot(1, 'state@1', PEERS);
  s.close();
  writeFileSync(join(s.dir, 'snap', '0.json'), '{"meta": {"ind');
  assert.throws(
    () => open(s.dir),
    (e: Error) => e instanceof CorruptStorage && e.message.includes(join(s.dir, 'snap', '0.json')),
  );
});

test('a snapshot whose bytes changed but still parse (a flipped digit) is refused by its checksum', () => {
  const s = open(freshDir());
  s.save({ term: 2, vote: 'a', commit: 1 }, range(1, 2, 2));
  s.createSnapshot(1, 'state@1', PEERS);
  s.close();
  const p = join(s.dir, 'snap', '0.json');
  const text = readFileSync(p, 'utf8');
  const flipped = text.replace('"index":1', '"index":3'); // '1' (0x31) and '3' (0x33) differ in one bit
  assert.is.not(flipped, text);
  writeFileSync(p, flipped);
  assert.throws(
    () => open(s.dir),
    (e: Error) => e instanceof CorruptStorage && e.message.includes(p) && /checksum mismatch/.test(e.message),
  );
});

test('corruption in the middle of the log is an error naming the file and byte offset', () => {
  const s = open(freshDir());
  s.save(undefined, range(1, 3, 1));
  s.close();
  const text = readFileSync(logPath(s.dir), 'utf8');
  const offset = text.indexOf('\n') + 1; // start of the second record
  writeFileSync(logPath(s.dir), text.replace('"cmd2"', '"cmdZ"'));
  try {
    open(s.dir);
    assert.unreachable('open should throw');
  } catch (err) {
    assert.instance(err, Error);
    const msg = (err as Error).message;
    assert.ok(msg.includes(logPath(s.dir)), msg);
    assert.ok(msg.includes(`byte ${offset}`), msg);
  }
  assert.is(readFileSync(logPath(s.dir), 'utf8'), text.replace('"cmd2"', '"cmdZ"'), 'a corrupt log is left untouched');
});

test('hard state is a WAL record, written only when term or vote changes', () => {
  let s = open(freshDir());
  s.save({ term: 5, vote: 'c', commit: 0 }, []);
  s.save({ term: 5, vote: 'c', commit: 3 }, []); // commit only: volatile (Figure 2), not written
  assert.is(lines(s.dir).length, 1);
  assert.match(lines(s.dir)[0], /"hs":\{"term":5,"vote":"c"/);
  s = reopen(s);
  assert.equal(s.initialState().hardState, { term: 5, vote: 'c', commit: 0 });
  s.close();
});

test.run();

// The disk-fault layer's own semantics (issue 24, item 5): what a program writes is visible at once, what it
// never fsynced is gone after a crash-drop and what it did fsync stays; directory entries need the directory's
// fsync; a torn write keeps a seeded prefix; injected ENOSPC and EIO; slow fsync; the drop report. Each case
// reads the backing directory itself after the drop: the bytes a restarted program would find on the disk.
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  fdatasyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statfsSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FaultFs } from '../../harness/runtime/disk/faultfs.js';
import { faultfsTest, fsyncDir, withMount } from '../helpers/faultfs.js';
import { rejects } from '../helpers/rejects.js';

/** Creates (or replaces) `path` with `text` and fsyncs the file, not its directory. */
function fsyncedFile(path: string, text: string | Buffer): void {
  const fd = openSync(path, 'w');
  writeSync(fd, typeof text === 'string' ? Buffer.from(text) : text);
  fsyncSync(fd);
  closeSync(fd);
}

/** Creates `name` under `dir` with `text`, fsyncs it and the directory: durable. */
function durable(dir: string, name: string, text: string | Buffer): void {
  fsyncedFile(join(dir, name), text);
  fsyncDir(dir);
}

/** Appends without any sync. */
function append(path: string, text: string): void {
  const fd = openSync(path, 'a');
  writeSync(fd, text);
  closeSync(fd);
}

function errCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
  return undefined;
}

faultfsTest(test, 'a write is visible at once; unsynced bytes are dropped, synced ones kept', async () => {
  await withMount(async (fs, mnt, back) => {
    durable(mnt, 'a', 'durable');
    append(join(mnt, 'a'), '-volatile');
    assert.is(readFileSync(join(mnt, 'a'), 'utf8'), 'durable-volatile', 'visible through the mount at once');
    const r = await fs.crashDrop();
    assert.is(readFileSync(join(back, 'a'), 'utf8'), 'durable');
    assert.is(readFileSync(join(mnt, 'a'), 'utf8'), 'durable', 'the mount shows the backing store after the drop');
    assert.equal(r.files, [{ path: 'a', how: 'data', bytes: 9 }]);
    assert.is(r.bytes, 9);
    assert.is(r.entries, 0);
    assert.equal(await fs.lastDrop(), r);
  });
});

faultfsTest(
  test,
  'overwrites in place and truncation revert to the synced bytes; fdatasync and O_DSYNC keep',
  async () => {
    await withMount(async (fs, mnt, back) => {
      const orig = Buffer.alloc(10_000, 'x');
      durable(mnt, 'pages', orig);
      let fd = openSync(join(mnt, 'pages'), 'r+');
      writeSync(fd, Buffer.alloc(100, 'y'), 0, 100, 4000); // in place
      writeSync(fd, Buffer.alloc(50, 'z'), 0, 50, 3990); // overlapping the first overwrite
      closeSync(fd);
      fd = openSync(join(mnt, 'shrunk'), 'w');
      writeSync(fd, 'abcdefgh');
      fdatasyncSync(fd); // data and size, by fdatasync
      closeSync(fd);
      fsyncDir(mnt);
      fd = openSync(join(mnt, 'shrunk'), 'r+');
      writeSync(fd, 'XY', 0); // an overwrite of bytes about to be cut
      closeSync(fd);
      writeFileSync(join(mnt, 'shrunk'), 'ab'); // O_TRUNC, then 2 bytes: all unsynced
      fd = openSync(join(mnt, 'dsync'), constants.O_CREAT | constants.O_WRONLY | constants.O_DSYNC);
      writeSync(fd, 'each write durable');
      closeSync(fd);
      fsyncDir(mnt);
      await fs.crashDrop();
      assert.ok(readFileSync(join(back, 'pages')).equals(orig), 'pages back to the synced bytes');
      assert.is(readFileSync(join(back, 'shrunk'), 'utf8'), 'abcdefgh', 'truncation and rewrite undone');
      assert.is(readFileSync(join(back, 'dsync'), 'utf8'), 'each write durable', 'O_DSYNC writes are durable at once');
    });
  },
);

faultfsTest(test, 'create, rename and unlink without a directory fsync are undone; with it they stay', async () => {
  await withMount(async (fs, mnt, back) => {
    mkdirSync(join(mnt, 'd'));
    fsyncDir(mnt);
    const d = join(mnt, 'd');
    durable(d, 'keep-old', 'old contents');
    durable(d, 'unlinked', 'still here');
    durable(d, 'target', 'version 1');
    // Not durable: a new file whose data was fsynced but whose directory was not; a rename; an unlink; the
    // atomic-replace pattern without its final directory fsync.
    fsyncedFile(join(d, 'new'), 'fsynced data, unsynced name');
    renameSync(join(d, 'keep-old'), join(d, 'renamed'));
    unlinkSync(join(d, 'unlinked'));
    fsyncedFile(join(d, 'target.tmp'), 'version 2');
    renameSync(join(d, 'target.tmp'), join(d, 'target'));
    // A new subdirectory whose parent was never synced goes with everything in it, synced or not.
    mkdirSync(join(d, 'sub'));
    durable(join(d, 'sub'), 'inner', 'gone with its directory');
    assert.is(readFileSync(join(d, 'target'), 'utf8'), 'version 2');
    const r = await fs.crashDrop();
    const bd = join(back, 'd');
    assert.not.ok(existsSync(join(bd, 'new')), 'a create without the directory fsync is undone');
    assert.is(readFileSync(join(bd, 'keep-old'), 'utf8'), 'old contents', 'the rename is undone');
    assert.not.ok(existsSync(join(bd, 'renamed')));
    assert.is(readFileSync(join(bd, 'unlinked'), 'utf8'), 'still here', 'the unlink is undone');
    assert.is(readFileSync(join(bd, 'target'), 'utf8'), 'version 1', 'the replacing rename is undone');
    assert.not.ok(existsSync(join(bd, 'target.tmp')), 'and its temporary file was never durable either');
    assert.not.ok(existsSync(join(bd, 'sub')), 'a new directory of an unsynced parent is gone');
    assert.is(r.entries, 6, JSON.stringify(r)); // new, rename, unlink, tmp create, replacing rename, sub
    const how = Object.fromEntries(r.files.map((f) => [f.path, f.how]));
    assert.equal(how, {
      'd/sub': 'removed',
      'd/target': 'renamed',
      'd/target.tmp': 'removed',
      'd/unlinked': 'restored',
      'd/renamed': 'renamed',
      'd/new': 'removed',
    });
    assert.is(r.files.find((f) => f.path === 'd/new')?.bytes, 27, 'bytes gone with the removed file');
    assert.equal(readdirSync(join(back, '.faultfs-trash')), [], 'the drop empties the trash');

    // The same steps with the directory fsynced at the end: all of them stay.
    durable(d, 'unlinked2', 'x');
    fsyncedFile(join(d, 'new'), 'named');
    renameSync(join(d, 'keep-old'), join(d, 'renamed'));
    unlinkSync(join(d, 'unlinked2'));
    durable(d, 'target.tmp', 'version 2');
    renameSync(join(d, 'target.tmp'), join(d, 'target'));
    fsyncDir(d);
    const r2 = await fs.crashDrop();
    assert.is(readFileSync(join(bd, 'new'), 'utf8'), 'named');
    assert.is(readFileSync(join(bd, 'renamed'), 'utf8'), 'old contents');
    assert.not.ok(existsSync(join(bd, 'keep-old')));
    assert.not.ok(existsSync(join(bd, 'unlinked2')));
    assert.is(readFileSync(join(bd, 'target'), 'utf8'), 'version 2');
    assert.is(r2.entries, 0, JSON.stringify(r2));
    assert.is(r2.bytes, 0);
  });
});

faultfsTest(test, 'dirs journal: any fsync makes the directory changes before it durable, as ext4 does', async () => {
  await withMount(
    async (fs, mnt, back) => {
      mkdirSync(join(mnt, 'member'));
      fsyncedFile(join(mnt, 'member', 'wal'), 'entry'); // no directory fsync at all
      writeFileSync(join(mnt, 'member', 'after'), 'created after the last fsync');
      assert.is((await fs.status()).dirs, 'journal');
      const r = await fs.crashDrop();
      assert.is(readFileSync(join(back, 'member', 'wal'), 'utf8'), 'entry');
      assert.not.ok(existsSync(join(back, 'member', 'after')), 'a change after the last fsync is still undone');
      assert.is(r.entries, 1);
    },
    { dirs: 'journal' },
  );
});

faultfsTest(test, 'a torn write keeps a seeded prefix of the last unsynced write, never all of it', async () => {
  const kept: number[] = [];
  for (const seed of [7, 7, 8]) {
    await withMount(async (fs, mnt, back) => {
      durable(mnt, 'log', 'synced|');
      append(join(mnt, 'other'), 'an older unsynced write elsewhere');
      const tail = 'x'.repeat(1000);
      append(join(mnt, 'log'), tail);
      const t = await fs.tear({ seed });
      assert.is(t.path, 'log', 'the file written last');
      assert.is(t.offset, 7);
      assert.is(t.length, 1000);
      assert.ok(t.kept >= 1 && t.kept <= 999, `kept ${t.kept}`);
      const r = await fs.crashDrop();
      assert.is(readFileSync(join(back, 'log'), 'utf8'), `synced|${tail.slice(0, t.kept)}`);
      assert.not.ok(existsSync(join(back, 'other')), 'the rest of what was unsynced is dropped as usual');
      assert.is(r.files.find((f) => f.path === 'log')?.bytes, 1000 - t.kept);
      kept.push(t.kept);
    });
  }
  assert.is(kept[0], kept[1], 'the same seed tears at the same byte');
  assert.is.not(kept[0], kept[2], 'another seed, another byte (for these two seeds)');
  await withMount(async (fs, mnt) => {
    durable(mnt, 'clean', 'all synced');
    await rejects(() => fs.tear({ path: 'clean' }), /no unsynced write to tear/);
  });
});

faultfsTest(test, 'ENOSPC on writes and creates until cleared; the refused bytes never reach the disk', async () => {
  await withMount(async (fs, mnt, back) => {
    durable(mnt, 'f', 'before');
    await fs.failOps({ errno: 'ENOSPC', ops: ['write', 'create'] });
    const fd = openSync(join(mnt, 'f'), 'a');
    assert.is(
      errCode(() => writeSync(fd, 'refused')),
      'ENOSPC',
    );
    assert.is(
      errCode(() => openSync(join(mnt, 'g'), 'w')),
      'ENOSPC',
    );
    assert.is(statfsSync(mnt).bavail, 0, 'a full disk says so');
    assert.is(readFileSync(join(mnt, 'f'), 'utf8'), 'before', 'reads still work');
    assert.equal((await fs.status()).fault, { errno: 'ENOSPC', ops: ['write', 'create'], remainingMs: null });
    await fs.clearFaults();
    writeSync(fd, '+after');
    fsyncSync(fd);
    closeSync(fd);
    assert.is(readFileSync(join(back, 'f'), 'utf8'), 'before+after');
    // For a while: the fault ends by itself.
    await fs.failOps({ errno: 'ENOSPC', ops: ['write'], durationMs: 300 });
    assert.is(
      errCode(() => writeFileSync(join(mnt, 'f'), 'x')),
      'ENOSPC',
    );
    await new Promise((r) => setTimeout(r, 350));
    writeFileSync(join(mnt, 'h'), 'ok again');
    assert.is((await fs.status()).fault, null);
    assert.ok((await fs.status()).stats.injected >= 3);
  });
});

faultfsTest(test, 'EIO on reads and fsyncs; what a failed fsync did not write stays lost (fsyncgate)', async () => {
  await withMount(async (fs, mnt, back) => {
    durable(mnt, 'f', 'base');
    await fs.failOps({ errno: 'EIO', ops: ['read'] });
    const rfd = openSync(join(mnt, 'f'), 'r');
    assert.is(
      errCode(() => readSync(rfd, Buffer.alloc(4), 0, 4, 0)),
      'EIO',
    );
    closeSync(rfd);
    await fs.failOps({ errno: 'EIO', ops: ['fsync'] });
    const fd = openSync(join(mnt, 'f'), 'a');
    writeSync(fd, 'lost');
    assert.is(
      errCode(() => fsyncSync(fd)),
      'EIO',
    );
    assert.is(
      errCode(() => fsyncDir(mnt)),
      'EIO',
    );
    await fs.clearFaults();
    writeSync(fd, 'kept');
    fsyncSync(fd); // succeeds, but Linux does not write again the pages whose writeback failed
    closeSync(fd);
    assert.is(readFileSync(join(mnt, 'f'), 'utf8'), 'baselostkept', 'visible until the crash');
    await fs.crashDrop();
    assert.is(readFileSync(join(back, 'f'), 'utf8'), 'base\0\0\0\0kept');
  });
});

faultfsTest(test, 'slow fsync: every fsync waits the delay, until it is set back to 0', async () => {
  await withMount(async (fs, mnt) => {
    const fd = openSync(join(mnt, 'f'), 'w');
    writeSync(fd, 'x');
    await fs.slowFsync(300);
    const t0 = Date.now();
    fsyncSync(fd);
    fsyncDir(mnt);
    const slow = Date.now() - t0;
    assert.ok(slow >= 590, `two fsyncs took ${slow} ms with a 300 ms delay`);
    assert.is((await fs.status()).fsyncDelayMs, 300);
    await fs.slowFsync(0);
    assert.is((await fs.status()).fsyncDelayMs, 0);
    closeSync(fd);
  });
});

faultfsTest(test, 'drop and tear are refused while a file is open on the mount', async () => {
  await withMount(async (fs, mnt, back) => {
    const fd = openSync(join(mnt, 'f'), 'w');
    writeSync(fd, 'open');
    await rejects(() => fs.crashDrop({ waitMs: 100 }), /1 files and 0 directories are open/);
    await rejects(() => fs.tear({ waitMs: 0 }), /stop the program first/);
    closeSync(fd);
    const r = await fs.crashDrop();
    assert.not.ok(existsSync(join(back, 'f')));
    assert.equal(
      r.files.map((f) => f.how),
      ['data', 'removed'],
    );
  });
});

faultfsTest(test, 'mounted over a directory in place: its files pass through, unmounting leaves it clean', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-faultfs-over-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'existing'), 'from before the mount');
  const fs = await FaultFs.mount({ dir: data, stateDir: join(dir, 'state') });
  try {
    assert.is(readFileSync(join(data, 'existing'), 'utf8'), 'from before the mount');
    assert.equal(readdirSync(data), ['existing'], 'the trash is hidden');
    append(join(data, 'existing'), ' + unsynced');
    writeFileSync(join(data, 'new'), 'unsynced file');
    const r = await fs.crashDrop();
    assert.is(r.bytes, 11 + 13);
    assert.equal([...new Set(r.files.map((f) => f.path))].sort(), ['existing', 'new'], 'paths relative to the mount');
    append(join(data, 'existing'), ' + kept by the clean unmount');
    await rejects(() => FaultFs.mount({ dir: data }), /already mounted/);
  } finally {
    await fs.unmount();
  }
  assert.equal(readdirSync(data), ['existing'], 'no trash left behind');
  assert.is(readFileSync(join(data, 'existing'), 'utf8'), 'from before the mount + kept by the clean unmount');
  rmSync(dir, { recursive: true, force: true });
});

test.run();

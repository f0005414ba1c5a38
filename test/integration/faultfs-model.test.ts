// The disk-fault layer against a model of what it promises, on random programs (seeded): writes at random
// offsets (overlapping, beyond the end), O_DSYNC writes, truncates, fsyncs, creates, unlinks, renames (over
// existing files too) and directory fsyncs in one folder, with crash-drops in between. The model keeps, per
// file, its contents now and as they are durably, and the folder's names now and at its last fsync; after
// every drop the backing folder must hold exactly the durable names with exactly the durable bytes.
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import { faultfsTest, fsyncDir, withMount } from '../helpers/faultfs.js';

const NAMES = ['a', 'b', 'c', 'd', 'e'];
/** FAULTFS_MODEL_SEEDS=N FAULTFS_MODEL_STEPS=M for a longer soak (default 5 seeds of 400 steps). */
const SEEDS = Number(process.env.FAULTFS_MODEL_SEEDS ?? 5);
const STEPS = Number(process.env.FAULTFS_MODEL_STEPS ?? 400);

interface Inode {
  now: Buffer;
  durable: Buffer;
}

/** Bytes [off, off + data.length) of buf set to data, zero-filled up to off if buf is shorter. */
function overwrite(buf: Buffer, off: number, data: Buffer): Buffer {
  const out = Buffer.alloc(Math.max(buf.length, off + data.length));
  buf.copy(out);
  data.copy(out, off);
  return out;
}

function resized(buf: Buffer, size: number): Buffer {
  const out = Buffer.alloc(size);
  buf.copy(out, 0, 0, Math.min(size, buf.length));
  return out;
}

async function randomProgram(seed: number, steps: number): Promise<{ drops: number; ops: Record<string, number> }> {
  const r = new Random(seed);
  const ops: Record<string, number> = {};
  let drops = 0;
  await withMount(async (fs, mnt, back) => {
    const dir = join(mnt, 'd');
    mkdirSync(dir);
    fsyncDir(mnt);
    let names = new Map<string, Inode>(); // now
    let durableNames = new Map<string, Inode>(); // at the folder's last fsync
    const check = (when: string): void => {
      const bd = join(back, 'd');
      assert.equal(readdirSync(bd).sort(), [...durableNames.keys()].sort(), `${when}: names`);
      for (const [name, ino] of durableNames)
        assert.ok(readFileSync(join(bd, name)).equals(ino.durable), `${when}: contents of ${name}`);
    };
    for (let step = 0; step < steps; step++) {
      const name = r.pick(NAMES);
      const ino = names.get(name);
      const op = r.pick([
        'write',
        'write',
        'write',
        'dsync',
        'truncate',
        'fsync',
        'create',
        'unlink',
        'rename',
      ] as const);
      const what = ino || op === 'create' || r.chance(0.5) ? op : 'dirsync';
      const p = join(dir, name);
      switch (what) {
        case 'write':
        case 'dsync': {
          if (!ino) continue;
          const off = r.int(0, ino.now.length + 100);
          const data = Buffer.from(Array.from({ length: r.int(1, 300) }, () => r.int(0, 256)));
          const fd = openSync(p, what === 'dsync' ? constants.O_WRONLY | constants.O_DSYNC : 'r+');
          writeSync(fd, data, 0, data.length, off);
          closeSync(fd);
          ino.now = overwrite(ino.now, off, data);
          // The kernel follows an O_DSYNC write with an fsync of the whole file through FUSE (not of the range)
          if (what === 'dsync') ino.durable = Buffer.from(ino.now);
          break;
        }
        case 'truncate': {
          if (!ino) continue;
          const size = r.int(0, ino.now.length + 200);
          const fd = openSync(p, 'r+');
          ftruncateSync(fd, size);
          closeSync(fd);
          ino.now = resized(ino.now, size);
          break;
        }
        case 'fsync': {
          if (!ino) continue;
          const fd = openSync(p, 'r');
          fsyncSync(fd);
          closeSync(fd);
          ino.durable = Buffer.from(ino.now);
          break;
        }
        case 'create':
          if (ino) continue;
          closeSync(openSync(p, 'wx'));
          names.set(name, { now: Buffer.alloc(0), durable: Buffer.alloc(0) });
          break;
        case 'unlink':
          if (!ino) continue;
          unlinkSync(p);
          names.delete(name);
          break;
        case 'rename': {
          const to = r.pick(NAMES);
          if (!ino || to === name) continue;
          renameSync(p, join(dir, to));
          names.delete(name);
          names.set(to, ino);
          break;
        }
        case 'dirsync':
          fsyncDir(dir);
          durableNames = new Map(names);
          break;
      }
      ops[what] = (ops[what] ?? 0) + 1;
      assert.ok(existsSync(dir));
      if (r.chance(0.04) || step === steps - 1) {
        await fs.crashDrop();
        drops++;
        check(`seed ${seed}, step ${step}`);
        for (const i of durableNames.values()) i.now = Buffer.from(i.durable);
        names = new Map(durableNames);
      }
    }
  });
  return { drops, ops };
}

faultfsTest(
  test,
  'random programs: after every crash-drop the disk holds exactly what the model says is durable',
  async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { drops, ops } = await randomProgram(seed, STEPS);
      assert.ok(drops >= 5, `seed ${seed}: only ${drops} drops`);
      for (const k of ['write', 'dsync', 'truncate', 'fsync', 'create', 'unlink', 'rename', 'dirsync'])
        assert.ok((ops[k] ?? 0) > 0, `seed ${seed}: no ${k}`);
    }
  },
);

test.run();

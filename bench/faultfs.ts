// npm run bench:faultfs: what the disk-fault layer costs a program, side by side in one sitting. Each pattern
// runs on a plain directory and on a faultfs mount over another directory of the same filesystem, alternating
// (ABAB), for BENCH_ROUNDS rounds of BENCH_MS each (defaults 3, 1000); medians printed with the ratio.
//
//   append+fdatasync   4 KiB appended, fdatasync (a write-ahead log)
//   overwrite+fdatasync  4 KiB written at a random page of a 4 MiB file, fdatasync (a B-tree's pages)
//   atomic replace     temp file written and fsynced, renamed over, directory fsynced (a snapshot)
//   read 4 KiB         a random page of the 4 MiB file read back
//
// The layer's fsync never reaches the disk (durability is modelled), so where the disk's own fsync is slow the
// layer can be faster than the plain directory: compare the ratios, not the absolute figures, which drift 1.5-3x
// between sittings on a shared machine.
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskFaultsAvailable } from '../harness/runtime/disk/availability.js';
import { FaultFs } from '../harness/runtime/disk/faultfs.js';
import { Random } from '../harness/generator/random.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MS = Number(process.env.BENCH_MS ?? 1000);
const PAGE = Buffer.alloc(4096, 7);
const FILE_BYTES = 4 << 20;

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

/** Operations per second of `op` for MS milliseconds. */
function rate(op: (i: number) => void): number {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < MS) op(n++);
  return (n * 1000) / (performance.now() - t0);
}

const PATTERNS: Record<string, (dir: string, r: Random) => number> = {
  'append+fdatasync': (dir) => {
    const fd = openSync(join(dir, 'log'), 'a');
    const ops = rate(() => {
      writeSync(fd, PAGE);
      fdatasyncSync(fd);
    });
    closeSync(fd);
    return ops;
  },
  'overwrite+fdatasync': (dir, r) => {
    const fd = openSync(join(dir, 'pages'), 'r+');
    const ops = rate(() => {
      writeSync(fd, PAGE, 0, PAGE.length, r.int(0, FILE_BYTES / PAGE.length) * PAGE.length);
      fdatasyncSync(fd);
    });
    closeSync(fd);
    return ops;
  },
  'atomic replace': (dir) =>
    rate(() => {
      const fd = openSync(join(dir, 'snap.tmp'), 'w');
      writeSync(fd, PAGE);
      fsyncSync(fd);
      closeSync(fd);
      renameSync(join(dir, 'snap.tmp'), join(dir, 'snap'));
      fsyncDir(dir);
    }),
  'read 4 KiB': (dir, r) => {
    const fd = openSync(join(dir, 'pages'), 'r');
    const buf = Buffer.alloc(PAGE.length);
    const ops = rate(() => readSync(fd, buf, 0, buf.length, r.int(0, FILE_BYTES / PAGE.length) * PAGE.length));
    closeSync(fd);
    return ops;
  },
};

function prepare(dir: string): void {
  const fd = openSync(join(dir, 'pages'), 'w');
  for (let off = 0; off < FILE_BYTES; off += PAGE.length) writeSync(fd, PAGE);
  fsyncSync(fd);
  closeSync(fd);
  fsyncDir(dir);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const avail = diskFaultsAvailable();
  if (!avail.ok) {
    process.stderr.write(`bench:faultfs: ${avail.reason}\n`);
    process.exit(2);
  }
  const base = mkdtempSync(join(tmpdir(), 'fl-bench-faultfs-'));
  const plain = join(base, 'plain');
  const mnt = join(base, 'mnt');
  for (const d of [plain, mnt, join(base, 'back')]) mkdirSync(d);
  const fs = await FaultFs.mount({ dir: mnt, backing: join(base, 'back'), stateDir: join(base, 'state') });
  try {
    prepare(plain);
    prepare(mnt);
    console.log(`bench:faultfs: ${ROUNDS} rounds of ${MS} ms per pattern and directory, medians (ops/s)`);
    console.log(`${'pattern'.padEnd(22)} ${'plain'.padStart(10)} ${'faultfs'.padStart(10)}  faultfs/plain`);
    for (const [name, run] of Object.entries(PATTERNS)) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        a.push(run(plain, new Random(i)));
        b.push(run(mnt, new Random(i)));
        await fs.crashDrop(); // keeps the layer's undo memory from growing across rounds
      }
      const [p, f] = [median(a), median(b)];
      console.log(
        `${name.padEnd(22)} ${p.toFixed(0).padStart(10)} ${f.toFixed(0).padStart(10)}  ${(f / p).toFixed(2)}`,
      );
    }
    const s = await fs.status();
    console.log(`layer: ${s.stats.writes} writes, ${s.stats.fsyncs} fsyncs, ${s.stats.dirFsyncs} directory fsyncs`);
  } finally {
    await fs.unmount();
    rmSync(base, { recursive: true, force: true });
  }
}

await main();

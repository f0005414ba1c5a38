// File corruption (Jepsen's file-corruption nemesis): on stopped nodes, damage the target's own data files
// (ClusterSpec.dataFiles: the reference node's WAL segments and snapshots, etcd's member/wal and member/snap/db),
// each file with probability 1/2 (at least one file per node), then start the nodes again.
//
//   corrupt:bitflip   one random bit of the file's written part flipped (up to its last non-zero byte: a
//                     preallocated log's zero tail holds nothing)
//   corrupt:truncate  the file's tail cut: 1 byte to 4 KiB of its written part, and the zeros after it (a tail
//                     cut at a record boundary looks like a torn write to any log: no checksum can tell them apart)
//
// Aimed at one node or a minority only, counting the nodes earlier corruption left down: a majority's
// corrupted files can lose what no replicated system could keep. The damage is written through the node's
// disk-fault layer and fsynced, so it is durable there like anything else on that disk. A node that then
// refuses to start stays down (recorded with its reason, and left out of the final health wait): a crash-stop
// failure, which a minority may have.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  readdirSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import type { Random } from '../generator/random.js';
import { minority } from './aim.js';
import { shuffle } from './grudge.js';
import { diskOf, restart } from './disk.js';
import type { FaultKind } from './kind.js';

/** The longest tail corrupt:truncate cuts. */
const MAX_CUT = 4096;

/** Every regular file under `root` named by `paths` (a folder stands for every file under it). */
export function dataFilesUnder(root: string, paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isFile()) out.push(p);
    else if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  };
  for (const p of paths) walk(join(root, p));
  return [...new Set(out)];
}

/**
 * The end of the file's written part: just past its last non-zero byte. Logs preallocate (etcd's WAL segments
 * are 64 MB of zeros at first, its readers stop at the first zero record), and damage in that zero tail is
 * damage to nothing, so both shapes aim at the written part.
 */
export function writtenEnd(fd: number, size: number): number {
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    for (let i = n - 1; i >= 0; i--) if (chunk[i] !== 0) return start + i + 1;
    end = start;
  }
  return 0;
}

/** Flips one random bit of the file's written part; says where. */
function flip(path: string, rnd: Random): Record<string, unknown> | undefined {
  const fd = openSync(path, 'r+');
  try {
    const end = writtenEnd(fd, fstatSync(fd).size);
    if (end === 0) return undefined;
    const offset = rnd.int(0, end);
    const bit = rnd.int(0, 8);
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] ^= 1 << bit;
    writeSync(fd, b, 0, 1, offset);
    fsyncSync(fd);
    return { offset, bit };
  } finally {
    closeSync(fd);
  }
}

/** Cuts the file's tail, 1 byte to 4 KiB of its written part (and any zeros after it); says how much. */
function cut(path: string, rnd: Random): Record<string, unknown> | undefined {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const end = writtenEnd(fd, size);
    if (end === 0) return undefined;
    const written = rnd.int(1, Math.min(end, MAX_CUT) + 1);
    ftruncateSync(fd, end - written);
    fsyncSync(fd);
    return { size, cut: size - (end - written), written };
  } finally {
    closeSync(fd);
  }
}

export const corruptFault: FaultKind = {
  name: 'corrupt',
  shapes: ['bitflip', 'truncate'],
  async start(ctx, shape) {
    const paths = ctx.dataFiles ?? [];
    if (paths.length === 0)
      throw new Error('the target names no data files to corrupt (ClusterSpec.dataFiles, docs/targets.md)');
    // Nodes already left down after an earlier corruption count toward the minority: never more than one in
    // total, however many faults the schedule plans.
    const down = ctx.leftDown ?? new Set<string>();
    const room = minority(ctx.nodes.length) - down.size;
    if (room <= 0) throw new Error(`skipped: a minority (${[...down].join(', ')}) is already down after corruption`);
    const aim = ctx.rnd.pick(['one', 'minority'] as const);
    const up = ctx.nodes.filter((n) => !down.has(n));
    const victims = shuffle(up, ctx.rnd).slice(0, Math.min(room, aim === 'one' ? 1 : minority(ctx.nodes.length)));
    await Promise.all(victims.map((v) => ctx.runtime.kill(v)));
    const damaged: Record<string, Record<string, unknown>> = {};
    for (const v of victims) {
      const root = diskOf(ctx, v).dir;
      const files = dataFilesUnder(root, paths).filter((f) => statSync(f).size > 0);
      const chosen = files.filter(() => ctx.rnd.chance(0.5));
      if (chosen.length === 0 && files.length > 0) chosen.push(ctx.rnd.pick(files));
      damaged[v] = {};
      for (const f of chosen) {
        const what = shape === 'bitflip' ? flip(f, ctx.rnd) : cut(f, ctx.rnd);
        if (what) damaged[v][relative(root, f)] = what;
      }
    }
    return { value: { shape, aim, nodes: victims, damaged }, stop: () => restart(ctx, victims, true) };
  },
  async heal(ctx) {
    await restart(
      ctx,
      ctx.nodes.filter((n) => !ctx.leftDown?.has(n)),
    );
  },
};

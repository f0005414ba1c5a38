// Disk faults (issue 24), acting through each node's disk-fault layer (Runtime.disk, harness/runtime/disk/):
//
//   disk:lose-unsynced  kill the chosen nodes, drop what they never fsynced, restart them at the stop: a power
//                       failure (Jepsen's LazyFS crash, lazyfs's clear-cache)
//   disk:torn           the same, but the last unsynced write of the file written last survives in part (a
//                       random prefix): a crash in the middle of a write
//   disk:full           writes and creates answer ENOSPC until the stop
//   disk:eio            some operations (reads, writes, fsyncs, or writes and fsyncs) answer EIO until the stop
//   disk:slow-fsync     every fsync waits 100 ms to 2 s before it returns
//
// Each aims at one node, a minority or a majority (drawn from the seed), and the crashes also at all nodes: a
// program that fsyncs what it acknowledges loses nothing acknowledged even when the whole cluster crashes. A
// node that stops on an error (as it should, never acknowledging what it could not make durable) is started
// again at the stop, like a killed one. The drop reports go into the history's nemesis events: bytes and files
// lost, per node.
import type { DropReport, OpClass, TearReport } from '../runtime/disk/faultfs.js';
import { AIMS, type Aim, aimAt } from './aim.js';
import type { FaultContext, FaultKind } from './kind.js';

/** Files listed per node in a nemesis event; the rest are counted. */
const FILES_LISTED = 20;

/** A drop report as the history keeps it. */
export function dropSummary(r: DropReport): Record<string, unknown> {
  const listed = r.files.slice(0, FILES_LISTED);
  return {
    bytes: r.bytes,
    files: r.files.length + r.filesOmitted,
    entries: r.entries,
    list: listed.map((f) => `${f.how} ${f.path}${f.from ? ` (from ${f.from})` : ''}: ${f.bytes} B`),
    ...(r.skipped ? { skipped: r.skipped } : {}),
    ...(r.writebackBytes ? { writebackBytes: r.writebackBytes, writebackFiles: r.writebackFiles } : {}),
  };
}

/**
 * Starts the victims again (a no-op for a node still running); says which would not come back, and why.
 * `leaveDown`: those are left down for good (ctx.leftDown): a node refusing to start on corrupted files.
 */
export async function restart(
  ctx: FaultContext,
  victims: readonly string[],
  leaveDown = false,
): Promise<Record<string, unknown>> {
  const refused: Record<string, string> = {};
  await Promise.all(
    victims.map((v) =>
      ctx.runtime.start(v).catch((e: unknown) => {
        refused[v] = (e as Error).message.split('\n')[0];
        if (leaveDown) ctx.leftDown?.add(v);
      }),
    ),
  );
  return { started: victims.filter((v) => !(v in refused)), ...(Object.keys(refused).length ? { refused } : {}) };
}

/** The disk of `name`, or the runtime's one-line reason why there is none. */
export function diskOf(ctx: FaultContext, name: string) {
  if (!ctx.runtime.disk) throw new Error(`the ${ctx.runtime.kind} runtime has no disk-fault layer`);
  return ctx.runtime.disk(name);
}

/** Kill, then the crash (torn first when asked): what each victim lost. */
async function crash(ctx: FaultContext, victims: string[], torn: boolean): Promise<Record<string, unknown>> {
  await Promise.all(victims.map((v) => ctx.runtime.kill(v)));
  const out: Record<string, unknown> = {};
  for (const v of victims) {
    const disk = diskOf(ctx, v);
    let tear: TearReport | string | undefined;
    if (torn) tear = await disk.tear({ seed: ctx.rnd.int(0, 2 ** 31) }).catch((e: unknown) => (e as Error).message);
    out[v] = { ...dropSummary(await disk.crashDrop()), ...(tear !== undefined ? { tear } : {}) };
  }
  return out;
}

/** The operation classes disk:eio fails, one set per fault. */
const EIO_OPS: readonly OpClass[][] = [['fsync'], ['write'], ['read'], ['write', 'fsync']];
/** disk:slow-fsync's delays, ms. */
const FSYNC_DELAYS = [100, 500, 2000] as const;

const CRASH_AIMS: readonly Aim[] = [...AIMS, 'all'];

export const DISK_SHAPES = ['lose-unsynced', 'torn', 'full', 'eio', 'slow-fsync'] as const;

export const diskFault: FaultKind = {
  name: 'disk',
  shapes: DISK_SHAPES,
  async start(ctx, shape) {
    // A crash may take every node at once (a power failure of the whole cluster, Jepsen's :all): what only a
    // program that fsyncs before it acknowledges survives. Errors and delays stop at a majority.
    const crashes = shape === 'lose-unsynced' || shape === 'torn';
    const aim = ctx.rnd.pick(crashes ? CRASH_AIMS : AIMS);
    const victims = aimAt(ctx, aim);
    const base = { shape, aim, nodes: victims };
    if (crashes) {
      const dropped = await crash(ctx, victims, shape === 'torn');
      return { value: { ...base, dropped }, stop: () => restart(ctx, victims) };
    }
    if (shape === 'slow-fsync') {
      const ms = ctx.rnd.pick(FSYNC_DELAYS);
      for (const v of victims) await diskOf(ctx, v).slowFsync(ms);
      return {
        value: { ...base, fsyncDelayMs: ms },
        stop: async () => {
          for (const v of victims) await diskOf(ctx, v).slowFsync(0);
          return { restored: victims };
        },
      };
    }
    const errno = shape === 'full' ? 'ENOSPC' : 'EIO';
    const ops: OpClass[] = shape === 'full' ? ['write', 'create'] : ctx.rnd.pick(EIO_OPS);
    for (const v of victims) await diskOf(ctx, v).failOps({ errno, ops });
    return {
      value: { ...base, errno, ops },
      stop: async () => {
        for (const v of victims) await diskOf(ctx, v).clearFaults();
        return { cleared: victims, ...(await restart(ctx, victims)) };
      },
    };
  },
  async heal(ctx) {
    for (const n of ctx.nodes) {
      const disk = diskOf(ctx, n);
      await disk.clearFaults();
      await disk.slowFsync(0);
    }
    await restart(
      ctx,
      ctx.nodes.filter((n) => !ctx.leftDown?.has(n)),
    );
  },
};

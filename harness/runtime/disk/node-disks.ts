// The disk-fault layer under a whole cluster: one faultfs mount over each node's data directory on the host,
// made before any node starts (ClusterSpec.disk) and taken away at teardown, on every exit path (the layer is
// started with --die-with-parent, and a synchronous forced unmount runs from the exit handlers). The local
// runtime's nodes use the mounted folder directly; docker bind-mounts it into the node's container. A node's
// disk (NodeDisk) is what fault kinds act through: the crash-drop, the torn write, injected errors, slow fsyncs,
// and `dir`, the mounted folder on the host, where the corrupt kinds damage a stopped node's files.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskFaultsAvailable } from './availability.js';
import { FaultFs } from './faultfs.js';

/** What a fault can do to one node's disk (a faultfs mount). */
export type NodeDisk = Pick<FaultFs, 'dir' | 'crashDrop' | 'tear' | 'failOps' | 'clearFaults' | 'slowFsync'>;

/** The refusal of a runtime that cannot mount the layer (the ssh runtime's hosts are not this machine). */
export const DISK_OVER_SSH = 'disk faults need the faultfs layer on the host; not supported over ssh yet';

/** The kinds that need the layer mounted (harness/nemesis/disk.ts). */
export const DISK_KINDS: readonly string[] = ['disk', 'corrupt'];

interface Mounted {
  fs: FaultFs;
  /** The layer's control socket and log live here (a short path: a unix socket's is limited to 107 bytes). */
  stateDir: string;
  /** Where the layer's log is kept when it unmounts (beside the node's log). */
  keepLog: string;
}

export class NodeDisks {
  private readonly mounts = new Map<string, Mounted>();

  private constructor() {}

  /**
   * Mounts the layer over `dirs[name]` (each must exist) for every node; on failure unmounts what it mounted and
   * rethrows. `logDirOf(name)`: where that node's faultfs.log is kept after the unmount.
   */
  static async mount(
    dirs: Record<string, string>,
    logDirOf: (name: string) => string,
    model?: 'strict' | 'journal',
  ): Promise<NodeDisks> {
    const d = new NodeDisks();
    try {
      for (const [name, dir] of Object.entries(dirs)) {
        const stateDir = mkdtempSync(join(tmpdir(), `faultfs-${name}-`));
        const fs = await FaultFs.mount({ dir, stateDir, dirs: model }).catch((e) => {
          rmSync(stateDir, { recursive: true, force: true });
          throw e;
        });
        d.mounts.set(name, { fs, stateDir, keepLog: join(logDirOf(name), 'faultfs.log') });
      }
    } catch (e) {
      await d.unmountAll();
      throw e;
    }
    return d;
  }

  get(name: string): NodeDisk {
    const m = this.mounts.get(name);
    if (!m) throw new Error(`no disk-fault layer on ${name} (nodes: ${[...this.mounts.keys()].join(', ')})`);
    return m.fs;
  }

  /** Takes back every injected error and fsync delay (the final heal); a crash-drop cannot be taken back. */
  async clearAll(): Promise<void> {
    await Promise.all(
      [...this.mounts.values()].map(async ({ fs }) => {
        await fs.clearFaults();
        await fs.slowFsync(0);
      }),
    );
  }

  /**
   * Unmounts every layer (what was written becomes durable, as on a clean shutdown, so the run folder holds the
   * data as the nodes last saw it) after the nodes stopped; keeps each layer's log. Never throws.
   */
  async unmountAll(): Promise<void> {
    const all = [...this.mounts.values()];
    this.mounts.clear();
    await Promise.all(
      all.map(async (m) => {
        await m.fs.unmount().catch(() => FaultFs.forceUnmount(m.fs.dir));
        NodeDisks.keepLog(m);
      }),
    );
  }

  /** For exit handlers (nothing async runs there): lazily unmounts every layer. */
  unmountAllSync(): void {
    for (const m of this.mounts.values()) {
      FaultFs.forceUnmount(m.fs.dir);
      NodeDisks.keepLog(m);
    }
    this.mounts.clear();
  }

  private static keepLog(m: Mounted): void {
    try {
      if (existsSync(m.fs.logFile)) copyFileSync(m.fs.logFile, m.keepLog);
    } catch {
      /* the log is a convenience */
    }
    rmSync(m.stateDir, { recursive: true, force: true });
  }
}

/**
 * Why a runtime that can mount the layer cannot take fault `kind` on the cluster it brought up (undefined: it
 * can, or the kind is not a disk kind): the layer's unavailability here, or a run that did not ask for it.
 */
export function diskCannot(kind: string, disks: NodeDisks | undefined): string | undefined {
  if (!DISK_KINDS.includes(kind) || disks) return undefined;
  const a = diskFaultsAvailable();
  if (!a.ok) return a.reason;
  return 'the disk-fault layer was not mounted for this run (ClusterSpec.disk was not set)';
}

/** Node `name`'s disk for Runtime.disk, or the one-line reason there is none. */
export function nodeDisk(disks: NodeDisks | undefined, name: string): NodeDisk {
  const why = diskCannot('disk', disks);
  if (why) throw new Error(why);
  return disks!.get(name);
}

// The disk-fault layer from the harness's side: mount it over a node's data directory, and drive it. The layer
// (faultfs.c and its parts, docs/faultfs.md) passes everything through to the directory underneath and models
// the page cache, so what a program never fsynced can be lost at will:
//
//   const fs = await FaultFs.mount({ dir: dataDir });   // over the directory itself; the program sees no change
//   ... the node runs, is killed ...
//   const lost = await fs.crashDrop();                  // the machine's crash: unsynced writes and entries undone
//   await fs.failOps({ errno: 'ENOSPC', ops: ['write', 'create'] }); await fs.clearFaults();
//   await fs.slowFsync(200);  await fs.unmount();        // unmounting makes everything durable (a clean shutdown)
//
// crashDrop and tear need the program stopped (no file open on the mount): they wait a little for a killed
// process's files to close (the kernel closes them just after it dies), then refuse. Each method is one
// command on the control socket; nothing here knows which program runs on the mount.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { diskFaultsAvailable, faultfsBinary, onPath } from './availability.js';
import { type Answer, FaultFsRefused, command } from './control.js';

export { FaultFsRefused } from './control.js';

/** Operation classes errors can be injected into (control.c). */
export type OpClass = 'read' | 'write' | 'create' | 'fsync';

export interface MountOptions {
  /** The directory to mount over (must exist). */
  dir: string;
  /** The directory whose contents the mount shows (default: `dir` itself, as it is underneath the mount). */
  backing?: string;
  /** Where the control socket and the layer's log go (default: a new folder under the system's temp folder). */
  stateDir?: string;
  /**
   * strict (default): a create, rename or unlink is durable once its directory is fsynced, as POSIX promises.
   * journal: any successful fsync makes every earlier directory change durable, as ext4's one journal does in
   * practice; a loss found under strict that journal clears is a program relying on that.
   */
  dirs?: 'strict' | 'journal';
  /** Bounds of the page cache model (beyond them the oldest dirty file is written back). Defaults 256, 4096. */
  maxUndoMiB?: number;
  maxDirtyFiles?: number;
  /** Bound of the directory-change journal (beyond it the oldest change is committed). Default 1,000,000. */
  maxDirChanges?: number;
  /** How long to wait for the mount (default 10 s). */
  timeoutMs?: number;
}

/** One file in a drop report. */
export interface DroppedFile {
  /** Relative to the mount; "(an unlinked file)" for data lost in a file no longer named. */
  path: string;
  /**
   * data: unsynced bytes reverted; removed: its creation was not durable (the file went, with `bytes`);
   * restored: an unlink was not durable (it is back); renamed: a rename was not durable (back at `from`).
   */
  how: 'data' | 'removed' | 'restored' | 'renamed';
  bytes: number;
  from?: string;
}

/** What one crash-drop lost, for the history's nemesis events. */
export interface DropReport {
  files: DroppedFile[];
  /** Files beyond the first 100, counted only. */
  filesOmitted: number;
  /** Bytes reverted or gone with removed files. */
  bytes: number;
  /** Directory changes undone. */
  entries: number;
  /** Directory changes whose undo no longer applied (a later durable change moved what they named). */
  skipped: number;
  /** Written back since the last drop because the model's memory bound was reached (0: the model was strict). */
  writebackFiles: number;
  writebackBytes: number;
}

export interface TearReport {
  path: string;
  /** The torn write: its offset and length, and how many of its first bytes the next drop keeps. */
  offset: number;
  length: number;
  kept: number;
}

export interface FaultFsStatus {
  openFiles: number;
  openDirs: number;
  dirtyFiles: number;
  undoBytes: number;
  pendingDirChanges: number;
  dirs: 'strict' | 'journal';
  fsyncDelayMs: number;
  fault: { errno: 'EIO' | 'ENOSPC'; ops: OpClass[]; remainingMs: number | null } | null;
  stats: {
    writes: number;
    fsyncs: number;
    dirFsyncs: number;
    injected: number;
    writebackFiles: number;
    writebackBytes: number;
    dirCommitsForced: number;
    drops: number;
  };
}

const OP_CLASSES: readonly OpClass[] = ['read', 'write', 'create', 'fsync'];

/** Whether `dir` is a mount point now (a FUSE mount of ours, or a dead one). */
function mounted(dir: string): boolean {
  const target = resolve(dir);
  // /proc/self/mountinfo field 5 is the mount point, with spaces and the like escaped as \040 etc.
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))) === target)
      return true;
  }
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class FaultFs {
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly dir: string,
    readonly backing: string,
    readonly socket: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((res) =>
      child.once('exit', (code) => {
        this.exitCode = code;
        res(code);
      }),
    );
  }

  /** The layer's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Mounts the layer over `o.dir`; resolves once the mount answers. Throws the layer's own error line if not. */
  static async mount(o: MountOptions): Promise<FaultFs> {
    const avail = diskFaultsAvailable();
    if (!avail.ok) throw new Error(avail.reason);
    const dir = resolve(o.dir);
    const backing = resolve(o.backing ?? o.dir);
    for (const d of [dir, backing])
      if (!existsSync(d) || !statSync(d).isDirectory()) throw new Error(`faultfs: ${d} is not a directory`);
    if (mounted(dir)) throw new Error(`faultfs: something is already mounted on ${dir}`);
    const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), 'faultfs-'));
    mkdirSync(stateDir, { recursive: true });
    const socket = join(stateDir, 'control.sock');
    if (Buffer.byteLength(socket) > 107) throw new Error(`faultfs: control socket path too long: ${socket}`);
    const logFile = join(stateDir, 'faultfs.log');
    const args = ['--backing', backing, '--control', socket, '--die-with-parent'];
    if (o.dirs !== undefined) {
      if (o.dirs !== 'strict' && o.dirs !== 'journal') throw new Error('faultfs: dirs is strict or journal');
      args.push('--dirs', o.dirs);
    }
    for (const [flag, v] of [
      ['--max-undo-mib', o.maxUndoMiB],
      ['--max-dirty-files', o.maxDirtyFiles],
      ['--max-dir-changes', o.maxDirChanges],
    ] as const) {
      if (v === undefined) continue;
      if (!Number.isInteger(v) || v <= 0) throw new Error(`faultfs: ${flag} must be a positive integer`);
      args.push(flag, String(v));
    }
    args.push(dir);
    rmSync(socket, { force: true });
    const log = openSync(logFile, 'a');
    const child = spawn(faultfsBinary(), args, { stdio: ['ignore', log, log] });
    closeSync(log);
    const fs = new FaultFs(dir, backing, socket, logFile, child);
    const deadline = Date.now() + (o.timeoutMs ?? 10_000);
    for (;;) {
      if (fs.exitCode !== undefined) throw new Error(fs.failure(`faultfs exited (${fs.exitCode}) before mounting`));
      if (existsSync(socket)) {
        try {
          await command(socket, 'ping', 2000);
          return fs;
        } catch {
          /* not listening yet */
        }
      }
      if (Date.now() > deadline) {
        await fs.stop();
        throw new Error(fs.failure(`faultfs did not mount ${dir} within ${o.timeoutMs ?? 10_000} ms`));
      }
      await sleep(10);
    }
  }

  /** A message with the layer's last log line (its own one-line reason). */
  private failure(what: string): string {
    const last = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').trim().split('\n').pop() : '';
    return last ? `${what}: ${last}` : what;
  }

  /** Unmounts (everything written becomes durable, as on a clean shutdown) and waits for the layer to exit. */
  async unmount(): Promise<void> {
    await this.stop();
  }

  private async stop(): Promise<void> {
    if (this.exitCode === undefined) {
      this.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const gone = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), 5000);
        }),
      ]);
      clearTimeout(timer);
      if (!gone) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    // A layer that died leaves a dead mount ("Transport endpoint is not connected"): take it away lazily.
    if (mounted(this.dir)) FaultFs.forceUnmount(this.dir);
  }

  /** Removes whatever is mounted on `dir` (lazily: open files keep working until closed). */
  static forceUnmount(dir: string): void {
    try {
      if (process.getuid?.() === 0) execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      else if (onPath('fusermount3')) execFileSync('fusermount3', ['-u', '-z', dir], { stdio: 'ignore' });
    } catch {
      /* not mounted after all */
    }
  }

  private async send(line: string, timeoutMs?: number): Promise<Answer> {
    if (this.exitCode !== undefined) throw new Error(this.failure(`faultfs on ${this.dir} is not running`));
    return command(this.socket, line, timeoutMs);
  }

  /** Retries while files are still open on the mount (a killed process's close a moment after it dies). */
  private async whenStopped(line: string, waitMs: number): Promise<Answer> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return await this.send(line);
      } catch (e) {
        if (!(e instanceof FaultFsRefused && e.busy) || Date.now() > deadline) throw e;
        await sleep(20);
      }
    }
  }

  /**
   * The crash: every write not made durable by fsync or fdatasync (or O_SYNC), and every create, unlink and
   * rename whose directory was not fsynced, is undone. The program must be stopped (waits up to `waitMs`,
   * default 5 s, for its files to close).
   */
  async crashDrop(o: { waitMs?: number } = {}): Promise<DropReport> {
    return (await this.whenStopped('drop', o.waitMs ?? 5000)).report as DropReport;
  }

  /**
   * The next crashDrop keeps only a random prefix (at least one byte, never all) of the last unsynced write of
   * `path` (relative to the mount; default: the file written last). Needs the program stopped, like crashDrop.
   */
  async tear(o: { path?: string; seed?: number; waitMs?: number } = {}): Promise<TearReport> {
    const seed = o.seed ?? 1;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error('faultfs: tear seed must be a non-negative integer');
    if (o.path !== undefined && (o.path.includes('\n') || o.path.split('/').includes('..')))
      throw new Error(`faultfs: tear path must be relative to the mount, without "..": ${o.path}`);
    const a = await this.whenStopped(`tear seed=${seed}${o.path ? ` path=${o.path}` : ''}`, o.waitMs ?? 5000);
    return { path: a.path as string, offset: a.offset as number, length: a.length as number, kept: a.kept as number };
  }

  /** Answer `errno` to every operation of these classes until clearFaults(), or for `durationMs`. */
  async failOps(o: { errno: 'EIO' | 'ENOSPC'; ops: OpClass[]; durationMs?: number }): Promise<void> {
    if (o.errno !== 'EIO' && o.errno !== 'ENOSPC') throw new Error('faultfs: errno must be EIO or ENOSPC');
    if (o.ops.length === 0 || o.ops.some((c) => !OP_CLASSES.includes(c)))
      throw new Error(`faultfs: ops must be some of ${OP_CLASSES.join(', ')}`);
    const d = o.durationMs;
    if (d !== undefined && (!Number.isInteger(d) || d <= 0 || d > 86_400_000))
      throw new Error('faultfs: durationMs must be a positive integer of at most a day');
    await this.send(`fail errno=${o.errno} ops=${o.ops.join(',')}${d !== undefined ? ` ms=${d}` : ''}`);
  }

  async clearFaults(): Promise<void> {
    await this.send('clear');
  }

  /** Every fsync, fdatasync and directory fsync first waits `ms` (0 turns it off). */
  async slowFsync(ms: number): Promise<void> {
    if (!Number.isInteger(ms) || ms < 0 || ms > 600_000)
      throw new Error('faultfs: fsync delay must be an integer from 0 to 600000 ms');
    await this.send(`delay-fsync ms=${ms}`);
  }

  async status(): Promise<FaultFsStatus> {
    const { ok: _, ...s } = await this.send('status');
    return s as unknown as FaultFsStatus;
  }

  /** The last crashDrop's report (null before the first). */
  async lastDrop(): Promise<DropReport | null> {
    return ((await this.send('last-drop')).report as DropReport | null) ?? null;
  }
}

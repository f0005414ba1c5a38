// What a Raft group needs from its disk: the core's read view (LogStorage) plus the writes the ready loop makes.
// DiskStorage (files, fsync) implements it for real nodes; MemoryStorage for tests.
//
// Also the two file writes everything durable goes through. write(2) may write fewer bytes than asked (a
// nearly full disk does exactly that) and fsync(2) may fail; neither may be ignored (issue 14, item 3: a short
// write was fsynced and acknowledged, then dropped as a torn tail on restart). writeFully loops until every
// byte is written and otherwise throws StorageFailure; a failed fsync is never retried (after a failed fsync
// the kernel may have dropped the dirty pages, so "retry until it works" would acknowledge lost data; the
// "fsyncgate" lesson from PostgreSQL, 2018). The node treats StorageFailure as fatal: it stops, so it can
// never acknowledge anything that is not on disk (crash-stop, which Raft tolerates).
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Entry, HardState, LogStorage, NodeId, Snapshot } from '../raft/types.js';

export interface DurableStorage extends LogStorage {
  /** Persist hard state and entries (an entry at an existing index replaces that suffix), durably, before returning. */
  save(hardState: HardState | undefined, entries: Entry[]): void;
  /** A snapshot from the leader replaces the whole log (§7). */
  applySnapshot(s: Snapshot): void;
  /** Local compaction at an applied index. */
  createSnapshot(index: number, data: string, peers: NodeId[]): Snapshot;
}

/** The disk refused a write or a sync: the node must stop acknowledging (it exits). */
export class StorageFailure extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StorageFailure';
  }
}

/** The write(2) the helpers use; tests replace it to simulate short writes. */
export type WriteFn = (fd: number, buf: Buffer, off: number, len: number) => number;
const defaultWrite: WriteFn = (fd, buf, off, len) => writeSync(fd, buf, off, len);
let writeImpl: WriteFn = defaultWrite;

/** For tests only: simulate a disk that writes short or fails. Returns a function that restores the real one. */
export function setWriteForTests(fn: WriteFn): () => void {
  writeImpl = fn;
  return () => {
    writeImpl = defaultWrite;
  };
}

/** Writes all of `data` at the file's position, or throws StorageFailure (a write that makes no progress fails). */
export function writeFully(fd: number, data: string | Buffer, what: string): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) {
    let n: number;
    try {
      n = writeImpl(fd, buf, off, buf.length - off);
    } catch (e) {
      throw new StorageFailure(`write to ${what} failed after ${off} of ${buf.length} bytes`, e);
    }
    if (!(n > 0))
      throw new StorageFailure(`write to ${what} failed after ${off} of ${buf.length} bytes`, 'no progress');
    off += n;
  }
}

/**
 * fdatasync: the data and the metadata needed to read it back (the file size), not timestamps. Enough for an
 * append-only log (PostgreSQL's default wal_sync_method on Linux), and cheaper than fsync.
 */
export function syncData(fd: number, what: string): void {
  try {
    fdatasyncSync(fd);
  } catch (e) {
    throw new StorageFailure(`fdatasync of ${what} failed`, e);
  }
}

export function syncFd(fd: number, what: string): void {
  try {
    fsyncSync(fd);
  } catch (e) {
    throw new StorageFailure(`fsync of ${what} failed`, e);
  }
}

export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (e) {
    throw new StorageFailure(`open ${dir}`, e);
  }
  try {
    syncFd(fd, dir);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes `dir` (and any missing parent) exist, durably: a new directory's name is durable only once its parent
 * is fsynced (POSIX; ext4 usually commits it sooner, but a crash at the wrong moment loses it, and the disk-fault
 * layer loses it every time). Without `sync`, only mkdir.
 */
export function ensureDir(dir: string, sync: boolean): void {
  if (existsSync(dir)) return;
  ensureDir(dirname(dir), sync);
  try {
    mkdirSync(dir);
  } catch (e) {
    throw new StorageFailure(`mkdir ${dir}`, e);
  }
  if (sync) fsyncDir(dirname(dir));
}

/**
 * Replaces dir/name with `text` atomically: a temporary file, written fully and fsynced, renamed over the old
 * one, then the folder fsynced so the rename itself is durable (`syncDir` false is the planted bug
 * "no-dir-fsync": the rename is visible at once but may be undone by a crash). On failure the old file is
 * untouched and the temporary file removed.
 */
export function writeAtomic(dir: string, name: string, text: string, sync: boolean, syncDir = sync): void {
  const tmp = join(dir, `${name}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw new StorageFailure(`create ${tmp}`, e);
  }
  try {
    writeFully(fd, text, tmp);
    if (sync) syncFd(fd, tmp);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, join(dir, name));
  } catch (e) {
    throw new StorageFailure(`rename ${tmp}`, e);
  }
  if (sync && syncDir) fsyncDir(dir);
}

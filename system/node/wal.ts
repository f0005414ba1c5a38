// One write-ahead log per node, shared by every Raft group the node hosts (TiKV's raft-engine and CockroachDB's
// single engine per store do the same): a group's save() adds records to the batch being built, and one write
// plus one fsync per ready pass makes the whole batch, of every group, durable. With S groups per node that is
// one fsync per pass instead of S, which is what makes sharding add throughput instead of dividing it.
//
//   <dataDir>/wal/<seq>.log   segments, append-only records "<crc32 hex> <json>\n", each tagged with its group:
//                             {"g":G,"hs":HardState}   term and vote changed (Figure 2 persistent state)
//                             {"g":G,"e":Entry}        a log entry (same index as an earlier one: replaces
//                                                      that entry and everything after it, §5.3)
//                             {"g":G,"trunc":N}        drop G's entries >= N
//                             {"g":G,"reset":N}        a leader's snapshot at N replaces G's whole log, if
//                                                      G's snapshot file reached N (written before it)
//   <dataDir>/snap/<G>.json   G's latest snapshot, "<crc32 hex> <json of {meta, data}>\n" like a record,
//                             replaced atomically (§7), compaction per group
//
// Within one group's records the order is hard state first, then entries, so a record kept from a torn batch
// never holds an entry of a term the node had not durably adopted.
//
// Compaction across groups: when the active segment outgrows its limit, the WAL writes a checkpoint segment
// holding every group's hard state and live entries (those after its snapshot), atomically (temp file, fsync,
// rename, fsync folder), and then deletes the older segments. Replaying older segments and then a checkpoint
// gives the checkpoint's state, so a crash between the rename and the deletions is harmless.
//
// Failure semantics are those of the per-group log before it (issue 14): a write goes to the file fully or the
// WAL fails and stays failed (StorageFailure; the node stops), a failed fsync is never retried. On open, an
// unterminated last record of the last segment is a torn tail (the batch the process died writing, never
// acknowledged since nothing is sent or applied before its fsync) and is cut off; a complete record with a bad
// checksum or content, anywhere, is corruption: the node refuses to start, naming the file and byte offset; so
// is a snapshot file whose checksum does not match. Refusing is the choice for corruption (not recovering from
// peers): a node that lost records it had acknowledged (a vote, entries counted toward a commit) and rejoined
// as a voter could break Raft's safety, and recovering safely needs the core's help (CTRL, Alagappan et al.,
// FAST 2018). A node that will not start is a crash-stop failure, which Raft tolerates in a minority; the
// operator empties its data folder and it comes back as a fresh replica. What no checksum can tell apart: a
// tail cut at a record boundary, or cut inside the last record, after it was synced (a truncated file) looks
// like a torn write and is dropped as one, as etcd's WAL does.
//
// Directories: a new segment's name, the wal/ and snap/ folders and the data folder itself are fsynced in
// their parent before they are relied on (a file's own fsync makes its data durable, never its name).
// Planted bug "no-fsync" (deferWrites): batches wait in memory and reach the file every 200 ms. Planted bug
// "no-dir-fsync" (dirFsync false): the renames that put a checkpoint segment or a snapshot in place are not
// followed by the folder's fsync, so a crash can undo them after the old segments were deleted.
import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import type { Entry, HardState, Snapshot } from '../raft/types.js';
import { StorageFailure, ensureDir, fsyncDir, syncData, syncFd, writeAtomic, writeFully } from './durable.js';

/** The data on disk is not what this node wrote: it must not start (a human decides what to do). */
export class CorruptStorage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptStorage';
  }
}

export type WalRecord =
  | { g: string; e: Entry }
  | { g: string; trunc: number }
  | { g: string; reset: number }
  | { g: string; hs: HardState };

// CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of a record's UTF-8 bytes detects torn and corrupted records.
// zlib's (Node >= 20.15) takes the string without a Buffer copy and several bytes per step: 4-10x faster than the
// byte-at-a-time table this file used before on records of 200 B to 256 KiB, with the same values (the format
// is unchanged; test/unit/node/wal-checksum). A host's own older node (ssh runtime) fails here with the reason.
const crc32: (data: string) => number = zlib.crc32;
if (typeof crc32 !== 'function') throw new Error(`Node.js ${process.version} has no zlib.crc32: the node needs 20.15+`);

/** The record's checksum as written: 8 lowercase hex digits. */
export function crc32Hex(s: string): string {
  return crc32(s).toString(16).padStart(8, '0');
}

export function encodeRecord(rec: WalRecord | Record<string, unknown>): string {
  const json = JSON.stringify(rec);
  return `${crc32Hex(json)} ${json}\n`;
}

/** The JSON value of a "<crc32 hex> <json>" line (no newline), or why it is not one. */
function unframe(line: string): { value: unknown } | string {
  const sp = line.indexOf(' ');
  if (sp !== 8) return 'no checksum prefix';
  const json = line.slice(9);
  if (crc32Hex(json) !== line.slice(0, 8)) return 'checksum mismatch';
  try {
    return { value: JSON.parse(json) };
  } catch {
    return 'checksum matches but the record is not JSON';
  }
}

/** A record, or why the line is not one. */
export function parseRecord(line: string): WalRecord | string {
  const u = unframe(line);
  if (typeof u === 'string') return u;
  const r = u.value as Record<string, unknown>;
  if (!r || typeof r !== 'object' || typeof r.g !== 'string') return 'record without a group';
  if ('e' in r && typeof (r.e as Entry | undefined)?.index === 'number') return r as WalRecord;
  if ('trunc' in r && typeof r.trunc === 'number') return r as WalRecord;
  if ('reset' in r && typeof r.reset === 'number') return r as WalRecord;
  if ('hs' in r && typeof (r.hs as HardState | undefined)?.term === 'number') return r as WalRecord;
  return 'unknown record type';
}

export interface WalOptions {
  fsync: boolean;
  /** Planted bug "no-fsync": acknowledge before the write is on disk. */
  deferWrites?: boolean;
  /** false: planted bug "no-dir-fsync", renames not followed by their folder's fsync (default true). */
  dirFsync?: boolean;
  /** Roll to a checkpoint segment when the active one is larger than this (default 64 MiB). */
  segmentBytes?: number;
}

/** What a group's storage gives the WAL for a checkpoint: its durable hard state and live entries. */
export interface CheckpointSource {
  readonly groupId: string;
  checkpointRecords(): string;
}

const SEGMENT_BYTES = 64 * 1024 * 1024;
const segName = (seq: number): string => `${String(seq).padStart(8, '0')}.log`;

export class Wal {
  readonly walDir: string;
  readonly snapDir: string;
  readonly warnings: string[] = [];
  /** Records read at open, per group, until the group's storage takes them. */
  private recovered = new Map<string, WalRecord[]>();
  private seq = 1;
  private fd = -1;
  private size = 0;
  private lastCheckpointBytes = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private unsynced = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly sources = new Map<string, CheckpointSource>();
  /** Counters for tests and /status: how many syncs and rolls this WAL made. */
  syncs = 0;
  rolls = 0;
  /** The first write or sync that failed; from then on every call throws it (the node must stop). */
  failure: StorageFailure | undefined;

  private constructor(
    readonly dir: string,
    readonly opts: WalOptions,
  ) {
    this.walDir = join(dir, 'wal');
    this.snapDir = join(dir, 'snap');
  }

  /** Throws CorruptStorage when the files on disk are not what a node writes. */
  static open(dir: string, opts: WalOptions): Wal {
    const w = new Wal(dir, opts);
    try {
      ensureDir(w.walDir, opts.fsync);
      ensureDir(w.snapDir, opts.fsync);
    } catch (e) {
      throw new CorruptStorage(`${dir}: ${(e as Error).message}`);
    }
    for (const f of readdirSync(dir)) {
      if (/^shard-\d+$/.test(f) && existsSync(join(dir, f, 'log'))) {
        throw new CorruptStorage(
          `${join(dir, f)}: a per-shard log from before the shared write-ahead log; ` +
            'this node cannot read it (start with an empty data folder)',
        );
      }
    }
    w.recover();
    const fresh = !existsSync(w.path);
    w.fd = openSync(w.path, 'a');
    // A new segment's name must be durable before anything in it is acknowledged.
    if (fresh && opts.fsync) fsyncDir(w.walDir);
    if (opts.deferWrites) {
      w.flushTimer = setInterval(() => {
        try {
          w.flushDeferred();
        } catch {
          /* poisoned: the next save throws */
        }
      }, 200);
      w.flushTimer.unref();
    }
    return w;
  }

  get path(): string {
    return join(this.walDir, segName(this.seq));
  }

  private recover(): void {
    const names = readdirSync(this.walDir);
    // A checkpoint that never got renamed into place was never relied on.
    for (const n of names) if (n.endsWith('.tmp')) unlinkSync(join(this.walDir, n));
    const seqs = names
      .filter((n) => /^\d{8}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 8)))
      .sort((a, b) => a - b);
    for (let k = 0; k < seqs.length; k++) this.replaySegment(seqs[k], k === seqs.length - 1);
    if (seqs.length > 0) this.seq = seqs[seqs.length - 1];
  }

  private replaySegment(seq: number, last: boolean): void {
    const path = join(this.walDir, segName(seq));
    const buf = readFileSync(path);
    let off = 0;
    while (off < buf.length) {
      const nl = buf.indexOf(0x0a, off);
      if (nl < 0) {
        if (!last)
          throw new CorruptStorage(
            `${path}: unterminated record at byte ${off} ` +
              'in a segment that was complete when the next one began; refusing to start',
          );
        // The batch the process died writing (or a disk that took part of it): never synced as a whole, so
        // never acknowledged. Complete records before it, of any group, stay: persisted but unacknowledged.
        this.warnings.push(`${path}: torn tail of ${buf.length - off} bytes at byte ${off} dropped`);
        const fd = openSync(path, 'r+');
        try {
          ftruncateSync(fd, off);
          syncFd(fd, path);
        } finally {
          closeSync(fd);
        }
        break;
      }
      const rec = parseRecord(buf.subarray(off, nl).toString('utf8'));
      if (typeof rec === 'string') {
        const tail = nl + 1 === buf.length ? ' (the last record, complete: not a torn write)' : '';
        throw new CorruptStorage(`${path}: corrupt record at byte ${off}: ${rec}${tail}; refusing to start`);
      }
      let l = this.recovered.get(rec.g);
      if (!l) {
        l = [];
        this.recovered.set(rec.g, l);
      }
      l.push(rec);
      off = nl + 1;
    }
    if (last) this.size = off;
  }

  /** The records read at open for group `g` (handed out once). */
  takeRecovered(g: string): WalRecord[] {
    const r = this.recovered.get(g) ?? [];
    this.recovered.delete(g);
    return r;
  }

  register(src: CheckpointSource): void {
    this.sources.set(src.groupId, src);
  }

  snapshotPath(g: string): string {
    return join(this.snapDir, `${g}.json`);
  }

  /** Throws CorruptStorage when the file is not one snapshot whole, with its checksum. */
  readSnapshot(g: string): Snapshot | undefined {
    const p = this.snapshotPath(g);
    if (!existsSync(p)) return undefined;
    const buf = readFileSync(p);
    const text = buf.toString('utf8');
    const nl = text.indexOf('\n');
    const u = nl === text.length - 1 ? unframe(text.slice(0, nl)) : 'not one line ending in a newline';
    const s = typeof u === 'string' ? undefined : (u.value as Snapshot);
    const why = typeof u === 'string' ? u : typeof s?.meta?.index !== 'number' ? 'no meta.index' : undefined;
    if (why) throw new CorruptStorage(`${p}: corrupt snapshot (${why}) in bytes 0 to ${buf.length}; refusing to start`);
    return s;
  }

  writeSnapshot(g: string, s: Snapshot): void {
    this.io(() => writeAtomic(this.snapDir, `${g}.json`, encodeRecord({ ...s }), this.opts.fsync, this.dirFsync));
  }

  private get dirFsync(): boolean {
    return this.opts.dirFsync ?? true;
  }

  /** Runs a disk operation; the first failure poisons the WAL. */
  io(fn: () => void): void {
    if (this.failure) throw this.failure;
    try {
      fn();
    } catch (e) {
      this.failure = e instanceof StorageFailure ? e : new StorageFailure(`write-ahead log in ${this.walDir}`, e);
      throw this.failure;
    }
  }

  /** Adds records to the current batch; nothing reaches the file before sync() (or the deferred flush). */
  add(text: string): void {
    if (this.failure) throw this.failure;
    if (text.length === 0) return;
    this.pending.push(text);
    this.pendingBytes += text.length;
  }

  /** Writes the batch (one write) and makes it durable (one fdatasync), for every group that added to it. */
  sync(): void {
    if (this.opts.deferWrites) return; // the planted bug: the timer writes it later, unsynced
    this.io(() => {
      this.writePending();
      if (this.unsynced && this.opts.fsync) syncData(this.fd, this.path);
      if (this.unsynced) this.syncs++;
      this.unsynced = false;
    });
    this.maybeRoll();
  }

  private maybeRoll(): void {
    if (this.size > Math.max(this.opts.segmentBytes ?? SEGMENT_BYTES, 2 * this.lastCheckpointBytes)) this.roll();
  }

  private writePending(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    const buf = Buffer.from(text, 'utf8');
    writeFully(this.fd, buf, this.path);
    this.size += buf.length;
    this.unsynced = true;
  }

  flushDeferred(): void {
    if (!this.opts.deferWrites) return;
    this.io(() => this.writePending());
  }

  /**
   * Checkpoint: a new segment with every group's state, in place atomically, then the older segments go. Only
   * after a sync (nothing pending), so the checkpoint is exactly what the older segments replay to.
   */
  roll(): void {
    this.io(() => {
      const next = this.seq + 1;
      let text = '';
      for (const src of this.sources.values()) text += src.checkpointRecords();
      writeAtomic(this.walDir, segName(next), text, this.opts.fsync, this.dirFsync);
      closeSync(this.fd);
      this.fd = openSync(join(this.walDir, segName(next)), 'a');
      const old = this.seq;
      this.seq = next;
      this.size = Buffer.byteLength(text);
      this.lastCheckpointBytes = this.size;
      this.rolls++;
      for (let s = old; s >= 1; s--) {
        const p = join(this.walDir, segName(s));
        if (!existsSync(p)) break;
        unlinkSync(p);
      }
      if (this.opts.fsync && this.dirFsync) fsyncDir(this.walDir);
    });
  }

  /** Bytes in the active segment (for tests). */
  segmentSize(): number {
    return existsSync(this.path) ? statSync(this.path).size : 0;
  }

  close(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    try {
      if (!this.opts.deferWrites && !this.failure) this.writePending();
    } catch {
      /* poisoned: nothing more reaches the disk */
    }
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

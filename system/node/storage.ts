// Durable storage for one Raft group in one folder: the Raft state of Figure 2 that must survive a crash
// (currentTerm, votedFor, log[]) plus the latest snapshot (§7).
//
//   hardstate.json   {term, vote, commit}, replaced atomically (temp file, fsync, rename, fsync folder)
//   snapshot.json    {meta, data}, replaced atomically the same way
//   log              append-only records "<crc32 hex> <json>\n": {"e":Entry} or {"trunc":N} (drop entries >= N)
//                    or {"reset":N} (a leader's snapshot at N replaces the whole log, if snapshot.json reached N)
//
// save() appends and fsyncs once per batch, before the caller sends or replies (group commit). Every write goes
// to disk fully before memory changes (writeFully in durable.ts); the first write or fsync that fails poisons
// the storage (every later call throws StorageFailure) and the node stops, so it never acknowledges what the
// disk did not take and never appends after a partial record.
//
// On open, only an unterminated last record is a torn tail (the batch being written when the process died,
// never acknowledged) and is cut off. A complete record (it ends in a newline) whose checksum or content is
// wrong is corruption, wherever it is: the node refuses to start, naming the file and byte offset, and leaves
// the file untouched. Planted bug "no-fsync" acknowledges before writing: records wait in memory and reach the
// file every 200 ms, so kill -9 loses writes the cluster already acknowledged.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VolatileStorage } from '../raft/memory-storage.js';
import type { Entry, HardState, NodeId, Snapshot } from '../raft/types.js';
import { crc32Hex } from './crc32.js';
import { StorageFailure, syncFd, writeAtomic, writeFully, type DurableStorage } from './durable.js';

/** The log on disk is not what this node wrote: it must not start (a human decides what to do). */
export class CorruptStorage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptStorage';
  }
}

export interface DiskOptions {
  fsync: boolean;
  peers: NodeId[];
  /** Planted bug: acknowledge before the write is on disk. */
  deferWrites?: boolean;
}

export function record(payload: unknown): string {
  const json = JSON.stringify(payload);
  return `${crc32Hex(json)} ${json}\n`;
}

export class DiskStorage extends VolatileStorage implements DurableStorage {
  private fd: number;
  private deferred: string[] = [];
  private deferredHard: HardState | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  readonly warnings: string[] = [];
  /** The hard state as last written to hardstate.json. */
  private durableHard: HardState = { term: 0, vote: null, commit: 0 };
  private unsynced = false;
  /** The first write or sync that failed; from then on every call throws it (the node must stop). */
  failure: StorageFailure | undefined;

  private constructor(readonly dir: string, private readonly opts: DiskOptions) {
    super(opts.peers);
    this.fd = -1;
  }

  /** Throws CorruptStorage when the files on disk are not what a node writes. */
  static open(dir: string, opts: DiskOptions): DiskStorage {
    mkdirSync(dir, { recursive: true });
    const s = new DiskStorage(dir, opts);
    s.recover();
    s.fd = openSync(join(dir, 'log'), 'a');
    if (opts.deferWrites) {
      s.flushTimer = setInterval(() => { try { s.flushDeferred(); } catch { /* poisoned: the next save throws */ } }, 200);
      s.flushTimer.unref();
    }
    return s;
  }

  private readJson<T>(path: string): T {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (e) {
      throw new CorruptStorage(`${path}: unreadable (${(e as Error).message}); refusing to start`);
    }
  }

  private recover(): void {
    const snapPath = join(this.dir, 'snapshot.json');
    if (existsSync(snapPath)) super.applySnapshot(this.readJson<Snapshot>(snapPath));
    const hsPath = join(this.dir, 'hardstate.json');
    if (existsSync(hsPath)) {
      this.setHardState(this.readJson<HardState>(hsPath));
      this.durableHard = { ...this.hardState };
    }
    const logPath = join(this.dir, 'log');
    if (!existsSync(logPath)) return;
    const buf = readFileSync(logPath);
    let off = 0;
    while (off < buf.length) {
      const nl = buf.indexOf(0x0a, off);
      if (nl < 0) {
        // An unterminated last record: the write the process died in (or a disk that took part of it). It was
        // never synced as a whole, so never acknowledged: cut it off.
        this.warnings.push(`${logPath}: torn tail of ${buf.length - off} bytes at byte ${off} dropped`);
        const fd = openSync(logPath, 'r+');
        try { ftruncateSync(fd, off); syncFd(fd, logPath); } finally { closeSync(fd); }
        break;
      }
      const line = buf.subarray(off, nl).toString('utf8');
      const rec = parseRecord(line);
      if (typeof rec === 'string') {
        const last = nl + 1 === buf.length ? ' (the last record, complete: not a torn write)' : '';
        throw new CorruptStorage(`${logPath}: corrupt record at byte ${off}: ${rec}${last}; refusing to start`);
      }
      if ('trunc' in rec) this.truncate(rec.trunc);
      else if ('reset' in rec) {
        // applySnapshot crashed after snapshot.json but before the log rewrite: entries after the snapshot may
        // come from another history (§7 "discard the entire log"), so drop them. If snapshot.json never reached
        // N, the install did not happen and the old log stands.
        const snap = this.snapshot();
        if (snap && snap.meta.index >= rec.reset) super.applySnapshot(snap);
      } else super.append([rec.e]);
      off = nl + 1;
    }
  }

  /** Runs a disk operation; the first failure poisons the storage. */
  private io(fn: () => void): void {
    if (this.failure) throw this.failure;
    try {
      fn();
    } catch (e) {
      this.failure = e instanceof StorageFailure ? e : new StorageFailure(`storage in ${this.dir}`, e);
      throw this.failure;
    }
  }

  /** Appends (and, unless `sync` is false, fsyncs: then the caller must call sync() before relying on it). */
  override save(hs: HardState | undefined, entries: Entry[], sync = true): void {
    if (this.failure) throw this.failure;
    let out = '';
    // Entries already inside the snapshot are ignored in memory; they must not reach the file either, or their
    // truncation record would, on replay, drop live entries after the snapshot.
    const kept = entries.filter((e) => e.index >= this.firstIndex());
    if (kept.length > 0) {
      if (kept[0].index <= this.lastIndex()) out += record({ trunc: kept[0].index });
      for (const e of kept) out += record({ e });
    }
    if (this.opts.deferWrites) {
      super.save(hs, entries);
      if (out) this.deferred.push(out);
      if (hs) this.deferredHard = hs;
      return;
    }
    // Disk first, memory after: memory never holds what the disk refused.
    this.io(() => {
      if (out) {
        writeFully(this.fd, out, join(this.dir, 'log'));
        this.unsynced = true;
        if (sync) this.syncNow();
      }
      if (hs && (hs.term !== this.durableHard.term || hs.vote !== this.durableHard.vote)) {
        // Only term and vote must be durable (Figure 2); the commit index is volatile state that a restarted node
        // relearns from the leader, so a commit-only change is not worth three syscalls and two fsyncs per write.
        writeAtomic(this.dir, 'hardstate.json', JSON.stringify(hs), this.opts.fsync);
        this.durableHard = { ...hs };
      }
    });
    super.save(hs, entries);
  }

  /** Makes every appended record durable (one fsync for however many saves came before). */
  sync(): void {
    this.io(() => this.syncNow());
  }

  private syncNow(): void {
    if (!this.unsynced) return;
    if (this.opts.fsync && this.fd >= 0) syncFd(this.fd, join(this.dir, 'log'));
    this.unsynced = false;
  }

  private flushDeferred(): void {
    this.io(() => {
      if (this.deferred.length > 0) {
        writeFully(this.fd, this.deferred.join(''), join(this.dir, 'log'));
        this.deferred = [];
      }
      if (this.deferredHard) {
        writeAtomic(this.dir, 'hardstate.json', JSON.stringify(this.deferredHard), false);
        this.deferredHard = undefined;
      }
    });
  }

  override applySnapshot(s: Snapshot): void {
    this.flushDeferred();
    this.io(() => {
      // Mark the log first, so a crash between the two file replacements below cannot resurrect the old suffix.
      writeFully(this.fd, record({ reset: s.meta.index }), join(this.dir, 'log'));
      if (this.opts.fsync) syncFd(this.fd, join(this.dir, 'log'));
      writeAtomic(this.dir, 'snapshot.json', JSON.stringify(s), this.opts.fsync);
      this.rewriteLog([]);
    });
    super.applySnapshot(s);
  }

  override createSnapshot(index: number, data: string, peers: NodeId[]): Snapshot {
    this.flushDeferred();
    if (index < this.firstIndex()) return super.createSnapshot(index, data, peers); // already compacted past it: nothing to write
    const term = this.term(index);
    if (term === undefined || index > this.lastIndex()) throw new Error(`snapshot at ${index} beyond last index ${this.lastIndex()}`);
    const snap: Snapshot = { meta: { index, term, peers: [...peers] }, data };
    this.io(() => {
      writeAtomic(this.dir, 'snapshot.json', JSON.stringify(snap), this.opts.fsync);
      this.rewriteLog(index < this.lastIndex() ? this.entries(index + 1, this.lastIndex() + 1) : []);
    });
    return super.createSnapshot(index, data, peers);
  }

  /** Replaces the log file with just `entries` (after compaction), atomically. */
  private rewriteLog(entries: Entry[]): void {
    closeSync(this.fd);
    this.fd = -1;
    writeAtomic(this.dir, 'log', entries.map((e) => record({ e })).join(''), this.opts.fsync);
    this.fd = openSync(join(this.dir, 'log'), 'a');
  }

  close(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    try {
      if (!this.opts.deferWrites) this.flushDeferred();
    } catch { /* poisoned: nothing more reaches the disk */ }
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

type Rec = { e: Entry } | { trunc: number } | { reset: number };

/** A record, or why the line is not one. */
function parseRecord(line: string): Rec | string {
  const sp = line.indexOf(' ');
  if (sp !== 8) return 'no checksum prefix';
  const json = line.slice(9);
  if (crc32Hex(json) !== line.slice(0, 8)) return 'checksum mismatch';
  try {
    const r = JSON.parse(json) as Rec;
    if ('e' in r && typeof r.e?.index === 'number') return r;
    if ('trunc' in r && typeof r.trunc === 'number') return r;
    if ('reset' in r && typeof r.reset === 'number') return r;
  } catch {
    return 'checksum matches but the record is not JSON';
  }
  return 'unknown record type';
}

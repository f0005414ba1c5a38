// Durable storage for one Raft group in one folder: the Raft state of Figure 2 that must survive a crash
// (currentTerm, votedFor, log[]) plus the latest snapshot (§7).
//
//   hardstate.json   {term, vote, commit}, replaced atomically (temp file, fsync, rename, fsync folder)
//   snapshot.json    {meta, data}, replaced atomically the same way
//   log              append-only records "<crc32 hex> <json>\n": {"e":Entry} or {"trunc":N} (drop entries >= N)
//                    or {"reset":N} (a leader's snapshot at N replaces the whole log, if snapshot.json reached N)
//
// save() appends and fsyncs once per batch, before the caller sends or replies (group commit). On open, a torn
// tail (the record being written when the process was killed) is cut off; a bad record followed by good ones
// means real corruption, which is an error. Planted bug "no-fsync" acknowledges before writing: records wait in
// memory and reach the file every 200 ms, so kill -9 loses writes the cluster already acknowledged.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { VolatileStorage } from '../raft/memory-storage.js';
import type { Entry, HardState, NodeId, Snapshot } from '../raft/types.js';
import { crc32Hex } from './crc32.js';
import type { DurableStorage } from './durable.js';

export interface DiskOptions {
  fsync: boolean;
  peers: NodeId[];
  /** Planted bug: acknowledge before the write is on disk. */
  deferWrites?: boolean;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

function writeAtomic(dir: string, name: string, text: string, sync: boolean): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  if (sync) fsyncDir(dir);
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

  private constructor(readonly dir: string, private readonly opts: DiskOptions) {
    super(opts.peers);
    this.fd = -1;
  }

  static open(dir: string, opts: DiskOptions): DiskStorage {
    mkdirSync(dir, { recursive: true });
    const s = new DiskStorage(dir, opts);
    s.recover();
    s.fd = openSync(join(dir, 'log'), 'a');
    if (opts.deferWrites) {
      s.flushTimer = setInterval(() => s.flushDeferred(), 200);
      s.flushTimer.unref();
    }
    return s;
  }

  private recover(): void {
    const snapPath = join(this.dir, 'snapshot.json');
    if (existsSync(snapPath)) super.applySnapshot(JSON.parse(readFileSync(snapPath, 'utf8')) as Snapshot);
    const hsPath = join(this.dir, 'hardstate.json');
    if (existsSync(hsPath)) {
      this.setHardState(JSON.parse(readFileSync(hsPath, 'utf8')) as HardState);
      this.durableHard = { ...this.hardState };
    }
    const logPath = join(this.dir, 'log');
    if (!existsSync(logPath)) return;
    const buf = readFileSync(logPath);
    let off = 0;
    while (off < buf.length) {
      const nl = buf.indexOf(0x0a, off);
      const line = buf.subarray(off, nl < 0 ? buf.length : nl).toString('utf8');
      const rec = nl < 0 ? undefined : parseRecord(line);
      if (rec === undefined) {
        // Bad or unterminated record: fine only if nothing valid follows (a torn write at the end).
        const rest = nl < 0 ? '' : buf.subarray(nl + 1).toString('utf8');
        if (rest.split('\n').some((l) => l !== '' && parseRecord(l) !== undefined)) {
          throw new Error(`${logPath}: corrupt record at byte ${off} followed by valid records`);
        }
        this.warnings.push(`${logPath}: torn tail of ${buf.length - off} bytes at byte ${off} dropped`);
        const fd = openSync(logPath, 'r+');
        try { ftruncateSync(fd, off); fsyncSync(fd); } finally { closeSync(fd); }
        break;
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

  /** Appends (and, unless `sync` is false, fsyncs: then the caller must call sync() before relying on it). */
  override save(hs: HardState | undefined, entries: Entry[], sync = true): void {
    let out = '';
    // Entries already inside the snapshot are ignored in memory; they must not reach the file either, or their
    // truncation record would, on replay, drop live entries after the snapshot.
    const kept = entries.filter((e) => e.index >= this.firstIndex());
    if (kept.length > 0) {
      if (kept[0].index <= this.lastIndex()) out += record({ trunc: kept[0].index });
      for (const e of kept) out += record({ e });
    }
    super.save(hs, entries);
    if (this.opts.deferWrites) {
      if (out) this.deferred.push(out);
      if (hs) this.deferredHard = hs;
      return;
    }
    if (out) {
      writeSync(this.fd, out);
      this.unsynced = true;
      if (sync) this.sync();
    }
    if (hs && (hs.term !== this.durableHard.term || hs.vote !== this.durableHard.vote)) {
      // Only term and vote must be durable (Figure 2); the commit index is volatile state that a restarted node
      // relearns from the leader, so a commit-only change is not worth three syscalls and two fsyncs per write.
      writeAtomic(this.dir, 'hardstate.json', JSON.stringify(hs), this.opts.fsync);
      this.durableHard = { ...hs };
    }
  }

  /** Makes every appended record durable (one fsync for however many saves came before). */
  sync(): void {
    if (!this.unsynced) return;
    this.unsynced = false;
    if (this.opts.fsync && this.fd >= 0) fsyncSync(this.fd);
  }

  private flushDeferred(): void {
    if (this.deferred.length > 0) {
      writeSync(this.fd, this.deferred.join(''));
      this.deferred = [];
    }
    if (this.deferredHard) {
      writeAtomic(this.dir, 'hardstate.json', JSON.stringify(this.deferredHard), false);
      this.deferredHard = undefined;
    }
  }

  override applySnapshot(s: Snapshot): void {
    this.flushDeferred();
    // Mark the log first, so a crash between the two file replacements below cannot resurrect the old suffix.
    writeSync(this.fd, record({ reset: s.meta.index }));
    if (this.opts.fsync) fsyncSync(this.fd);
    super.applySnapshot(s);
    writeAtomic(this.dir, 'snapshot.json', JSON.stringify(s), this.opts.fsync);
    this.rewriteLog([]);
  }

  override createSnapshot(index: number, data: string, peers: NodeId[]): Snapshot {
    this.flushDeferred();
    const snap = super.createSnapshot(index, data, peers);
    writeAtomic(this.dir, 'snapshot.json', JSON.stringify(snap), this.opts.fsync);
    this.rewriteLog(this.lastIndex() >= this.firstIndex() ? this.entries(this.firstIndex(), this.lastIndex() + 1) : []);
    return snap;
  }

  /** Replaces the log file with just `entries` (after compaction), atomically. */
  private rewriteLog(entries: Entry[]): void {
    closeSync(this.fd);
    writeAtomic(this.dir, 'log', entries.map((e) => record({ e })).join(''), this.opts.fsync);
    this.fd = openSync(join(this.dir, 'log'), 'a');
  }

  close(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (!this.opts.deferWrites) this.flushDeferred();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

type Rec = { e: Entry } | { trunc: number } | { reset: number };

function parseRecord(line: string): Rec | undefined {
  const sp = line.indexOf(' ');
  if (sp !== 8) return undefined;
  const json = line.slice(9);
  if (crc32Hex(json) !== line.slice(0, 8)) return undefined;
  try {
    const r = JSON.parse(json) as Rec;
    if ('e' in r && typeof r.e?.index === 'number') return r;
    if ('trunc' in r && typeof r.trunc === 'number') return r;
    if ('reset' in r && typeof r.reset === 'number') return r;
  } catch {
    return undefined;
  }
  return undefined;
}

// Durable storage for one Raft group on its node's shared write-ahead log (wal.ts): the Raft state of Figure 2
// that must survive a crash (currentTerm, votedFor, log[]) plus the group's latest snapshot (§7).
//
// save() adds the group's records to the WAL's current batch; the host syncs the WAL once per ready pass for
// all groups, before anything of that pass is sent or applied (persist, then send, then apply, per group).
// save(.., sync = true) writes and syncs at once (tests, and callers outside the host's pass). Disk first,
// memory after: a save that the disk refuses throws before memory changes, and the node stops.
//
// Recovery rebuilds the group from its snapshot file and its records in the WAL, in order.
import { VolatileStorage } from '../raft/memory-storage.js';
import type { Entry, HardState, NodeId, Snapshot } from '../raft/types.js';
import type { DurableStorage } from './durable.js';
import { CorruptStorage, Wal, encodeRecord, type CheckpointSource, type WalOptions } from './wal.js';

export { CorruptStorage } from './wal.js';

export class DiskStorage extends VolatileStorage implements DurableStorage, CheckpointSource {
  readonly warnings: string[] = [];
  /** The hard state as last recorded in the WAL. */
  private durableHard: HardState = { term: 0, vote: null, commit: 0 };

  constructor(
    readonly wal: Wal,
    readonly groupId: string,
    peers: NodeId[],
  ) {
    super(peers);
    this.recover();
    wal.register(this);
  }

  /**
   * A WAL of its own in `dir` holding one group '0' (tests, and tools that look at one group). Closing it
   * closes the WAL.
   */
  static open(dir: string, opts: WalOptions & { peers: NodeId[] }): DiskStorage {
    const wal = Wal.open(dir, opts);
    const s = new DiskStorage(wal, '0', opts.peers);
    s.warnings.push(...wal.warnings);
    s.ownsWal = true;
    return s;
  }

  private ownsWal = false;

  get dir(): string {
    return this.wal.dir;
  }

  get failure(): Error | undefined {
    return this.wal.failure;
  }

  private recover(): void {
    const snap = this.wal.readSnapshot(this.groupId);
    if (snap) super.applySnapshot(snap);
    for (const rec of this.wal.takeRecovered(this.groupId)) {
      if ('hs' in rec) {
        this.setHardState(rec.hs);
        this.durableHard = { ...rec.hs };
      } else if ('trunc' in rec) {
        this.truncate(rec.trunc);
      } else if ('reset' in rec) {
        // The install crashed after this record but before the snapshot file reached N: the old log stands. If
        // it reached N (or beyond), entries recorded before this point come from another history (§7
        // "discard the entire log"): drop them.
        const s = this.snapshot();
        if (s && s.meta.index >= rec.reset) super.applySnapshot(s);
      } else {
        try {
          super.append([rec.e]);
        } catch (e) {
          throw new CorruptStorage(
            `${this.wal.walDir}: group ${this.groupId}: ${(e as Error).message}; refusing to start`,
          );
        }
      }
    }
  }

  /** Records for hs (only when term or vote changed: the commit index is volatile, Figure 2) and entries. */
  private records(hs: HardState | undefined, entries: Entry[]): string {
    const g = this.groupId;
    let out = '';
    if (hs && (hs.term !== this.durableHard.term || hs.vote !== this.durableHard.vote)) out += encodeRecord({ g, hs });
    // Entries already inside the snapshot are ignored in memory; they must not reach the file either, or their
    // truncation record would, on replay, drop live entries after the snapshot.
    const kept = entries.filter((e) => e.index >= this.firstIndex());
    if (kept.length > 0) {
      if (kept[0].index <= this.lastIndex()) out += encodeRecord({ g, trunc: kept[0].index });
      for (const e of kept) out += encodeRecord({ g, e });
    }
    return out;
  }

  /** Adds to the WAL's batch and, unless `sync` is false, writes and syncs it (then the caller need not). */
  override save(hs: HardState | undefined, entries: Entry[], sync = true): void {
    this.wal.add(this.records(hs, entries));
    if (sync) this.wal.sync();
    if (hs && (hs.term !== this.durableHard.term || hs.vote !== this.durableHard.vote)) this.durableHard = { ...hs };
    super.save(hs, entries);
  }

  /** Makes every record added so far, of every group on this WAL, durable. */
  sync(): void {
    this.wal.sync();
  }

  /** A leader's snapshot replaces the whole log (§7): mark the WAL first, durably, then the snapshot file. */
  override applySnapshot(s: Snapshot): void {
    this.wal.flushDeferred();
    this.wal.add(encodeRecord({ g: this.groupId, reset: s.meta.index }));
    this.wal.sync();
    this.wal.io(() => this.wal.flushDeferred());
    this.wal.writeSnapshot(this.groupId, s);
    super.applySnapshot(s);
  }

  /** Local compaction (§7): the snapshot file moves forward; the WAL drops the entries at its next checkpoint. */
  override createSnapshot(index: number, data: string, peers: NodeId[]): Snapshot {
    if (index < this.firstIndex()) return super.createSnapshot(index, data, peers); // already compacted past it
    const term = this.term(index);
    if (term === undefined || index > this.lastIndex())
      throw new Error(`snapshot at ${index} beyond last index ${this.lastIndex()}`);
    // The entries up to `index` must be on disk before a snapshot that stands for them replaces them in memory.
    this.wal.sync();
    this.wal.flushDeferred();
    this.wal.writeSnapshot(this.groupId, { meta: { index, term, peers: [...peers] }, data });
    return super.createSnapshot(index, data, peers);
  }

  checkpointRecords(): string {
    const g = this.groupId;
    let out = encodeRecord({ g, hs: this.durableHard });
    const first = this.firstIndex();
    out += encodeRecord({ g, trunc: first });
    if (this.lastIndex() >= first)
      for (const e of this.entries(first, this.lastIndex() + 1)) out += encodeRecord({ g, e });
    return out;
  }

  close(): void {
    if (this.ownsWal) this.wal.close();
  }
}

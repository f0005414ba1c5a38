// What a Raft group needs from its disk: the core's read view (LogStorage) plus the writes the ready loop makes.
// DiskStorage (files, fsync) implements it for real nodes; MemoryStorage for tests.
import type { Entry, HardState, LogStorage, NodeId, Snapshot } from '../raft/types.js';

export interface DurableStorage extends LogStorage {
  /** Persist hard state and entries (an entry at an existing index replaces that suffix), durably, before returning. */
  save(hardState: HardState | undefined, entries: Entry[]): void;
  /** A snapshot from the leader replaces the whole log (§7). */
  applySnapshot(s: Snapshot): void;
  /** Local compaction at an applied index. */
  createSnapshot(index: number, data: string, peers: NodeId[]): Snapshot;
}

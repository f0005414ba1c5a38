// Stable storage kept in memory: what the simulation uses for a node's "disk" (it survives a simulated crash;
// what was not yet persisted does not), and the in-memory index the disk storage builds on. Index 0 / term 0
// is the empty log; after a snapshot, `snap.meta.index` plays that role (§7: the snapshot replaces the prefix).
import type { Entry, HardState, LogStorage, NodeId, Snapshot } from './types.js';

export class MemoryStorage implements LogStorage {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  private snap: Snapshot;
  /** ents[0] is a dummy at snap.meta.index carrying its term, so term(i) needs no special case. */
  private ents: Entry[];

  constructor(peers: NodeId[]) {
    this.snap = { meta: { index: 0, term: 0, peers: [...peers] }, data: '' };
    this.ents = [{ index: 0, term: 0, type: 'noop', data: '' }];
  }

  initialState(): { hardState: HardState; peers: NodeId[] } {
    return { hardState: { ...this.hardState }, peers: [...this.snap.meta.peers] };
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  term(i: number): number | undefined {
    const off = this.ents[0].index;
    if (i < off || i > this.lastIndex()) return undefined;
    return this.ents[i - off].term;
  }

  entries(lo: number, hi: number): Entry[] {
    const off = this.ents[0].index;
    if (lo <= off) throw new Error(`entries(${lo}, ${hi}): compacted (first index ${off + 1})`);
    if (hi > this.lastIndex() + 1) throw new Error(`entries(${lo}, ${hi}): beyond last index ${this.lastIndex()}`);
    return this.ents.slice(lo - off, hi - off);
  }

  snapshot(): Snapshot | undefined {
    return this.snap.meta.index > 0 ? this.snap : undefined;
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  /** Appends, replacing any suffix that starts at or before the first new entry (conflict truncation, §5.3). */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const off = this.ents[0].index;
    const first = entries[0].index;
    if (first <= off) {
      // Entries already covered by the snapshot are dropped.
      entries = entries.filter((e) => e.index > off);
      if (entries.length === 0) return;
    }
    const at = entries[0].index - off;
    if (at > this.ents.length) throw new Error(`append at ${entries[0].index} leaves a gap after ${this.lastIndex()}`);
    this.ents.length = at;
    for (const e of entries) this.ents.push(e);
  }

  /** Drops entries at index and after (never the snapshot point). */
  truncate(index: number): void {
    const off = this.ents[0].index;
    if (index <= off) index = off + 1;
    if (index - off < this.ents.length) this.ents.length = index - off;
  }

  /** Installs a snapshot received from the leader: the log restarts after it (§7). */
  applySnapshot(s: Snapshot): void {
    this.snap = s;
    this.ents = [{ index: s.meta.index, term: s.meta.term, type: 'noop', data: '' }];
  }

  /** Local compaction: the state machine at `index` is `data`; entries up to `index` are discarded (§7). */
  createSnapshot(index: number, data: string, peers: NodeId[]): Snapshot {
    const off = this.ents[0].index;
    if (index <= off) return this.snap;
    if (index > this.lastIndex()) throw new Error(`snapshot at ${index} beyond last index ${this.lastIndex()}`);
    const term = this.ents[index - off].term;
    this.snap = { meta: { index, term, peers: [...peers] }, data };
    this.ents = this.ents.slice(index - off);
    this.ents[0] = { index, term, type: 'noop', data: '' };
    return this.snap;
  }

  /** A deep copy (the simulation's crash keeps only what was persisted). */
  clone(): MemoryStorage {
    const m = new MemoryStorage(this.snap.meta.peers);
    m.hardState = { ...this.hardState };
    m.snap = this.snap;
    m.ents = this.ents.slice();
    return m;
  }
}

/** MemoryStorage as a DurableStorage (no durability: for tests and the in-process runtime). */
export class VolatileStorage extends MemoryStorage {
  save(hs: HardState | undefined, entries: Entry[]): void {
    this.append(entries);
    if (hs) this.setHardState(hs);
  }
}

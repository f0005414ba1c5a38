// The core's view of the log: stable entries (in LogStorage, written by the runtime) followed by unstable ones
// (appended here, handed out in the next Ready, stable once the runtime calls advance). Mirrors etcd-raft's
// raftLog/unstable split, so the core never waits on I/O.
import { broken } from './invariant.js';
import type { Entry, LogStorage, Snapshot } from './types.js';

export class RaftLog {
  committed: number;
  applied: number;
  /** Entries not yet persisted: unstable[k] has index offset + k. */
  unstable: Entry[] = [];
  offset: number;
  /** A snapshot received from the leader, not yet persisted. */
  unstableSnapshot: Snapshot | undefined;
  /**
   * Set while this server leads. Figure 3's Leader Append-Only (§5.3): a leader never overwrites or deletes
   * entries in its log, so any truncation (a conflicting append, a snapshot restore) breaks an invariant.
   */
  appendOnly = false;

  constructor(
    readonly storage: LogStorage,
    applied = 0,
    /** The server this log belongs to, named in assertion messages. */
    private readonly owner = '',
  ) {
    this.offset = storage.lastIndex() + 1;
    const snapIndex = storage.firstIndex() - 1;
    // A commit index beyond the durable log is clamped, not asserted: the commit index is volatile (Figure 2),
    // and the record that carries it may reach the disk without entries it covers when a crash comes before the
    // sync that would have made both durable (the planted bug no-fsync makes that likely).
    this.committed = Math.max(Math.min(storage.initialState().hardState.commit, storage.lastIndex()), snapIndex);
    this.applied = Math.max(applied, snapIndex);
    if (this.applied > this.committed)
      broken('applied <= committed', { node: owner, applied: this.applied, commit: this.committed });
  }

  firstIndex(): number {
    if (this.unstableSnapshot) return this.unstableSnapshot.meta.index + 1;
    return this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstable.length > 0) return this.offset + this.unstable.length - 1;
    if (this.unstableSnapshot) return this.unstableSnapshot.meta.index;
    return this.storage.lastIndex();
  }

  /** Term of entry i, or undefined when it is compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === 0) return 0;
    if (this.unstable.length > 0 && i >= this.offset) {
      const e = this.unstable[i - this.offset];
      return e?.term;
    }
    if (this.unstableSnapshot) {
      if (i === this.unstableSnapshot.meta.index) return this.unstableSnapshot.meta.term;
      if (i < this.unstableSnapshot.meta.index) return undefined;
      return undefined;
    }
    if (i > this.storage.lastIndex()) return undefined;
    return this.storage.term(i);
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi), at most maxCount; undefined when lo is compacted (the leader then sends a snapshot). */
  slice(lo: number, hi: number, maxCount = Infinity): Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    hi = Math.min(hi, lo + maxCount, this.lastIndex() + 1);
    if (lo >= hi) return [];
    const out: Entry[] = [];
    const stableHi = Math.min(hi, this.offset);
    if (lo < stableHi) {
      try {
        for (const e of this.storage.entries(lo, stableHi)) out.push(e);
      } catch {
        return undefined;
      }
    }
    for (let i = Math.max(lo, this.offset); i < hi; i++) out.push(this.unstable[i - this.offset]);
    return out;
  }

  /** Appends entries that follow the current last index or replace a conflicting suffix. Returns the new last index. */
  append(entries: Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = entries[0].index;
    // Figure 3, State Machine Safety: a committed entry may have been applied, so it is never replaced.
    if (after - 1 < this.committed)
      broken('a committed entry is never overwritten', { node: this.owner, appendAt: after, commit: this.committed });
    if (this.appendOnly && after <= this.lastIndex())
      broken('a leader never truncates its own log (§5.3)', {
        node: this.owner,
        appendAt: after,
        lastIndex: this.lastIndex(),
      });
    this.truncateAndAppend(entries);
    return this.lastIndex();
  }

  private truncateAndAppend(entries: Entry[]): void {
    const after = entries[0].index;
    if (after === this.offset + this.unstable.length) {
      for (const e of entries) this.unstable.push(e);
    } else if (after <= this.offset) {
      // Replace from a point inside stable storage: everything unstable goes, and the runtime overwrites the
      // stable suffix when it persists these entries (same index = replace).
      this.offset = after;
      this.unstable = entries.slice();
    } else {
      this.unstable.length = after - this.offset;
      for (const e of entries) this.unstable.push(e);
    }
  }

  /**
   * Figure 2's AppendEntries receiver rules 2–4 (§5.3): if our entry at prevIndex has prevTerm, append the new
   * entries, deleting an existing entry and all that follow only when it conflicts (same index, different term):
   * a stale, reordered AppendEntries must never truncate entries we already have. Returns the last index the
   * message covers, or undefined when prevIndex/prevTerm does not match.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed)
        broken('a committed entry is never overwritten', {
          node: this.owner,
          conflictAt: conflict,
          commit: this.committed,
        });
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    // Rule 5: commit up to min(leaderCommit, index of last new entry).
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** First index where `entries` conflicts with or extends our log; 0 when we already have all of them. */
  private findConflict(entries: Entry[]): number {
    for (const e of entries) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * Fast backtracking (§5.3, end): the largest index <= index whose term is <= term. A follower answers a
   * mismatch with it, and the leader uses it to skip a whole term of divergent entries per round trip.
   */
  findConflictByTerm(index: number, term: number): number {
    for (let i = Math.min(index, this.lastIndex()); i >= 0; i--) {
      const t = this.term(i);
      if (t === undefined) return i; // compacted: the snapshot point is as far back as we can say
      if (t <= term) return i;
    }
    return 0;
  }

  commitTo(i: number): void {
    if (i > this.committed) {
      if (i > this.lastIndex())
        broken('commit <= last index', { node: this.owner, commit: i, lastIndex: this.lastIndex() });
      this.committed = i;
    }
  }

  /** Committed entries not yet handed out for applying. */
  nextEntries(max = Infinity): Entry[] {
    const lo = this.applied + 1;
    const hi = Math.min(this.committed + 1, lo + max);
    if (lo >= hi) return [];
    return this.slice(lo, hi) ?? [];
  }

  hasNextEntries(): boolean {
    return this.committed > this.applied;
  }

  appliedTo(i: number): void {
    // The runtime applies only what a Ready handed it, and a Ready hands out only committed entries.
    if (i > this.committed) broken('applied <= committed', { node: this.owner, applied: i, commit: this.committed });
    if (i > this.applied) this.applied = i;
  }

  /** The runtime persisted everything up to (index, term): drop it from unstable. */
  stableTo(index: number, term: number): void {
    if (this.unstable.length === 0 || index < this.offset) return;
    const e = this.unstable[index - this.offset];
    if (!e || e.term !== term) return; // overwritten meanwhile: keep the newer entries
    this.unstable = this.unstable.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapTo(index: number): void {
    if (this.unstableSnapshot && this.unstableSnapshot.meta.index === index) this.unstableSnapshot = undefined;
  }

  /** InstallSnapshot (§7): discard the whole log; the snapshot stands for everything up to its index. */
  restore(s: Snapshot): void {
    if (this.appendOnly)
      broken('a leader never truncates its own log (§5.3)', { node: this.owner, snapshotAt: s.meta.index });
    // The commit index never moves back: a snapshot older than it is answered, never installed (raft.ts).
    if (s.meta.index < this.committed)
      broken('the commit index never decreases', {
        node: this.owner,
        snapshotAt: s.meta.index,
        commit: this.committed,
      });
    this.committed = s.meta.index;
    this.unstable = [];
    this.offset = s.meta.index + 1;
    this.unstableSnapshot = s;
  }

  snapshot(): Snapshot | undefined {
    return this.unstableSnapshot ?? this.storage.snapshot();
  }
}

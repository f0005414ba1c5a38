// Configuration tracking for single-server membership changes (diss. §4.1): which voters each 'conf' entry of
// the log names, so that a server always uses the latest configuration in its log, committed or not, falls back
// to the one before when that entry is truncated, and can say which configuration was in force at any index (a
// snapshot taken there carries it). And the change itself: one voter added or removed. The entries carry whole
// voter sets (conf.ts), so tracking is a short list rather than etcd-raft's confchange/ arithmetic.
import { decodeConf } from './conf.js';
import { broken } from './invariant.js';
import type { RaftLog } from './log.js';
import type { ConfChange, Entry, NodeId } from './types.js';

interface ConfRecord {
  index: number;
  term: number;
  /** Sorted. */
  voters: NodeId[];
}

export class Configurations {
  /**
   * The configuration at the log's base: the snapshot's ConfState, or the initial peers when there is none,
   * with compacted configuration entries folded in. Invariant: in force at the base (so it is committed).
   */
  private base: NodeId[];
  /**
   * The 'conf' entries of the log after the base, oldest first. Invariant: each one's (index, term) is in the
   * log, and every 'conf' entry of the log after the base is here; a truncated entry leaves (and the
   * configuration falls back to the one before it).
   */
  private records: ConfRecord[] = [];

  constructor(base: readonly NodeId[]) {
    this.base = [...base].sort();
  }

  /** The configuration in force on this server (diss. §4.1). The same array until the configuration changes. */
  latest(): NodeId[] {
    return this.records.length > 0 ? this.records[this.records.length - 1].voters : this.base;
  }

  /** The configuration in force at log index `index` (index >= the log's base), a copy. */
  at(index: number): NodeId[] {
    return [...this.inForceAt(index)];
  }

  private inForceAt(index: number): NodeId[] {
    let out = this.base;
    for (const c of this.records) if (c.index <= index) out = c.voters;
    return out;
  }

  /** A configuration entry is in the log beyond `committed`. */
  pending(committed: number): boolean {
    return this.records.length > 0 && this.records[this.records.length - 1].index > committed;
  }

  /**
   * Brings the list up to date with `log` after a change to it: compacted entries fold into the base,
   * truncated ones leave, and the 'conf' entries among `ents` now in the log join. Returns whether the latest
   * configuration is another array now (a truncation may fall back to an equal one; compaction never changes it).
   */
  note(ents: Entry[], log: RaftLog): boolean {
    const prev = this.latest();
    const first = log.firstIndex();
    if (this.records.length > 0 && this.records[0].index < first) {
      // Compacted (hence committed) entries fold into the base, so the list stays as short as the log.
      this.base = this.inForceAt(first - 1);
      this.records = this.records.filter((c) => c.index >= first);
    }
    if (this.records.length > 0) this.records = this.records.filter((c) => log.term(c.index) === c.term);
    let added = false;
    for (const e of ents) {
      if (e.type !== 'conf' || log.term(e.index) !== e.term || this.records.some((c) => c.index === e.index)) continue;
      const d = decodeConf(e.data);
      if (!d) continue; // undecodable: ignored identically everywhere (a pure function of the entry)
      this.records.push({ index: e.index, term: e.term, voters: [...d.voters].sort() });
      added = true;
    }
    if (added) this.records.sort((a, b) => a.index - b.index);
    return this.latest() !== prev;
  }

  /**
   * Asserts that the latest configuration entry tracked is still in `log` (or compacted into its snapshot): a
   * change to the log that skipped note() would leave this server under a configuration its log no longer names.
   */
  assertIn(log: RaftLog, owner: string): void {
    const c = this.records.at(-1);
    if (c !== undefined && c.index >= log.firstIndex() && log.term(c.index) !== c.term)
      broken('the configuration in force is named by an entry of the log (diss. §4.1)', {
        node: owner,
        confIndex: c.index,
        confTerm: c.term,
        termInLog: log.term(c.index) ?? null,
      });
  }

  /** A snapshot replaced the log (§7): its ConfState is the configuration at the new base. */
  restore(peers: readonly NodeId[]): void {
    this.base = [...peers].sort();
    this.records = [];
  }
}

/** The voters after a single-server change (diss. §4.1), sorted; the caller checks that the change is one. */
export function changeVoters(voters: readonly NodeId[], change: ConfChange): NodeId[] {
  return change.op === 'add' ? [...voters, change.node].sort() : voters.filter((v) => v !== change.node);
}

// The Raft safety properties of Figure 3, checked incrementally for one group: Election Safety, Log Matching,
// Leader Completeness and State Machine Safety. The multi-group simulation keeps one per group.
import type { Entry, NodeId } from '../../system/raft/types.js';
import type { RaftLog } from '../../system/raft/log.js';
import { SafetyViolation } from './cluster.js';

export class GroupSafety {
  private leaderOfTerm = new Map<number, NodeId>();
  private entryAt = new Map<string, { data: string; prevTerm: number | undefined }>();
  /** index → entry applied by some member: applied implies committed. */
  readonly committed = new Map<number, { term: number; data: string }>();
  maxCommitted = 0;

  constructor(readonly group: string) {}

  /** Election Safety and Leader Completeness, when `node` becomes leader of `term`. */
  leader(node: NodeId, term: number, log: RaftLog): void {
    const prior = this.leaderOfTerm.get(term);
    if (prior !== undefined && prior !== node)
      throw new SafetyViolation(
        `group ${this.group}: Election Safety: ${prior} and ${node} both leaders in term ${term}`,
      );
    this.leaderOfTerm.set(term, node);
    if (log.lastIndex() < this.maxCommitted)
      throw new SafetyViolation(
        `group ${this.group}: Leader Completeness: ${node} (term ${term}) ` +
          `has log up to ${log.lastIndex()} but ${this.maxCommitted} is committed`,
      );
    for (const [i, e] of this.committed) {
      const t = log.term(i);
      if (t !== undefined && i >= log.firstIndex() && t !== e.term)
        throw new SafetyViolation(
          `group ${this.group}: Leader Completeness: ${node} (term ${term}) ` +
            `has term ${t} at committed index ${i} (term ${e.term})`,
        );
    }
  }

  /** Log Matching for entries `node` just persisted; `termAt` reads its log after the write. */
  persisted(node: NodeId, entries: Entry[], termAt: (i: number) => number | undefined): void {
    for (const e of entries) {
      const prevTerm = e.index > 1 ? termAt(e.index - 1) : 0;
      const key = `${e.index}:${e.term}`;
      const seen = this.entryAt.get(key);
      if (!seen) {
        this.entryAt.set(key, { data: e.data, prevTerm });
        continue;
      }
      if (seen.data !== e.data)
        throw new SafetyViolation(
          `group ${this.group}: Log Matching: two different entries at index ${e.index} term ${e.term} (${node})`,
        );
      if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
        throw new SafetyViolation(
          `group ${this.group}: Log Matching: entries at ${e.index} term ${e.term} ` +
            `follow different terms (${seen.prevTerm} vs ${prevTerm}) on ${node}`,
        );
      }
    }
  }

  /** State Machine Safety: no two members apply different entries at the same index. */
  applied(node: NodeId, e: Entry): void {
    const prior = this.committed.get(e.index);
    if (prior && (prior.term !== e.term || prior.data !== e.data)) {
      throw new SafetyViolation(
        `group ${this.group}: State Machine Safety: ` +
          `${node} applied ${JSON.stringify(e.data)} (term ${e.term}) at ${e.index}, ` +
          `another member applied ${JSON.stringify(prior.data)} (term ${prior.term})`,
      );
    }
    if (!prior) {
      this.committed.set(e.index, { term: e.term, data: e.data });
      if (e.index > this.maxCommitted) this.maxCommitted = e.index;
    }
  }
}

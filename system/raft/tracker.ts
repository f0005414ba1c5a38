// What this server knows of the group under the configuration in force: the voters, the Progress of each
// follower while it leads (diss. §3.5 nextIndex/matchIndex, with etcd-raft's flow control in progress.ts), the
// votes of its election, and what a quorum of the voters agrees on. etcd-raft's tracker/. Which configuration is
// in force is confchange.ts's business; raft.ts hands the result over in `voters`.
import { Progress } from './progress.js';
import type { NodeId } from './types.js';

export class ProgressTracker {
  /**
   * The voters, sorted: the latest configuration in the log, committed or not (diss. §4.1). Only they count
   * toward any quorum (votes, commitment, check quorum, ReadIndex confirmations).
   */
  voters: NodeId[];
  /**
   * The leader's Progress of each server it replicates to. Invariant (leader): holds every voter and this
   * server (a removed leader still tracks its own log), and, while the entry that removed them is uncommitted,
   * the servers being removed. Insertion order is the order appends go out in.
   */
  readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();

  constructor(
    voters: NodeId[],
    private readonly maxInflight: number,
  ) {
    this.voters = voters;
  }

  /** A majority of the voters. */
  quorum(): number {
    return Math.floor(this.voters.length / 2) + 1;
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  /** The voters among `ids` form a quorum. */
  hasQuorum(ids: ReadonlySet<NodeId>): boolean {
    let n = 0;
    for (const id of ids) if (this.isVoter(id)) n++;
    return n >= this.quorum();
  }

  // ---- elections (§5.2) ----

  resetVotes(): void {
    this.votes.clear();
  }

  /** The first answer of each server counts (a duplicated or reordered answer changes nothing). */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** Only the votes of the current configuration's voters count (diss. §4.1). */
  tallyVotes(): 'won' | 'lost' | 'pending' {
    let yes = 0,
      no = 0;
    for (const [id, g] of this.votes) if (this.isVoter(id)) g ? yes++ : no++;
    if (yes >= this.quorum()) return 'won';
    if (no >= this.quorum()) return 'lost';
    return 'pending';
  }

  // ---- the leader's view ----

  /**
   * The highest index stored on a quorum of the voters (§5.3), by their match indexes; whether it may be
   * committed is the caller's rule (§5.4.2). A removed leader's own log does not count.
   */
  committed(): number {
    const matches = this.voters.map((p) => this.progress.get(p)?.match ?? 0).sort((a, b) => b - a);
    return matches[this.quorum() - 1];
  }

  /**
   * Check quorum (diss. §6.2): whether a quorum of the voters, `self` counted, was heard from since the last call;
   * every server then starts the next round unheard.
   */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const p of this.voters) if (p === self || this.progress.get(p)?.recentActive) active++;
    for (const pr of this.progress.values()) pr.recentActive = false;
    return active >= this.quorum();
  }

  /** A new leader: everyone in `members` probes from the end of its log; `self` already matches all of it. */
  resetProgress(members: Iterable<NodeId>, self: NodeId, last: number): void {
    this.progress.clear();
    for (const p of members) {
      const pr = new Progress(last + 1, this.maxInflight);
      if (p === self) {
        pr.match = last;
        pr.becomeReplicate();
      }
      this.progress.set(p, pr);
    }
  }

  /** A voter the leader does not track yet (a server just added) starts probing at the end of the log. */
  trackVoters(last: number): void {
    for (const v of this.voters)
      if (!this.progress.has(v)) this.progress.set(v, new Progress(last + 1, this.maxInflight));
  }

  /** Forgets every server that is no longer a voter, except `self`. */
  forgetNonVoters(self: NodeId): void {
    for (const id of [...this.progress.keys()]) if (id !== self && !this.isVoter(id)) this.progress.delete(id);
  }
}

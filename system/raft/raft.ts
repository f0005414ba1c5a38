// The Raft core: a pure state machine in the shape of etcd-io/raft. tick() and step(message) go in; Ready
// batches come out. No timers, no I/O, no clock: every timeout is counted in ticks, and randomness comes from
// the config (seeded in the simulation). This file is the protocol; beside it, as in etcd-raft, the log
// (log.ts), ReadIndex bookkeeping (read-only.ts), the voters with each follower's progress (tracker.ts,
// progress.ts) and configuration tracking (confchange.ts, conf.ts).
//
// Citations: "§" alone is the extended Raft paper (Ongaro & Ousterhout, "In Search of an Understandable
// Consensus Algorithm (Extended Version)", 2014), its figures are "Figure N"; "diss. §" is Ongaro's
// dissertation ("Consensus: Bridging Theory and Practice", Stanford, 2014).
//
// Invariants are asserted where they can break (invariant.ts): a broken one throws an InvariantError naming it.
// Planted bugs that break one on purpose skip that assertion, so that the harness finds the bug from the
// outside, as it must find a real one; each skip says so where it is.
import { changeVoters, Configurations } from './confchange.js';
import { encodeConf, sameVoters } from './conf.js';
import { broken } from './invariant.js';
import { RaftLog } from './log.js';
import { ReadOnly } from './read-only.js';
import { ProgressTracker } from './tracker.js';
import type {
  ConfChange,
  ConfChangeResult,
  Entry,
  HardState,
  Message,
  MessageType,
  NodeId,
  RaftConfig,
  RaftCore,
  RaftStatus,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SoftState,
} from './types.js';

export class Raft implements RaftCore {
  readonly id: NodeId;
  term = 0;
  vote: NodeId | null = null;
  role: Role = 'follower';
  leader: NodeId | null = null;
  readonly log: RaftLog;
  /** The configurations the log names (diss. §4.1). */
  private readonly configs: Configurations;
  /**
   * The voters, the leader's view of each follower, the votes of an election. Invariant: `tracker.voters` is
   * `configs.latest()` (the very array) after every change to the log (append, truncation, snapshot restore).
   */
  private readonly tracker: ProgressTracker;
  /** Servers whose messages we accept: the universe (placement replicas) plus anyone a configuration named. */
  private readonly known: Set<NodeId>;
  private readonly cfg: Required<Omit<RaftConfig, 'applied' | 'bugs'>> & { bugs: ReadonlySet<string> };
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedTimeout = 0;
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  /** ReadIndex requests (diss. §6.4) this leader has not confirmed yet. */
  private readonly readOnly = new ReadOnly();
  /** Entries were proposed since the last Ready; their appends go out with the next one. */
  private appendDue = false;
  /**
   * The vote cast last, and its term: from stable storage at start, so "one vote per term" (Figure 2's
   * votedFor, §5.2) is checked across restarts, then each vote this core casts.
   */
  private votedTerm: number;
  private votedFor: NodeId | null;
  /**
   * While leader: its commit index when elected, and the index of its no-op (its term's first entry). By the
   * Figure 8 rule (§5.4.2), once the commit index moves past the former, it is at the latter or beyond.
   */
  private electedCommit = 0;
  private termStart = 0;
  private prevHard: HardState;
  private prevSoft: SoftState;
  /**
   * Quiesced (CockroachDB's idle-range quiescence): no ticks, no heartbeats. Only a timing matter: every safety
   * argument of the paper is about messages and persistent state, never about when ticks happen.
   */
  private isQuiesced = false;
  /** Leadership transfer under way (diss. §3.10): the target, and ticks since it started. */
  private leadTransferee: NodeId | null = null;
  private transferElapsed = 0;

  constructor(config: RaftConfig) {
    this.cfg = {
      maxEntriesPerMsg: 64,
      maxInflight: 256,
      ...config,
      bugs: config.bugs ?? new Set(),
    } as Raft['cfg'];
    this.id = config.id;
    this.log = new RaftLog(config.storage, config.applied ?? 0, config.id);
    const { hardState, peers } = config.storage.initialState();
    this.configs = new Configurations(peers);
    this.tracker = new ProgressTracker(this.configs.latest(), this.cfg.maxInflight);
    this.known = new Set([...(config.universe ?? []), ...peers]);
    // Recovery: configuration entries are ordinary logged entries, so the log after the snapshot rebuilds it.
    const first = this.log.firstIndex(),
      last = this.log.lastIndex();
    if (last >= first) this.noteConfs(this.log.slice(first, last + 1) ?? []);
    this.term = hardState.term;
    // Planted bug "vote-twice": the vote is not taken from stable storage, so a restarted node may vote again
    // in a term where it already voted (violates §5.2 / Figure 2 "persistent state").
    this.vote = this.cfg.bugs.has('vote-twice') ? null : hardState.vote;
    this.votedTerm = hardState.term;
    this.votedFor = hardState.vote;
    if (hardState.commit > this.log.committed) this.log.commitTo(Math.min(hardState.commit, this.log.lastIndex()));
    this.becomeFollower(this.term, null);
    this.prevHard = this.hardState();
    this.prevSoft = { role: this.role, leader: this.leader };
  }

  // ---- public API (RaftCore) ----

  tick(): void {
    if (this.isQuiesced) return;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
    this.assertInvariants();
  }

  get quiesced(): boolean {
    return this.isQuiesced;
  }

  /** The voters, sorted: the latest configuration in the log, committed or not (diss. §4.1). */
  get peers(): NodeId[] {
    return this.tracker.voters;
  }

  heartbeat(): void {
    if (this.role !== 'leader' || this.isQuiesced) return;
    this.heartbeatElapsed = 0;
    this.bcastHeartbeat(this.readOnly.lastCtx());
  }

  /**
   * A leader whose group is idle stops heartbeating: nothing is uncommitted, unapplied, unreplicated or waiting
   * (reads, a transfer). Its followers quiesce on the flagged heartbeat if they hold the whole log; the host
   * then stands in for the heartbeats with one node-level heartbeat per node pair, and wakes the group when a
   * member's node falls silent, so failure detection keeps its timing.
   */
  quiesce(): boolean {
    if (this.role !== 'leader' || this.isQuiesced) return false;
    const last = this.log.lastIndex();
    if (
      this.log.unstable.length > 0 ||
      this.log.committed !== last ||
      this.log.applied !== last ||
      !this.committedInTerm()
    )
      return false;
    if (!this.readOnly.idle() || this.leadTransferee !== null) return false;
    // Never while a configuration change is uncommitted (implied by committed === last; said for the reader).
    if (this.confPending()) return false;
    for (const [id, pr] of this.tracker.progress) if (id !== this.id && pr.match !== last) return false;
    for (const p of this.tracker.voters) {
      if (p !== this.id) this.send({ type: 'Heartbeat', to: p, term: this.term, commit: last, quiesce: true });
    }
    this.isQuiesced = true;
    return true;
  }

  wake(elapsed = 0): void {
    if (!this.isQuiesced) return;
    this.isQuiesced = false;
    if (this.role === 'leader') {
      // The followers were silent on purpose: give them a full election timeout to answer before check quorum
      // counts them, and heartbeat at the next tick.
      for (const pr of this.tracker.progress.values()) pr.recentActive = true;
      this.electionElapsed = 0;
      this.heartbeatElapsed = this.cfg.heartbeatTick;
    } else {
      this.electionElapsed = Math.max(this.electionElapsed, elapsed);
    }
  }

  /**
   * Diss. §3.10: the leader brings the target's log up to date, then sends it TimeoutNow, which makes it
   * campaign at once (skipping pre-vote and the voters' leader stickiness). New proposals are refused meanwhile,
   * and the transfer is abandoned after an election timeout if the target never takes over.
   */
  transferLeadership(to: NodeId): boolean {
    const pr = this.tracker.progress.get(to);
    if (this.role !== 'leader' || to === this.id || !pr || !this.tracker.isVoter(to)) return false;
    this.wake();
    this.leadTransferee = to;
    this.transferElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.send({ type: 'TimeoutNow', to, term: this.term });
    else this.sendAppend(to);
    return true;
  }

  propose(data: string): boolean {
    if (this.role !== 'leader' || this.leadTransferee !== null) return false;
    this.wake();
    this.appendEntries([{ term: this.term, index: 0, type: 'normal', data }]);
    // The appends leave when the runtime next takes a Ready: proposals made between two Readies share one
    // App per follower instead of one each (and one answer each), as a batch of MsgProp does in etcd-raft.
    this.appendDue = true;
    return true;
  }

  /**
   * Single-server membership change (diss. §4.1). The leader accepts one only when (1) no configuration entry
   * is uncommitted: two changes in flight could each be decided by a different majority (the reason for
   * changing one server at a time fails once the older change is not yet in force everywhere), and (2) it has
   * committed an entry of its own term: the fix to the bug Ongaro reported on raft-dev in July 2015, where a new
   * leader's change could race an uncommitted change of a previous term and lose a committed entry. The new
   * configuration is in force on each server as soon as the entry is in its log (not when committed).
   * Planted bug "conf-concurrent" drops check (1).
   */
  proposeConfChange(change: ConfChange, ctx?: string): ConfChangeResult {
    if (this.role !== 'leader' || this.leadTransferee !== null) return { ok: false, reason: 'not-leader' };
    if (!this.known.has(change.node)) return { ok: false, reason: 'unknown-node' };
    const has = this.tracker.isVoter(change.node);
    if ((change.op === 'add') === has) return { ok: false, reason: this.confPending() ? 'pending' : 'unchanged' };
    // No assertion backs check (1): a correct new leader may hold two configuration entries beyond its own
    // commit index (a predecessor committed the older one, and the news has not reached it), so what (1) keeps
    // is a property of the group's history, not of one server's state. With the check planted away, the
    // simulation's concurrentChanges and the harness's membership:split-minority catch it from the outside.
    if ((this.confPending() && !this.cfg.bugs.has('conf-concurrent')) || !this.committedInTerm())
      return { ok: false, reason: 'pending' };
    const voters = changeVoters(this.tracker.voters, change);
    if (voters.length === 0) return { ok: false, reason: 'empty' };
    this.wake();
    this.appendEntries([{ term: this.term, index: 0, type: 'conf', data: encodeConf({ voters, ctx }) }]);
    this.bcastAppend();
    return { ok: true, index: this.log.lastIndex(), voters };
  }

  configAt(index: number): NodeId[] {
    return this.configs.at(index);
  }

  /** A configuration entry is in the log beyond the commit index. */
  confPending(): boolean {
    return this.configs.pending(this.log.committed);
  }

  /** Diss. §6.4 ReadIndex: record the commit index, confirm leadership with a heartbeat round, then serve. */
  readIndex(ctx: string): boolean {
    if (this.role !== 'leader') return false;
    this.wake();
    if (this.tracker.quorum() === 1 && this.tracker.isVoter(this.id)) {
      if (this.committedInTerm()) this.readStates.push({ index: this.log.committed, ctx });
      else this.readOnly.defer(ctx);
      return true;
    }
    if (!this.committedInTerm()) {
      // Step 1: until the leader commits an entry of its own term (its no-op), it may not know the latest commit.
      this.readOnly.defer(ctx);
      return true;
    }
    this.startRead(ctx);
    return true;
  }

  step(m: Message): void {
    this.stepMessage(m);
    this.assertInvariants();
  }

  private stepMessage(m: Message): void {
    if (m.to !== this.id) return;
    // Not the voters: a server accepts messages from servers outside its latest configuration (diss. §4.1: a
    // new server learns it is a member from the leader's appends; a lagging voter may not know the leader).
    if (!this.known.has(m.from)) return;
    // Any traffic wakes a quiesced member, except the exchange that quiesces it: the flagged heartbeat and
    // its answer. The election timer resumes where it froze, so a woken follower's leader stickiness holds.
    // Nor does a server outside our configuration asking for votes: a removed server that never learned of its
    // removal campaigns forever (diss. §4.2.3), and must not keep an idle group awake.
    const outsider = (m.type === 'PreVote' || m.type === 'Vote') && !this.tracker.isVoter(m.from);
    if (this.isQuiesced && !m.quiesce && !outsider) this.wake();
    // ---- term handling (§5.1: a larger term makes us a follower; a smaller term is stale) ----
    if (m.term > this.term) {
      if (m.type === 'Vote' || m.type === 'PreVote') {
        // Leader stickiness (diss. §4.2.3): a server that heard from a current leader within the minimum
        // election timeout ignores vote requests, so a partitioned server rejoining cannot depose a healthy leader.
        // A vote forced by the leader's own TimeoutNow (diss. §3.10) is exempt.
        const inLease =
          this.cfg.checkQuorum && this.leader !== null && this.electionElapsed < this.cfg.electionTick && !m.transfer;
        if (inLease) return;
      }
      if (m.type === 'PreVote') {
        // A pre-vote never changes our term (diss. §9.6).
      } else if (m.type === 'PreVoteResp' && !m.reject) {
        // A granted pre-vote carries the future term; we adopt it only by actually campaigning.
      } else {
        const leader = m.type === 'App' || m.type === 'Heartbeat' || m.type === 'Snap' ? m.from : null;
        this.becomeFollower(m.term, leader);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'Heartbeat' || m.type === 'App')) {
        // A stale leader (e.g. one isolated then healed) learns the new term from this answer and steps down;
        // otherwise, with pre-vote, it could keep disrupting nobody and never find out (etcd-raft's rule).
        this.send({ type: 'AppResp', to: m.from, term: this.term });
      } else if (m.type === 'PreVote') {
        this.send({ type: 'PreVoteResp', to: m.from, term: this.term, reject: true });
      }
      return;
    }

    switch (m.type) {
      case 'PreVote':
      case 'Vote':
        this.handleVoteRequest(m);
        return;
      default:
        break;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        this.maybeStepDownRemoved();
        break;
      case 'candidate':
      case 'pre-candidate':
        this.stepCandidate(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
    }
  }

  hasReady(): boolean {
    return (
      this.appendDue ||
      this.readOnly.roundOwed() ||
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.unstable.length > 0 ||
      this.log.unstableSnapshot !== undefined ||
      this.log.hasNextEntries() ||
      !sameHard(this.hardState(), this.prevHard) ||
      this.role !== this.prevSoft.role ||
      this.leader !== this.prevSoft.leader
    );
  }

  ready(): Ready {
    if (this.appendDue) {
      this.appendDue = false;
      if (this.role === 'leader') this.bcastPending();
    }
    if (this.readOnly.takeRoundDue() && this.role === 'leader') {
      const ctx = this.readOnly.lastCtx();
      if (ctx !== undefined) this.bcastHeartbeat(ctx);
    }
    this.assertInvariants();
    const hs = this.hardState();
    // Figure 2: currentTerm only grows, and so does what the runtime persists of it.
    if (hs.term < this.prevHard.term)
      broken('term never decreases', { node: this.id, term: hs.term, persisted: this.prevHard.term });
    const rd: Ready = {
      entries: this.log.unstable.slice(),
      messages: this.msgs,
      committedEntries: this.log.nextEntries(),
      readStates: this.readStates,
    };
    if (!sameHard(hs, this.prevHard)) rd.hardState = hs;
    if (this.role !== this.prevSoft.role || this.leader !== this.prevSoft.leader)
      rd.softState = { role: this.role, leader: this.leader };
    if (this.log.unstableSnapshot) rd.snapshot = this.log.unstableSnapshot;
    this.msgs = [];
    this.readStates = [];
    return rd;
  }

  advance(rd: Ready): void {
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.softState) this.prevSoft = rd.softState;
    if (rd.snapshot) {
      this.log.stableSnapTo(rd.snapshot.meta.index);
      this.log.appliedTo(rd.snapshot.meta.index);
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      this.log.stableTo(last.index, last.term);
    }
    if (rd.committedEntries.length > 0) this.log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1].index);
  }

  status(): RaftStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.firstIndex() - 1,
      peers: [...this.peers],
      confPending: this.confPending(),
      quiesced: this.isQuiesced,
      transferee: this.leadTransferee,
    };
  }

  /** Progress of each follower, for tests and /status. */
  progress(): Map<NodeId, { match: number; next: number; state: string }> {
    return new Map([...this.tracker.progress].map(([id, p]) => [id, { match: p.match, next: p.next, state: p.state }]));
  }

  /**
   * Campaign now, skipping pre-vote: what a TimeoutNow from the leader triggers in a leadership transfer
   * (diss. §3.10); the simulation uses it to stage exact interleavings such as Figure 8.
   */
  forceCampaign(transfer = false): void {
    if (this.role === 'leader' || !this.tracker.isVoter(this.id)) return;
    this.becomeCandidate();
    this.requestVotes('Vote', this.term, transfer);
  }

  // ---- roles ----

  private becomeFollower(term: number, leader: NodeId | null): void {
    // §5.1: a server adopts a larger term, never a smaller one.
    if (term < this.term) broken('term never decreases', { node: this.id, term: this.term, to: term });
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.role = 'follower';
    this.log.appendOnly = false;
    this.leader = leader;
    this.resetTimers();
    this.abortReads();
  }

  /** Every change of role or term ends quiescence and any transfer in progress. */
  private resetIdle(): void {
    this.isQuiesced = false;
    this.leadTransferee = null;
  }

  private becomePreCandidate(): void {
    // Diss. §9.6: ask first whether we could win, without bumping the term, so a server that was partitioned
    // away cannot force the cluster into a new term when it comes back.
    this.role = 'pre-candidate';
    this.log.appendOnly = false;
    this.leader = null;
    this.tracker.resetVotes();
    this.resetTimers();
  }

  private becomeCandidate(): void {
    // §5.2: increment the term, vote for ourselves, ask everyone else.
    this.term += 1;
    this.castVote(this.id);
    this.role = 'candidate';
    this.log.appendOnly = false;
    this.leader = null;
    this.tracker.resetVotes();
    this.resetTimers();
    this.abortReads();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    // Figure 3, Leader Append-Only (§5.3): from now on this server's log only grows.
    this.log.appendOnly = true;
    this.leader = this.id;
    this.resetTimers();
    const last = this.log.lastIndex();
    this.tracker.resetProgress(new Set([...this.tracker.voters, this.id]), this.id, last);
    this.electedCommit = this.log.committed;
    this.termStart = last + 1;
    // §8 / diss. §6.4: a new leader commits a no-op entry of its term, which also commits (by the Figure 8
    // rule) everything before it and lets it answer ReadIndex requests.
    this.appendEntries([{ term: this.term, index: 0, type: 'noop', data: '' }]);
    this.bcastAppend();
  }

  private resetTimers(): void {
    this.resetIdle();
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    // §5.2: randomized election timeouts in [e, 2e) make split votes rare.
    this.randomizedTimeout = this.cfg.electionTick + Math.floor(this.cfg.random() * this.cfg.electionTick);
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedTimeout && this.tracker.isVoter(this.id)) {
      this.electionElapsed = 0;
      this.campaign();
    }
  }

  private tickLeader(): void {
    if (this.maybeStepDownRemoved()) return;
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.leadTransferee !== null && ++this.transferElapsed >= this.cfg.electionTick) {
      // The target did not take over within an election timeout: resume serving (diss. §3.10).
      this.leadTransferee = null;
    }
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      // Check quorum (diss. §6.2): a leader that has not heard from a majority in an election timeout steps
      // down, so clients stop talking to a leader that cannot commit, and its lease-based stickiness ends.
      // Counted over the voters only: a leader removed from the configuration does not count itself.
      if (this.cfg.checkQuorum && !this.tracker.quorumActive(this.id)) {
        this.becomeFollower(this.term, null);
        return;
      }
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick && !this.cfg.hostHeartbeats) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastCtx());
    }
  }

  private campaign(): void {
    // With pre-vote, every election timeout starts with a pre-vote, also for a pre-candidate whose last round
    // got no answer: going straight to a real campaign would let an isolated server inflate its term and
    // depose a healthy leader when it rejoins (diss. §9.6).
    if (this.cfg.preVote) {
      this.becomePreCandidate();
      this.requestVotes('PreVote', this.term + 1);
    } else {
      this.becomeCandidate();
      this.requestVotes('Vote', this.term);
    }
  }

  private requestVotes(type: 'PreVote' | 'Vote', term: number, transfer = false): void {
    this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes() === 'won') {
      if (type === 'PreVote') this.campaignForReal();
      else this.becomeLeader();
      return;
    }
    for (const p of this.tracker.voters) {
      if (p === this.id) continue;
      this.send({
        type,
        to: p,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        ...(transfer ? { transfer: true } : {}),
      });
    }
  }

  private campaignForReal(): void {
    this.becomeCandidate();
    this.requestVotes('Vote', this.term);
  }

  /**
   * Figure 2 and §5.2: a server votes for at most one candidate per term, and its vote survives a restart.
   * Planted bug "vote-twice" breaks this on purpose (the vote is not read back after a restart), so the
   * assertion stands aside under it: the simulation's Election Safety check (two leaders of one term) and, end
   * to end, the harness's checkers are what must catch it.
   */
  private castVote(to: NodeId): void {
    if (
      this.votedTerm === this.term &&
      this.votedFor !== null &&
      this.votedFor !== to &&
      !this.cfg.bugs.has('vote-twice')
    )
      broken('one vote per term', { node: this.id, term: this.term, votedFor: this.votedFor, now: to });
    this.vote = to;
    this.votedTerm = this.term;
    this.votedFor = to;
  }

  // ---- message handling ----

  private handleVoteRequest(m: Message): void {
    const pre = m.type === 'PreVote';
    // §5.2: one vote per term, first come first served; a pre-vote for a future term binds nothing.
    const canVote = this.vote === m.from || (this.vote === null && this.leader === null) || (pre && m.term > this.term);
    // §5.4.1 election restriction: only for a candidate whose log is at least as up-to-date as ours.
    if (canVote && this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0)) {
      this.send({ type: pre ? 'PreVoteResp' : 'VoteResp', to: m.from, term: m.term });
      if (!pre) {
        this.electionElapsed = 0;
        this.castVote(m.from);
      }
    } else {
      this.send({ type: pre ? 'PreVoteResp' : 'VoteResp', to: m.from, term: this.term, reject: true });
    }
  }

  private stepCandidate(m: Message): void {
    const myResp: MessageType = this.role === 'pre-candidate' ? 'PreVoteResp' : 'VoteResp';
    switch (m.type) {
      case 'App':
      case 'Heartbeat':
      case 'Snap':
        // §5.2: a candidate that hears from a legitimate leader of its term returns to follower.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      default:
        if (m.type !== myResp) return;
        this.tracker.recordVote(m.from, !m.reject);
        switch (this.tracker.tallyVotes()) {
          case 'won':
            if (this.role === 'pre-candidate') this.campaignForReal();
            else this.becomeLeader();
            break;
          case 'lost':
            this.becomeFollower(this.term, null);
            break;
          case 'pending':
            break;
        }
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'App':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleAppend(m);
        break;
      case 'Heartbeat':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.log.commitTo(Math.min(m.commit ?? 0, this.log.lastIndex()));
        if (m.quiesce) {
          // Quiesce only holding everything the leader has: otherwise stay awake, and the answer below (not
          // flagged) wakes the leader, which then brings this follower up to date.
          const whole = m.commit === this.log.lastIndex() && this.log.lastTerm() === this.term;
          if (whole) this.isQuiesced = true;
          this.send({ type: 'HeartbeatResp', to: m.from, term: this.term, ...(whole ? { quiesce: true } : {}) });
          break;
        }
        this.send({ type: 'HeartbeatResp', to: m.from, term: this.term, context: m.context });
        break;
      case 'Snap':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleSnapshot(m);
        break;
      case 'TimeoutNow':
        this.forceCampaign(true);
        break;
      default:
        break;
    }
  }

  private handleAppend(m: Message): void {
    const prevIndex = m.index ?? 0;
    if (prevIndex < this.log.committed) {
      // Already have (and committed) everything up to our commit index: tell the leader where we are.
      this.send({ type: 'AppResp', to: m.from, term: this.term, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(prevIndex, m.logTerm ?? 0, m.commit ?? 0, m.entries ?? []);
    if (lastNew !== undefined) {
      this.noteConfs(m.entries ?? []);
      this.send({ type: 'AppResp', to: m.from, term: this.term, index: lastNew });
      return;
    }
    // §5.3 consistency check failed. Fast backtracking: point the leader at the last entry that could match.
    const hintIndex = Math.min(prevIndex, this.log.lastIndex());
    const hint = this.log.findConflictByTerm(hintIndex, m.logTerm ?? 0);
    this.send({
      type: 'AppResp',
      to: m.from,
      term: this.term,
      index: prevIndex,
      reject: true,
      rejectHint: hint,
      rejectTerm: this.log.term(hint) ?? 0,
    });
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot!;
    const idx = s.meta.index;
    if (idx <= this.log.committed) {
      this.send({ type: 'AppResp', to: m.from, term: this.term, index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(idx, s.meta.term)) {
      // We already have the entry the snapshot ends with: keep our log, just fast-forward the commit index.
      this.log.commitTo(idx);
    } else {
      // §7 (Figure 13) InstallSnapshot receiver: discard the entire log and reset from the snapshot.
      this.log.restore(s);
      this.configs.restore(s.meta.peers);
      this.applyConfig();
    }
    this.send({ type: 'AppResp', to: m.from, term: this.term, index: this.log.lastIndex() });
  }

  private stepLeader(m: Message): void {
    const pr = this.tracker.progress.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case 'AppResp': {
        pr.recentActive = true;
        if (m.index === undefined) return; // a stale-term answer carrying only the term (handled above)
        if (m.reject) {
          let hint = m.rejectHint ?? 0;
          if ((m.rejectTerm ?? 0) > 0) hint = this.log.findConflictByTerm(hint, m.rejectTerm!);
          if (pr.maybeDecrTo(m.index, hint)) {
            if (pr.state === 'replicate') pr.becomeProbe();
            this.sendAppend(m.from);
          }
          return;
        }
        const wasPaused = pr.isPaused();
        const updated = pr.maybeUpdate(m.index);
        // A follower that holds everything up to the snapshot we sent is out of snapshot state, whether or not
        // this answer moved its match (it may have had those entries already).
        if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeProbe();
        if (updated) {
          if (m.from === this.leadTransferee && pr.match === this.log.lastIndex())
            this.send({ type: 'TimeoutNow', to: m.from, term: this.term });
          if (pr.state === 'probe') pr.becomeReplicate();
          else if (pr.state === 'replicate') pr.freeInflightTo(m.index);
          // A commit advance goes out with the next append, or with the next heartbeat (commit is in both), not
          // in an empty append of its own: with many small groups those doubled the messages per write. Only
          // followers' state machines wait for it; the leader answers clients when it applies.
          if (this.maybeCommit()) this.bcastPending();
          else if (wasPaused) this.sendAppend(m.from);
          // Keep the pipe full while there is more to send.
          while (!pr.isPaused() && pr.next <= this.log.lastIndex()) if (!this.sendAppend(m.from)) break;
        } else if (pr.state === 'replicate') {
          pr.freeInflightTo(m.index);
        } else if (pr.state === 'probe' && wasPaused && !pr.isPaused()) {
          this.sendAppend(m.from);
        }
        return;
      }
      case 'HeartbeatResp': {
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === 'replicate') pr.freeInflightTo(pr.match);
        // A snapshot message can be lost, or answered with nothing new; the follower is alive, so probe again
        // (resending the snapshot only if it still needs it) rather than waiting forever.
        if (pr.state === 'snapshot') pr.becomeProbe();
        if (pr.match < this.log.lastIndex() || pr.state === 'probe') this.sendAppend(m.from);
        if (m.context !== undefined) this.ackRead(m.from, m.context);
        return;
      }
      default:
        return;
    }
  }

  // ---- replication ----

  private appendEntries(ents: Entry[]): void {
    let last = this.log.lastIndex();
    for (const e of ents) {
      e.term = this.term;
      e.index = ++last;
    }
    this.log.append(ents);
    this.noteConfs(ents);
    const me = this.tracker.progress.get(this.id)!;
    me.maybeUpdate(this.log.lastIndex());
    // A single-member group commits at once.
    this.maybeCommit();
  }

  /**
   * §5.3/§5.4.2 (Figure 8): the leader commits the highest index stored on a majority, but only if that entry is
   * from its current term; earlier-term entries are committed indirectly. Planted bug "old-term-commit" drops
   * the term check, which the figure8 scenario turns into a State Machine Safety violation.
   */
  private maybeCommit(): boolean {
    // Over the voters of the latest configuration only (diss. §4.1); a removed leader does not count itself.
    const mci = this.tracker.committed();
    if (mci <= this.log.committed) return false;
    if (!this.cfg.bugs.has('old-term-commit') && this.log.term(mci) !== this.term) return false;
    this.log.commitTo(mci);
    this.forgetRemoved();
    if (this.readOnly.hasDeferred() && this.committedInTerm()) {
      for (const ctx of this.readOnly.takeDeferred()) {
        if (this.tracker.quorum() === 1 && this.tracker.isVoter(this.id))
          this.readStates.push({ index: this.log.committed, ctx });
        else this.startRead(ctx);
      }
    }
    return true;
  }

  private committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private bcastAppend(): void {
    for (const p of this.tracker.progress.keys()) if (p !== this.id) this.sendAppend(p);
  }

  /** Appends to the followers that have entries waiting (not an empty append to anyone). */
  private bcastPending(): void {
    const last = this.log.lastIndex();
    for (const [p, pr] of this.tracker.progress) if (p !== this.id && pr.next <= last) this.sendAppend(p);
  }

  /** Sends the next batch to `to` if flow control allows; returns whether something was sent. */
  private sendAppend(to: NodeId): boolean {
    const pr = this.tracker.progress.get(to)!;
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    let ents =
      prevTerm === undefined ? undefined : this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.maxEntriesPerMsg);
    if (ents && this.cfg.maxBytesPerMsg !== undefined) ents = limitBytes(ents, this.cfg.maxBytesPerMsg);
    if (prevTerm === undefined || ents === undefined) {
      // §7: the entries the follower needs were compacted; send the snapshot instead.
      const snap: Snapshot | undefined = this.log.snapshot();
      if (!snap || !pr.recentActive) return false;
      this.send({ type: 'Snap', to, term: this.term, snapshot: snap });
      pr.becomeSnapshot(snap.meta.index);
      return true;
    }
    this.send({
      type: 'App',
      to,
      term: this.term,
      index: prevIndex,
      logTerm: prevTerm,
      entries: ents,
      commit: this.log.committed,
    });
    pr.sentEntries(ents.length > 0 ? ents[ents.length - 1].index : prevIndex, ents.length);
    return true;
  }

  private bcastHeartbeat(ctx: string | undefined): void {
    for (const [p, pr] of this.tracker.progress) {
      if (p === this.id) continue;
      // Never tell a follower to commit beyond what it is known to hold.
      this.send({
        type: 'Heartbeat',
        to: p,
        term: this.term,
        commit: Math.min(pr.match, this.log.committed),
        context: ctx,
      });
    }
  }

  // ---- ReadIndex (diss. §6.4) ----

  private startRead(ctx: string): void {
    // Planted bug "read-no-heartbeat": serve at the commit index without the heartbeat round (diss. §6.4 step
    // 3 skipped), so a deposed leader that has not noticed yet answers from a state the new leader moved past.
    // It breaks no invariant this server can see (it does not know it was deposed), so no assertion stands aside.
    if (this.cfg.bugs.has('read-no-heartbeat')) {
      this.readStates.push({ index: this.log.committed, ctx });
      return;
    }
    // The round goes out when the runtime next takes a Ready, carrying the newest context.
    this.readOnly.add(ctx, this.log.committed, this.id);
  }

  private ackRead(from: NodeId, ctx: string): void {
    const acks = this.readOnly.recvAck(from, ctx);
    // A quorum confirmed we were still leader after this read (and every earlier one) was registered.
    if (acks !== undefined && this.tracker.hasQuorum(acks))
      for (const r of this.readOnly.advance(ctx)) this.readStates.push(r);
  }

  private abortReads(): void {
    // Reads waiting on a leadership we no longer hold are dropped; the runtime times them out and the client
    // retries elsewhere.
    this.readOnly.reset();
  }

  // ---- membership (diss. §4) ----

  /** Records the 'conf' entries among `ents` that are now in the log, drops truncated ones, applies the latest. */
  private noteConfs(ents: Entry[]): void {
    if (this.configs.note(ents, this.log)) this.applyConfig();
  }

  /**
   * Puts the latest configuration in force: the voters, and on a leader the Progress of each voter (a new one
   * starts probing at the end of the log; a removed one is forgotten once its removal commits). A change cancels a
   * leadership transfer (its target may no longer be a voter, and the transfer's checks were made under the
   * old configuration).
   */
  private applyConfig(): void {
    const voters = this.configs.latest();
    const same = sameVoters(voters, this.tracker.voters);
    this.tracker.voters = voters;
    if (same) return;
    for (const v of voters) this.known.add(v);
    if (this.role !== 'leader') return;
    this.leadTransferee = null;
    this.tracker.trackVoters(this.log.lastIndex());
    this.forgetRemoved();
  }

  /**
   * A server being removed keeps receiving appends (never counted) until the entry removing it is committed,
   * so it usually learns of its removal, stops campaigning, and says so in its status; then it is forgotten.
   */
  private forgetRemoved(): void {
    if (this.role !== 'leader' || this.confPending()) return;
    this.tracker.forgetNonVoters(this.id);
  }

  /**
   * Diss. §4.2.2: a leader removed from the configuration manages the cluster until the entry that removed it
   * is committed, then steps down. It hands over at once with a TimeoutNow to the most caught-up voter (a hint
   * only: without it, the voters elect a leader an election timeout later).
   */
  private maybeStepDownRemoved(): boolean {
    if (this.role !== 'leader' || this.tracker.isVoter(this.id) || this.confPending()) return false;
    let best: NodeId | undefined;
    for (const p of this.tracker.voters) {
      const pr = this.tracker.progress.get(p);
      if (pr && pr.match === this.log.lastIndex() && (best === undefined || p < best)) best = p;
    }
    if (best !== undefined) this.send({ type: 'TimeoutNow', to: best, term: this.term });
    this.becomeFollower(this.term, null);
    return true;
  }

  // ---- invariants ----

  /**
   * What every step, tick and Ready leaves true, in O(1). Assertions tied to one event (a vote, a truncation,
   * a term change, an applied index) sit where the event happens: castVote, log.ts, becomeFollower, ready().
   */
  private assertInvariants(): void {
    const { committed, applied } = this.log;
    const last = this.log.lastIndex();
    // Figure 2's rules keep commitIndex within the log (AppendEntries rule 5) and lastApplied below commitIndex.
    if (committed > last) broken('commit <= last index', { node: this.id, commit: committed, lastIndex: last });
    if (applied > committed) broken('applied <= committed', { node: this.id, applied, commit: committed });
    if (this.tracker.voters !== this.configs.latest())
      broken('the voters are the latest configuration in the log (diss. §4.1)', {
        node: this.id,
        voters: this.tracker.voters,
        latest: this.configs.latest(),
      });
    this.configs.assertIn(this.log, this.id);
    // §5.4.2 and Figure 8: a leader commits by counting only an entry of its own term, so once its commit index
    // moves, it lands at or past its first entry (the no-op). Planted bug "old-term-commit" breaks this on
    // purpose; the assertion stands aside under it so that the simulation's Leader Completeness and State Machine
    // Safety checks, and the harness's linearizability checker, find the bug from the outside.
    if (
      this.role === 'leader' &&
      committed > this.electedCommit &&
      committed < this.termStart &&
      !this.cfg.bugs.has('old-term-commit')
    )
      broken("a leader commits by counting only its own term's entries (§5.4.2)", {
        node: this.id,
        term: this.term,
        commit: committed,
        firstIndexOfTerm: this.termStart,
      });
  }

  // ---- plumbing ----

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private send(m: Omit<Message, 'from'>): void {
    this.msgs.push({ ...m, from: this.id } as Message);
  }
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** The longest prefix of `ents` whose data fits in `max` bytes (UTF-16 units, close enough), never empty. */
function limitBytes(ents: Entry[], max: number): Entry[] {
  let total = 0;
  for (let i = 0; i < ents.length; i++) {
    total += ents[i].data.length;
    if (total > max && i > 0) return ents.slice(0, i);
  }
  return ents;
}

// The contract between the pure Raft core and the runtimes that drive it (system/node for real processes,
// test/sim for the seeded simulation). Shaped like etcd-io/raft: messages and ticks go in, a Ready batch comes
// out. The core never reads a clock, starts a timer or does I/O; time is counted in ticks. Citations as in
// raft.ts: "§" is the extended Raft paper, "diss. §" Ongaro's dissertation.

export type NodeId = string;

/**
 * 'conf': a configuration entry (single-server membership change, diss. §4.1). Its data is the JSON of a
 * ConfEntryData: the whole new voter set, which differs from the previous configuration by one server.
 */
export type EntryType = 'normal' | 'noop' | 'conf';

/** The data of a 'conf' entry. `ctx` is the runtime's own tag (to answer the client that asked), opaque to Raft. */
export interface ConfEntryData {
  voters: NodeId[];
  ctx?: string;
}

/** A single-server membership change (diss. §4.1): add or remove one voter. */
export interface ConfChange {
  op: 'add' | 'remove';
  node: NodeId;
}

/**
 * The leader's answer to a membership change request. 'pending': a change is not yet committed, or this leader
 * has not yet committed an entry of its term (both needed for safety, diss. §4.1 and the 2015 fix);
 * 'unchanged': the latest configuration already is what was asked; 'unknown-node': not a possible member
 * (outside the group's universe); 'empty': the change would leave no voter.
 */
export type ConfChangeResult =
  | { ok: true; index: number; voters: NodeId[] }
  | { ok: false; reason: 'not-leader' | 'pending' | 'unchanged' | 'unknown-node' | 'empty' };

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque to Raft: the state machine's command, already encoded (JSON text for ours). */
  data: string;
}

/**
 * Figure 2's persistent state besides the log (currentTerm, votedFor; diss. §3.8), durable before the Ready's
 * messages leave (see Ready), plus the commit index, which Figure 2 makes volatile: a runtime may save it too,
 * and a restarted server then applies up to it at once.
 */
export interface HardState {
  term: number;
  vote: NodeId | null;
  commit: number;
}

export interface SnapshotMeta {
  /** Last log index and term included in the snapshot (§7). */
  index: number;
  term: number;
  /** Cluster membership (the voters) at that point: etcd's ConfState. Restoring the snapshot restores it. */
  peers: NodeId[];
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** Opaque to Raft: the state machine's serialized state. */
  data: string;
}

export type MessageType =
  | 'PreVote'
  | 'PreVoteResp' // diss. §9.6
  | 'Vote'
  | 'VoteResp' // RequestVote, §5.2
  | 'App'
  | 'AppResp' // AppendEntries, §5.3
  | 'Heartbeat'
  | 'HeartbeatResp' // empty AppendEntries carrying commit and read-index context, §5.2 / diss. §6.4
  | 'Snap' // InstallSnapshot, §7
  | 'TimeoutNow'; // leadership transfer, diss. §3.10

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /**
   * App: index/term of the entry preceding `entries`. AppResp: the index acknowledged (or rejected). Vote: last
   * log index/term.
   */
  index?: number;
  logTerm?: number;
  entries?: Entry[];
  commit?: number;
  reject?: boolean;
  /**
   * AppResp rejection: a hint for fast backtracking (the follower's last index, or first index of the conflicting
   * term).
   */
  rejectHint?: number;
  /** Term of the conflicting entry at rejectHint (fast backtracking, §5.3 "optimization"). */
  rejectTerm?: number;
  snapshot?: Snapshot;
  /** Heartbeat / HeartbeatResp: ReadIndex request contexts this round confirms (diss. §6.4). */
  context?: string;
  /**
   * Heartbeat: the leader's last word before it quiesces (stops ticking and heartbeating an idle group, as
   * CockroachDB does); a follower that holds the whole log quiesces too. Liveness is then the host's job.
   */
  quiesce?: boolean;
  /**
   * Vote: the campaign was started by a TimeoutNow (leadership transfer, diss. §3.10), so voters must not
   * refuse it for having heard from the current leader recently (the leader asked for it).
   */
  transfer?: boolean;
}

/** A linearizable read may be served once the state machine has applied `index` (diss. §6.4 ReadIndex). */
export interface ReadState {
  index: number;
  ctx: string;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

export interface SoftState {
  role: Role;
  leader: NodeId | null;
}

/**
 * One batch of work for the runtime. The runtime must, in this order: persist `snapshot`, `entries` and
 * `hardState` (fsync), then send `messages`, then apply `committedEntries` (and install `snapshot` into the
 * state machine), then call `advance(ready)`. One exception is allowed: a leader's appends (App messages) may
 * leave before its own write is durable, so that followers write in parallel with it (diss. §10.2.1), provided
 * the runtime steps no answer before that write is durable: the core counts the leader's own log toward
 * commitment from the moment it appends.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  /** New log entries to append to stable storage; may overwrite a conflicting suffix (same index = replace). */
  entries: Entry[];
  /** A snapshot received from the leader, to persist and to load into the state machine. */
  snapshot?: Snapshot;
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
}

/**
 * The runtime's stable storage, as the core sees it (read-only here; the runtime writes it between ready()
 * and advance()). Indexes are 1-based; index 0 / term 0 is the empty log.
 */
export interface LogStorage {
  initialState(): { hardState: HardState; peers: NodeId[] };
  /** Entries in [lo, hi). Throws or returns fewer only when compacted/unavailable. */
  entries(lo: number, hi: number): Entry[];
  /** Term of the entry at i; the snapshot's term for i === snapshot index; undefined if compacted away or absent. */
  term(i: number): number | undefined;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot | undefined;
}

export interface RaftConfig {
  id: NodeId;
  /**
   * Ticks without hearing from a leader before a follower campaigns; the actual timeout is randomized in [e, 2e)
   * (§5.2).
   */
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Deterministic randomness (seeded in the simulation). */
  random: () => number;
  storage: LogStorage;
  /** Index already applied to the state machine at start (after restoring a snapshot). */
  applied?: number;
  /** Max entries per AppendEntries message and max in-flight appends per follower (pipelining). */
  maxEntriesPerMsg?: number;
  /** Max bytes of entry data per AppendEntries message (at least one entry is always sent). Default: no limit. */
  maxBytesPerMsg?: number;
  maxInflight?: number;
  /**
   * Planted bugs, by the names system/node/config.ts lists (off unless named); the core acts on those that live
   * in it (raft.ts: old-term-commit, vote-twice, conf-concurrent, read-no-heartbeat) and ignores the rest.
   */
  bugs?: ReadonlySet<string>;
  /**
   * Every server that may ever be a member of this group (the shard's placement replicas); messages from
   * anyone else are dropped. Default: the initial peers. Voters are always a subset of it.
   */
  universe?: NodeId[];
  /**
   * The runtime sends heartbeats by calling heartbeat() (a node hosting many groups sends every group's
   * heartbeat in one frame per peer, at one moment); tick() then sends none. Default: tick() sends them.
   */
  hostHeartbeats?: boolean;
}

export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  leader: NodeId | null;
  commit: number;
  applied: number;
  lastIndex: number;
  snapshotIndex: number;
  /** The voters: the latest configuration in the log, committed or not (diss. §4.1). */
  peers: NodeId[];
  /** A configuration entry is in the log but not yet committed. */
  confPending: boolean;
  quiesced: boolean;
  /** The follower a leadership transfer is handing over to (diss. §3.10), if one is under way. */
  transferee: NodeId | null;
}

/**
 * The core, `new Raft(config)` (raft.ts). One instance is one member of one Raft group; a process hosts as many
 * as it has shard replicas.
 */
export interface RaftCore {
  /** Advance logical time by one tick (election and heartbeat timeouts are counted in ticks). */
  tick(): void;
  /** Deliver a message from a peer. Messages from a different group must not reach this instance. */
  step(m: Message): void;
  /** Append a command to the log if this member is the leader; false otherwise (the caller redirects). */
  propose(data: string): boolean;
  /** Starts a ReadIndex read (diss. §6.4); false when not leader. Once confirmed, a Ready holds its ReadState. */
  readIndex(ctx: string): boolean;
  hasReady(): boolean;
  ready(): Ready;
  /** The runtime has persisted, sent and applied what `rd` held. */
  advance(rd: Ready): void;
  status(): RaftStatus;
  /** With hostHeartbeats: a leader that is not quiesced sends one heartbeat round now. */
  heartbeat(): void;
  /** An idle leader (everything committed, applied and on every follower) quiesces; returns whether it did. */
  quiesce(): boolean;
  /**
   * Leave quiescence. A follower's election timer resumes at `elapsed` ticks (the host counts how long the
   * leader's node has been silent, so a quiesced group elects as soon as an active one would).
   */
  wake(elapsed?: number): void;
  /** Leadership transfer to `to` (diss. §3.10); false when not leader or `to` is not a voter. */
  transferLeadership(to: NodeId): boolean;
  /** Appends a single-server configuration change (diss. §4.1) if this leader may; `ctx` rides in the entry. */
  proposeConfChange(change: ConfChange, ctx?: string): ConfChangeResult;
  /** The configuration in force at log index `index` (for a snapshot taken there); index >= the snapshot index. */
  configAt(index: number): NodeId[];
}

// One Raft group hosted by a node process: the core, its disk, its state machine, and the ready loop that
// drives them in the order Raft requires (persist, then send, then apply; etcd-raft's contract), with the one
// exception the dissertation allows: a leader's appends leave before its own fsync, so that its followers write
// in parallel (diss. §10.2.1; see begin). A process can host many groups (one per shard replica); each has its
// own core and machine, and they share the node's write-ahead log (wal.ts), its peer frames and its clock
// (coordinator.ts).
//
// Throughput comes from batching: proposals and messages that arrive while a batch is being persisted are
// handled together in the next ready, so one fsync covers many client writes (group commit).
import type { Logger } from 'pino';
import type { Json } from './api.js';
import type { DiskStorage } from './storage.js';
import { Raft } from '../raft/raft.js';
import { decodeConf } from '../raft/conf.js';
import type { ConfChange, Message, NodeId, Ready } from '../raft/types.js';
import { MAX_BODY_BYTES } from '../kv/json.js';
import { ShardMachine, type ShardCommand, type ShardResult } from '../shard/machine.js';

/** Entries larger than this are not decoded (the API admits 1 MiB bodies; the envelope adds little). */
const MAX_ENTRY_BYTES = 2 * MAX_BODY_BYTES;

function decodeEnvelope(data: string): Envelope | undefined {
  if (data.length > MAX_ENTRY_BYTES) return undefined;
  try {
    const env = JSON.parse(data) as Envelope;
    return env && typeof env === 'object' && typeof env.rid === 'string' ? env : undefined;
  } catch {
    return undefined;
  }
}

export interface GroupOptions {
  groupId: string;
  id: NodeId;
  storage: DiskStorage;
  /** The shard's placement replicas: the servers that may ever be voters of this group (the default config). */
  replicas: NodeId[];
  send: (to: NodeId, group: string, msgs: Message[]) => void;
  logger: Logger;
  electionTick: number;
  heartbeatTick: number;
  bugs: ReadonlySet<string>;
  /** Compact the log after this many applied entries (0: never). */
  snapshotEvery: number;
  /**
   * Who drives the ready loop: the host drains every group of the process together, so one pass writes all
   * groups' entries, syncs each log once and sends one batch per peer (group commit across shards).
   * `urgent`: a lone write or a membership change, handled at once (a microtask) instead of at the end of this
   * poll phase.
   */
  schedule: (urgent: boolean) => void;
  random?: () => number;
}

interface Pending {
  resolve: (r: ShardResult) => void;
  timer: NodeJS.Timeout;
}

/** Fewest voters a membership change may leave (one voter would make every crash an outage; contract). */
export const MIN_VOTERS = 2;

/** How a membership change ended (POST /admin/membership maps these to status codes). */
export type MembershipOutcome =
  | { kind: 'done'; changed: boolean; members: NodeId[] }
  | { kind: 'not-leader' }
  | { kind: 'change-pending' }
  | { kind: 'too-few-members' }
  | { kind: 'bad'; message: string };
interface ReadWaiter {
  key: string;
  resolve: (v: { value: Json } | { error: 'not-leader' }) => void;
  index?: number;
  timer: NodeJS.Timeout;
}

/** Entries carry the proposing node's request id so that the node can answer its own client when it applies. */
interface Envelope {
  rid: string;
  cmd: ShardCommand;
}

export class RaftGroup {
  readonly raft: Raft;
  readonly machine: ShardMachine;
  private pending = new Map<string, Pending>();
  private reads = new Map<string, ReadWaiter>();
  private waitingApply: ReadWaiter[] = [];
  /** Membership changes proposed here, by the tag in their conf entry: resolved when the entry is applied. */
  private confWaiters = new Map<string, { resolve: (members: NodeId[]) => void; timer: NodeJS.Timeout }>();
  /** Lease token → when this leader's timer says it ends (0: expiry proposed). */
  private leaseDeadlines = new Map<number, { at: number; renewals: number }>();
  private nextId = 0;
  private snapIndex = 0;
  private readonly prefix: string;
  stopped = false;

  constructor(private readonly o: GroupOptions) {
    this.machine = new ShardMachine({
      ignoreFences: o.bugs.has('lock-no-fence'),
      localClockLeases: o.bugs.has('lease-local-clock'),
      releaseAnyOwner: o.bugs.has('release-any-owner'),
      txnReadUncommitted: o.bugs.has('txn-read-uncommitted-lock'),
      txnUnlockAtVote: o.bugs.has('2pc-unlock-before-decision'),
    });
    const snap = o.storage.snapshot();
    if (snap) this.machine.restore(snap.data);
    this.snapIndex = snap?.meta.index ?? 0;
    this.raft = new Raft({
      id: o.id,
      electionTick: o.electionTick,
      heartbeatTick: o.heartbeatTick,
      preVote: true,
      checkQuorum: true,
      random: o.random ?? Math.random,
      storage: o.storage,
      applied: this.snapIndex,
      bugs: o.bugs,
      universe: o.replicas,
      maxEntriesPerMsg: 512,
      maxBytesPerMsg: 4 * MAX_BODY_BYTES,
      maxInflight: 64,
      hostHeartbeats: true,
    });
    this.prefix = `${o.id}.${process.pid}.${Date.now().toString(36)}.`;
    this.schedule();
  }

  /** Proposals held while a leadership transfer is under way. */
  private held: (() => void)[] = [];

  /** Per-tick work of the group besides Raft's own (the coordinator ticks the core). */
  afterTick(): void {
    if (this.stopped) return;
    this.releaseHeld();
    this.expireLeases();
  }

  private releaseHeld(): void {
    if (this.held.length === 0 || (this.raft.role === 'leader' && this.raft.status().transferee !== null)) return;
    const h = this.held;
    this.held = [];
    for (const f of h) f();
  }

  /**
   * Lease expiry is decided by the leader alone, on its monotonic clock, and carried out through the log (an
   * "expire" entry), so every replica agrees on who holds a lock. A new leader starts each lease's timer afresh
   * when it first sees it: that can only lengthen a lease, never shorten it.
   */
  private expireLeases(): void {
    if (this.raft.role !== 'leader') {
      if (this.leaseDeadlines.size > 0) this.leaseDeadlines.clear();
      return;
    }
    const now = performance.now();
    const live = new Set<number>();
    for (const l of this.machine.locks.leases()) {
      live.add(l.token);
      const d = this.leaseDeadlines.get(l.token);
      if (d === undefined || d.renewals !== l.renewals) {
        this.leaseDeadlines.set(l.token, { at: now + l.ttlMs, renewals: l.renewals });
        continue;
      }
      if (d.at > 0 && now >= d.at) {
        d.at = 0; // proposed once; a lost proposal is retried after a fresh ttl
        this.propose({ kind: 'lock', op: 'expire', name: l.name, token: l.token }, 5000)
          .then((r) => {
            if (r === undefined) this.leaseDeadlines.delete(l.token);
          })
          .catch(() => this.leaseDeadlines.delete(l.token));
      }
    }
    for (const t of this.leaseDeadlines.keys()) if (!live.has(t)) this.leaseDeadlines.delete(t);
  }

  /** Delivers a batch of peer messages (one transport frame) and handles the result right after. */
  stepAll(msgs: Message[]): void {
    if (this.stopped) return;
    for (const m of msgs) this.raft.step(m);
    // Handled at the end of this poll phase (setImmediate), not at once in a microtask: frames from several
    // peers read in one wakeup then share one pass and one sync (measured: a pass per frame cost about 10% more
    // CPU per write with eight groups per cluster, 6% with one).
    this.schedule();
  }

  step(m: Message): void {
    this.stepAll([m]);
  }

  isLeader(): boolean {
    return this.raft.role === 'leader';
  }

  leader(): NodeId | null {
    return this.raft.leader;
  }

  /** Proposes a write; resolves when applied here, or with undefined when not leader. Rejects on timeout. */
  propose(cmd: ShardCommand, timeoutMs: number): Promise<ShardResult | undefined> {
    if (this.raft.role === 'leader' && this.raft.status().transferee !== null) {
      // A leadership transfer refuses proposals for a moment (diss. §3.10); answering not-leader now would
      // send the client back here (we are still the leader). Hold it until the transfer ends, then propose
      // here or answer with the new leader.
      return new Promise((resolve, reject) => this.held.push(() => this.propose(cmd, timeoutMs).then(resolve, reject)));
    }
    const rid = this.prefix + (this.nextId++).toString(36);
    const env: Envelope = { rid, cmd };
    if (!this.raft.propose(JSON.stringify(env))) return Promise.resolve(undefined);
    // Alone, a write goes out at once; under load, writes wait a loop turn to share one fsync (group commit).
    if (this.pending.size === 0) this.kick();
    else this.schedule();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new Error('timeout'));
      }, timeoutMs);
      this.pending.set(rid, { resolve, timer });
    });
  }

  /** The voters (the latest configuration in the log, committed or not: diss. §4.1), sorted. */
  members(): NodeId[] {
    return [...this.raft.peers];
  }

  /**
   * A single-server membership change (diss. §4.1), answered once its configuration entry is committed and
   * applied here. Idempotent: asking for the state the latest configuration is already in answers at once
   * (changed: false) when that configuration is committed, else change-pending (the caller retries).
   */
  changeMembership(change: ConfChange, timeoutMs: number): Promise<MembershipOutcome> {
    if (!this.o.replicas.includes(change.node))
      return Promise.resolve({
        kind: 'bad',
        message: `node ${change.node} is not a placement replica of shard ${this.o.groupId}`,
      });
    if (this.raft.role !== 'leader') return Promise.resolve({ kind: 'not-leader' });
    // A transfer under way: we are still the leader; the caller retries here or at the new leader.
    if (this.raft.status().transferee !== null) return Promise.resolve({ kind: 'change-pending' });
    const members = this.raft.peers;
    const isMember = members.includes(change.node);
    if (change.op === 'remove' && isMember && members.length - 1 < MIN_VOTERS)
      return Promise.resolve({ kind: 'too-few-members' });
    const rid = `${this.prefix}m${(this.nextId++).toString(36)}`;
    const r = this.raft.proposeConfChange(change, rid);
    if (!r.ok) {
      switch (r.reason) {
        case 'unchanged':
          return Promise.resolve({ kind: 'done', changed: false, members: [...members] });
        case 'pending':
          return Promise.resolve({ kind: 'change-pending' });
        case 'not-leader':
          return Promise.resolve({ kind: 'not-leader' });
        case 'empty':
          return Promise.resolve({ kind: 'too-few-members' });
        case 'unknown-node':
          return Promise.resolve({
            kind: 'bad',
            message: `node ${change.node} may not be a member of shard ${this.o.groupId}`,
          });
      }
    }
    this.kick();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.confWaiters.delete(rid);
        reject(new Error('timeout'));
      }, timeoutMs);
      this.confWaiters.set(rid, { timer, resolve: (m) => resolve({ kind: 'done', changed: true, members: m }) });
    });
  }

  /**
   * A linearizable read (diss. §6.4 ReadIndex): confirm leadership with a heartbeat round, wait until the state
   * machine has applied the read index, then read locally. Planted bug "stale-read" skips all of that: any
   * replica answers from whatever it has applied, so a lagging follower or a deposed, partitioned leader serves
   * values that a completed write has already replaced.
   */
  read(key: string, timeoutMs: number): Promise<{ value: Json } | { error: 'not-leader' }> {
    if (this.o.bugs.has('stale-read')) return Promise.resolve({ value: this.machine.read(key) });
    const ctx = `${this.prefix}r${(this.nextId++).toString(36)}`;
    if (!this.raft.readIndex(ctx)) return Promise.resolve({ error: 'not-leader' });
    this.schedule();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reads.delete(ctx);
        this.waitingApply = this.waitingApply.filter((w) => w.timer !== timer);
        reject(new Error('timeout'));
      }, timeoutMs);
      this.reads.set(ctx, { key, resolve, timer });
    });
  }

  private schedule(): void {
    if (!this.stopped) this.o.schedule(false);
  }

  private kick(): void {
    if (!this.stopped) this.o.schedule(true);
  }

  /**
   * First half of handling a ready: install a snapshot, let a leader's appends go, and write entries and hard
   * state without syncing; the host syncs every written log once, then calls finish().
   */
  begin(rd: Ready): void {
    const st = this.o.storage;
    // 1. Persist (Figure 2): a snapshot at once (applySnapshot syncs), entries and hard state into the WAL's
    // batch (save(.., false) does not sync); the host syncs the batch once for every group, then calls finish(),
    // so nothing that depends on them leaves before they are durable, a leader's appends excepted (below).
    if (rd.snapshot) {
      st.applySnapshot(rd.snapshot);
      this.machine.restore(rd.snapshot.data);
      this.snapIndex = rd.snapshot.meta.index;
      this.o.logger.info({ group: this.o.groupId, index: rd.snapshot.meta.index }, 'installed snapshot');
    }
    // A leader's appends may leave before its own fsync (diss. §10.2.1), so followers persist in parallel with
    // it. The core counts the leader's own log toward commitment as soon as it appends, which is safe here
    // because no answer is stepped before this pass's sync returns (the sync blocks the event loop, host.ts).
    // Everything else (votes above all) waits for the disk.
    const early = this.raft.role === 'leader' ? rd.messages.filter((m) => m.type === 'App') : [];
    if (early.length > 0) this.sendBatched(early);
    if (rd.entries.length > 0 || rd.hardState) st.save(rd.hardState, rd.entries, false);
    if (rd.softState)
      this.o.logger.info(
        { group: this.o.groupId, role: rd.softState.role, leader: rd.softState.leader, term: this.raft.term },
        'role change',
      );
  }

  /** Second half, after the host synced the logs: send, apply, answer reads, advance, compact. */
  finish(rd: Ready): void {
    const st = this.o.storage;
    const early = this.raft.role === 'leader' ? rd.messages.filter((m) => m.type === 'App') : [];
    // 2. Send, batched per peer.
    this.sendBatched(early.length > 0 ? rd.messages.filter((m) => m.type !== 'App') : rd.messages);
    if (this.o.bugs.has('early-ack')) this.ackEarly(rd.entries);
    // 3. Apply.
    let applied = this.raft.log.applied;
    for (const e of rd.committedEntries) {
      applied = e.index;
      if (e.type === 'conf') {
        const d = decodeConf(e.data);
        const w = d?.ctx !== undefined ? this.confWaiters.get(d.ctx) : undefined;
        if (d && w) {
          clearTimeout(w.timer);
          this.confWaiters.delete(d.ctx!);
          w.resolve([...d.voters].sort());
        }
        if (d)
          this.o.logger.info({ group: this.o.groupId, index: e.index, members: d.voters }, 'configuration committed');
        continue;
      }
      if (e.type !== 'normal') continue;
      const env = decodeEnvelope(e.data);
      if (env === undefined) {
        // Skipped identically on every replica (a pure function of the entry); no client waits on it by rid.
        this.o.logger.error({ group: this.o.groupId, index: e.index }, 'undecodable log entry skipped');
        continue;
      }
      const result = this.machine.apply(env.cmd, e.index);
      const p = this.pending.get(env.rid);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(env.rid);
        p.resolve(result);
      }
    }
    if (rd.snapshot) applied = Math.max(applied, rd.snapshot.meta.index);
    // 4. Reads: a confirmed read index waits until applied.
    for (const rs of rd.readStates) {
      const w = this.reads.get(rs.ctx);
      if (!w) continue;
      this.reads.delete(rs.ctx);
      w.index = rs.index;
      this.waitingApply.push(w);
    }
    if (this.waitingApply.length > 0) {
      const ready = this.waitingApply.filter((w) => w.index! <= applied);
      this.waitingApply = this.waitingApply.filter((w) => w.index! > applied);
      for (const w of ready) {
        clearTimeout(w.timer);
        w.resolve({ value: this.machine.read(w.key) });
      }
    }
    this.raft.advance(rd);
    if (rd.softState) this.releaseHeld(); // the transfer ended: we are a follower now, or still the leader
    // 5. Compaction (§7).
    if (this.o.snapshotEvery > 0 && this.raft.log.applied - this.snapIndex >= this.o.snapshotEvery) {
      const at = this.raft.log.applied;
      // The snapshot carries the configuration in force at its index (etcd's ConfState), not the latest one.
      st.createSnapshot(at, this.machine.snapshot(), this.raft.configAt(at));
      this.snapIndex = at;
    }
    // A lost leadership strands the reads it was confirming: answer them so clients can retry elsewhere.
    if (this.raft.role !== 'leader' && this.reads.size > 0) {
      for (const [ctx, w] of this.reads) {
        clearTimeout(w.timer);
        w.resolve({ error: 'not-leader' });
        this.reads.delete(ctx);
      }
    }
  }

  /**
   * Planted bug "early-ack": a plain write is acknowledged once it is in the leader's own (synced) log, before a
   * majority holds it (§5.3 says a leader answers only once the entry is committed). A leader deposed before
   * replicating loses writes its clients were told succeeded, like a primary acknowledging at MongoDB's w:1.
   */
  private ackEarly(entries: readonly { index: number; data: string }[]): void {
    if (this.raft.role !== 'leader') return;
    for (const e of entries) {
      const env = decodeEnvelope(e.data);
      if (env?.cmd.kind !== 'kv' || env.cmd.op !== 'write' || env.cmd.fence) continue;
      const p = this.pending.get(env.rid);
      if (!p) continue;
      clearTimeout(p.timer);
      this.pending.delete(env.rid);
      p.resolve({ ok: true, index: e.index });
    }
  }

  private sendBatched(messages: Message[]): void {
    if (messages.length === 0) return;
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      let l = byPeer.get(m.to);
      if (!l) {
        l = [];
        byPeer.set(m.to, l);
      }
      l.push(m);
    }
    for (const [to, msgs] of byPeer) this.o.send(to, this.o.groupId, msgs);
  }

  stop(): void {
    this.stopped = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    for (const w of this.reads.values()) clearTimeout(w.timer);
    for (const w of this.waitingApply) clearTimeout(w.timer);
    for (const w of this.confWaiters.values()) clearTimeout(w.timer);
  }
}

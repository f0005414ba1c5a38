// Two-phase commit over Raft groups, the part that runs on a node (docs/txn.md). Pure like coordinator.ts: no
// I/O, no clock, no timers; the host (system/node/host.ts) or the simulation (test/sim/txn-cluster.ts) gives it
// an environment to propose entries and send messages, calls tick() and delivers messages. Every decision it
// acts on is read from a replicated state machine (system/txn/machine.ts) or from the result of an applied
// entry, so a crash loses only in-memory progress, which the next leader's sweep rebuilds from the log.
//
// One cross-shard transaction, with C the shard of its first key (its coordinator group) and P the others:
//   1. C's leader proposes C's prepare (locks, reads, writes in place) with the list P; applied with a yes vote,
//      it is also the transaction record (pending). At the same time it sends prepare to each P's leader,
//      which proposes it there and votes once it is applied (yes: locks taken and the reads; no: a lock
//      conflict, a wrong type, a limit). C's own result is its vote.
//   2. All yes: it proposes decide(commit) in C's log; a no or no vote in time: decide(abort). The first
//      decision applied wins (a recovery's abort may come first). C's own part is resolved by that entry.
//   3. It answers the client from the applied decision, then sends resolve to every P until each has applied it
//      and said so, then proposes forget (the record goes; no record means abort, presumed abort).
// Recovery: a P leader holding a prepared transaction past the in-doubt time asks C's leader (status), which
// answers through C's log: an abort proposed there loses to a commit already decided and wins otherwise. A C
// leader's sweep drives every decided record to the end and aborts records left undecided by a predecessor.
// A single-shard transaction is one entry (`one`): one round, no record, nothing to recover.
//
// Planted bug `2pc-early-ack` answers the client as soon as every vote is yes, before the decision is in C's
// log: a crash of C's leader then leaves the record undecided, recovery aborts it, and the acknowledged
// transaction never happened.
import type { InvalidCommand, Json } from '../node/api.js';
import type { NodeId } from '../raft/types.js';
import type { AbortReason, TxnCommand, TxnMachine, TxnResult } from './machine.js';
import type { TxnMessage } from './messages.js';
import { anchorKey, byShard, withReads, type ClientOp, type LogOp } from './ops.js';

/** What a proposal came to: the applied result, not-leader (nothing proposed) or timeout (unknown). */
export type Proposed = TxnResult | InvalidCommand | 'not-leader' | 'timeout';

export interface TxnEnv {
  readonly self: NodeId;
  readonly shards: number;
  shardOf(key: string): number;
  replicas(g: number): readonly NodeId[];
  /** This node's replica of g's machine, undefined when it hosts none. */
  machine(g: number): TxnMachine | undefined;
  isLeader(g: number): boolean;
  /** Who leads g as far as this node knows (its replica's view, else the node beats), or null. */
  leaderHint(g: number): NodeId | null;
  /** Propose `cmd` in g (this node must lead it); `done` once applied here, never synchronously. */
  propose(g: number, cmd: TxnCommand, done: (r: Proposed) => void): void;
  /** Send to a node (this one included), delivered later through onMessage. */
  send(to: NodeId, m: TxnMessage): void;
}

/** Why a transaction did not commit, as the client is told. */
export type TxnAbortReason = Exclude<AbortReason, 'resolved'> | 'timeout' | 'recovered' | 'invalid';

export type TxnOutcome =
  | { kind: 'committed'; id: string; ops: ClientOp[]; shards: number[] }
  | { kind: 'aborted'; id: string; reason: TxnAbortReason; key?: string; message: string; shards: number[] }
  /** This node does not lead the anchor shard: nothing was done. */
  | { kind: 'not-leader'; shard: number }
  | { kind: 'unknown'; id: string; message: string; shards: number[] };

/** Protocol steps, in order, for tracing and for the simulation's crash points. */
export const TXN_STEPS = [
  'submit',
  'record-proposed',
  'prepare-sent',
  'prepare-proposed',
  'vote-sent',
  'record-applied',
  'vote-received',
  'decide-proposed',
  'decide-applied',
  'answered',
  'resolve-sent',
  'resolve-proposed',
  'resolved-sent',
  'resolved-received',
  'forget-proposed',
  'forget-applied',
  'status-sent',
  'recovery-proposed',
] as const;
export type TxnStep = (typeof TXN_STEPS)[number];

export interface TxnManagerOptions {
  env: TxnEnv;
  /** Prefix of this process's transaction ids (unique per node and run). */
  idPrefix: string;
  /** Ticks from a client's request to the coordinator's abort for want of votes. */
  voteTicks: number;
  /** Ticks between resends of an unanswered prepare, resolve or status, and between sweeps. */
  retryTicks: number;
  /**
   * Ticks a leader waits on a prepared transaction (participant) or an undecided record (coordinator group)
   * before asking or aborting. Counted from when this node, as leader, first saw it: a new leader starts afresh,
   * so the wait can only grow, never shrink (the lease rule of group.ts).
   */
  inDoubtTicks: number;
  /** Most transactions one node coordinates at once; more are refused (aborted, reason busy). */
  maxInFlight?: number;
  /** Planted bug 2pc-early-ack. */
  earlyAck?: boolean;
  onStep?: (step: TxnStep, id: string, g: number) => void;
  /** Something that must never happen did (an atomicity breach): the simulation fails on it, the node logs it. */
  onViolation?: (message: string) => void;
}

interface Resend {
  attempt: number;
  /** Tick of the last send (-Infinity: due now). */
  at: number;
}

/** A prepared transaction a led participant group waits on: since when, and the status asks sent. */
interface Doubt extends Resend {
  id: string;
  g: number;
  coord: number;
  since: number;
}

interface Coordinating {
  id: string;
  coord: number;
  ops: ClientOp[];
  parts: Map<number, LogOp[]>;
  shards: number[];
  phase: 'voting' | 'deciding';
  reads: [number, Json][];
  /** Participants whose vote is missing. */
  waiting: Map<number, Resend>;
  deadline: number;
  /** A commit was proposed: until its entry applies, the outcome is unknown. */
  proposedCommit: boolean;
  why?: { reason: TxnAbortReason; key?: string; message: string };
  answer?: (o: TxnOutcome) => void;
}

interface Driving {
  coord: number;
  commit: boolean;
  /** Participants that have not confirmed their resolve. */
  waiting: Map<number, Resend>;
  forgetting: boolean;
}

const DEFAULT_MAX_IN_FLIGHT = 4096;

export class TxnManager {
  private now = 0;
  private seq = 0;
  private readonly inflight = new Map<string, Coordinating>();
  private readonly driving = new Map<string, Driving>();
  /** Proposals under way from here (kind/group/id), so duplicates and retries propose once. */
  private readonly proposing = new Set<string>();
  /** Undecided records of led groups: when this node first saw each (coordinator side). */
  private readonly undecided = new Map<string, number>();
  /** Prepared transactions of led groups (group/id): when first seen and the status asks (participant side). */
  private readonly doubt = new Map<string, Doubt>();
  /** Leaders named by not-leader answers. */
  private readonly hints = new Map<number, NodeId>();
  /** For /status and the benchmarks. */
  readonly counts = { committed: 0, aborted: 0, unknown: 0, recoveries: 0 };

  constructor(private readonly o: TxnManagerOptions) {}

  /** Transactions this node is coordinating, and decided ones it is finishing. */
  get load(): { inFlight: number; finishing: number } {
    return { inFlight: this.inflight.size, finishing: this.driving.size };
  }

  private step(s: TxnStep, id: string, g: number): void {
    this.o.onStep?.(s, id, g);
  }

  // ---- the coordinator ----

  /** A client's transaction (already validated). `answer` is called exactly once. */
  submit(ops: ClientOp[], answer: (o: TxnOutcome) => void): void {
    const env = this.o.env;
    const parts = byShard(ops, (k) => env.shardOf(k));
    const coord = env.shardOf(anchorKey(ops));
    if (!env.isLeader(coord)) {
      answer({ kind: 'not-leader', shard: coord });
      return;
    }
    const shards = [...parts.keys()].sort((a, b) => a - b);
    const id = `${this.o.idPrefix}${(this.seq++).toString(36)}`;
    if (this.inflight.size >= (this.o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)) {
      this.counts.aborted++;
      answer({ kind: 'aborted', id, reason: 'busy', message: 'too many transactions in flight', shards });
      return;
    }
    this.step('submit', id, coord);
    if (shards.length === 1) {
      env.propose(coord, { op: 'one', id, ops: parts.get(coord)! }, (r) => {
        if (r === 'not-leader') {
          answer({ kind: 'not-leader', shard: coord });
          return;
        }
        const o = this.outcomeOf(id, ops, shards, r);
        this.count(o);
        answer(o);
        this.step('answered', id, coord);
      });
      return;
    }
    const others = shards.filter((g) => g !== coord);
    const t: Coordinating = {
      id,
      coord,
      ops,
      parts,
      shards,
      phase: 'voting',
      reads: [],
      waiting: new Map(),
      deadline: this.now + this.o.voteTicks,
      proposedCommit: false,
      answer,
    };
    this.inflight.set(id, t);
    // C's prepare (the record) and the others' go out together: two log rounds to a decision, not three.
    t.waiting.set(coord, { attempt: 0, at: Infinity }); // never resent (onOwnVote)
    env.propose(coord, { op: 'prepare', id, coord, ops: parts.get(coord)!, parts: others }, (r) =>
      this.onOwnVote(t, r),
    );
    this.step('record-proposed', id, coord);
    for (const g of others) {
      const w = { attempt: 0, at: this.now };
      t.waiting.set(g, w);
      this.sendPrepare(t, g, w);
    }
  }

  /** The outcome of the fast path's entry, or of the coordinator's own prepare when it did not vote yes. */
  private outcomeOf(id: string, ops: ClientOp[], shards: number[], r: Proposed): TxnOutcome {
    if (r === 'timeout' || r === 'not-leader')
      return { kind: 'unknown', id, message: `no answer from the log (${r}); the outcome is unknown`, shards };
    if (r.ok && r.txn === 'committed') return { kind: 'committed', id, ops: withReads(ops, r.reads), shards };
    if (!r.ok && r.error === 'aborted') {
      const reason = r.reason === 'resolved' ? 'recovered' : r.reason;
      return { kind: 'aborted', id, reason, ...(r.key !== undefined && { key: r.key }), message: r.message, shards };
    }
    const message = r.ok ? `unexpected result ${r.txn}` : r.message;
    return { kind: 'aborted', id, reason: 'invalid', message, shards };
  }

  private count(o: TxnOutcome): void {
    if (o.kind === 'committed') this.counts.committed++;
    else if (o.kind === 'aborted') this.counts.aborted++;
    else if (o.kind === 'unknown') this.counts.unknown++;
  }

  private answer(t: Coordinating, o: TxnOutcome): void {
    const a = t.answer;
    if (!a) return;
    t.answer = undefined;
    this.count(o);
    a(o);
    this.step('answered', t.id, t.coord);
  }

  /**
   * C's own vote: the result of its prepare, which is also the record, proposed once at submit alongside the
   * other prepares (an abort decided before it arrives makes it vote no: docs/txn.md, "Why the record can go
   * out with the prepares").
   */
  private onOwnVote(t: Coordinating, r: Proposed): void {
    if (t.phase !== 'voting') return; // another shard voted no first: the abort is under way
    if (r === 'not-leader' || r === 'timeout') {
      // Not proposed (the record cannot exist), or unknown (it may yet exist, undecided: C's leader aborts it
      // after the in-doubt time). Either way this coordinator will not propose commit: release the others now.
      this.inflight.delete(t.id);
      this.releaseAll(t);
      if (r === 'not-leader') this.answer(t, { kind: 'not-leader', shard: t.coord });
      else this.answer(t, this.outcomeOf(t.id, t.ops, t.shards, r));
      return;
    }
    if (r.ok && r.txn === 'prepared') {
      this.step('record-applied', t.id, t.coord);
      this.onVote({ t: 'vote', id: t.id, g: t.coord, ok: true, reads: r.reads });
      return;
    }
    const vote = { t: 'vote' as const, id: t.id, g: t.coord, ok: false as const };
    if (!r.ok && r.error === 'aborted') {
      const key = r.key === undefined ? {} : { key: r.key };
      this.onVote({ ...vote, reason: r.reason, message: r.message, ...key });
    } else this.onVote({ ...vote, reason: 'invalid', message: r.ok ? r.txn : r.message });
  }

  /**
   * Only this coordinator ever proposes commit for its transaction; once it knows it never will, abort is
   * certain, and the participants can let go of their locks now rather than after a log round (the resolves the
   * decided record sends later repeat this one and are answered from the participants' tombstones).
   */
  private releaseAll(t: Coordinating): void {
    for (const g of t.shards)
      if (g !== t.coord) this.o.env.send(this.target(g, 0), { t: 'resolve', id: t.id, g, commit: false });
  }

  private sendPrepare(t: Coordinating, g: number, w: Resend): void {
    w.at = this.now;
    this.o.env.send(this.target(g, w.attempt), { t: 'prepare', id: t.id, g, coord: t.coord, ops: t.parts.get(g)! });
    this.step('prepare-sent', t.id, g);
  }

  private onVote(m: Extract<TxnMessage, { t: 'vote' }>): void {
    const t = this.inflight.get(m.id);
    if (t?.phase !== 'voting' || !t.waiting.has(m.g)) return;
    this.step('vote-received', m.id, m.g);
    if (!m.ok) {
      const reason = m.reason === 'resolved' ? 'recovered' : m.reason;
      t.why = { reason, ...(m.key !== undefined && { key: m.key }), message: `shard ${m.g}: ${m.message}` };
      this.decide(t, false);
      return;
    }
    t.waiting.delete(m.g);
    t.reads.push(...m.reads);
    if (t.waiting.size === 0) this.decide(t, true);
  }

  private decide(t: Coordinating, commit: boolean): void {
    t.phase = 'deciding';
    t.waiting.clear();
    if (!commit) this.releaseAll(t);
    else {
      t.proposedCommit = true;
      // Planted bug 2pc-early-ack: the client hears "committed" while the decision is not yet in C's log.
      if (this.o.earlyAck)
        this.answer(t, { kind: 'committed', id: t.id, ops: withReads(t.ops, t.reads), shards: t.shards });
    }
    this.o.env.propose(t.coord, { op: 'decide', id: t.id, commit }, (r) => {
      this.inflight.delete(t.id);
      const why = t.why ?? { reason: 'recovered' as const, message: 'aborted by recovery before the decision' };
      if (r === 'not-leader' || r === 'timeout' || !r.ok || r.txn !== 'decided') {
        // Only this coordinator ever proposes commit for this id: if it did not (or its proposal was refused
        // outright, not-leader), abort is certain; the next leader of C aborts the record.
        if (!t.proposedCommit || r === 'not-leader') {
          const lost = { reason: 'recovered' as const, message: 'the coordinator lost its leadership before deciding' };
          this.answer(t, { kind: 'aborted', id: t.id, ...(t.proposedCommit ? lost : why), shards: t.shards });
          return;
        }
        const detail = typeof r === 'string' ? r : r.ok ? r.txn : r.message;
        const message = `the commit decision was not confirmed (${detail})`;
        this.answer(t, { kind: 'unknown', id: t.id, message, shards: t.shards });
        return;
      }
      this.step('decide-applied', t.id, t.coord);
      this.answer(
        t,
        r.commit
          ? { kind: 'committed', id: t.id, ops: withReads(t.ops, t.reads), shards: t.shards }
          : { kind: 'aborted', id: t.id, ...why, shards: t.shards },
      );
      this.drive(
        t.id,
        t.coord,
        r.commit,
        t.shards.filter((g) => g !== t.coord),
      );
    });
    this.step('decide-proposed', t.id, t.coord);
  }

  // ---- finishing decided transactions (whichever node leads the coordinator group) ----

  private drive(id: string, coord: number, commit: boolean, parts: number[]): void {
    if (this.driving.has(id)) return;
    const d: Driving = { coord, commit, waiting: new Map(), forgetting: false };
    this.driving.set(id, d);
    for (const g of parts) {
      const w = { attempt: 0, at: this.now };
      d.waiting.set(g, w);
      this.sendResolve(id, d, g, w);
    }
  }

  private sendResolve(id: string, d: Driving, g: number, w: Resend): void {
    w.at = this.now;
    this.o.env.send(this.target(g, w.attempt), { t: 'resolve', id, g, commit: d.commit });
    this.step('resolve-sent', id, g);
  }

  private forget(id: string, d: Driving): void {
    d.forgetting = true;
    this.o.env.propose(d.coord, { op: 'forget', id }, (r) => {
      if (r !== 'not-leader' && r !== 'timeout' && r.ok && r.txn === 'forgotten') {
        this.step('forget-applied', id, d.coord);
        this.driving.delete(id);
      } else d.forgetting = false;
    });
    this.step('forget-proposed', id, d.coord);
  }

  /** Abort an undecided transaction through C's log; the applied decision (whichever won) is then driven. */
  private recover(id: string, coord: number, asker?: { from: NodeId; g: number }): void {
    const proposed = this.proposeOnce(`decide/${coord}/${id}`, coord, { op: 'decide', id, commit: false }, (r) => {
      if (r === 'not-leader' || r === 'timeout' || !r.ok || r.txn !== 'decided') return;
      const rec = this.o.env.machine(coord)?.record(id);
      if (rec) {
        this.drive(id, coord, r.commit, rec.parts);
        return;
      }
      // No record: presumed abort. Only the participant that asked is waiting.
      if (asker) this.o.env.send(asker.from, { t: 'resolve', id, g: asker.g, commit: false });
    });
    if (!proposed) return;
    this.counts.recoveries++;
    this.step('recovery-proposed', id, coord);
  }

  // ---- the participant ----

  private onPrepare(from: NodeId, m: Extract<TxnMessage, { t: 'prepare' }>): void {
    const mach = this.led(from, m.id, m.g);
    if (!mach) return;
    // Applied state implies committed: a prepared or resolved transaction is answered without a new entry.
    const reads = mach.preparedReads(m.id);
    if (reads) {
      this.vote(from, m.id, m.g, { ok: true, reads });
      return;
    }
    const was = mach.outcome(m.id);
    if (was !== undefined) {
      const message = `already ${was ? 'committed' : 'aborted'} here`;
      this.vote(from, m.id, m.g, { ok: false, reason: 'resolved', message });
      return;
    }
    const cmd: TxnCommand = { op: 'prepare', id: m.id, coord: m.coord, ops: m.ops };
    const proposed = this.proposeOnce(`prepare/${m.g}/${m.id}`, m.g, cmd, (r) => {
      if (r === 'timeout') return; // the coordinator asks again
      if (r === 'not-leader') {
        this.notLeader(from, m.id, m.g);
        return;
      }
      if (r.ok && r.txn === 'prepared') {
        this.vote(from, m.id, m.g, { ok: true, reads: r.reads });
        return;
      }
      if (!r.ok && r.error === 'aborted') {
        const no = { ok: false as const, reason: r.reason, message: r.message };
        this.vote(from, m.id, m.g, r.key === undefined ? no : { ...no, key: r.key });
        return;
      }
      this.vote(from, m.id, m.g, { ok: false, reason: 'invalid', message: r.ok ? r.txn : r.message });
    });
    if (proposed) this.step('prepare-proposed', m.id, m.g);
  }

  private vote(
    to: NodeId,
    id: string,
    g: number,
    v:
      | { ok: true; reads: [number, Json][] }
      | { ok: false; reason: AbortReason | 'invalid'; key?: string; message: string },
  ): void {
    this.step('vote-sent', id, g);
    this.o.env.send(to, { t: 'vote', id, g, ...v } as TxnMessage);
  }

  private onResolve(from: NodeId, m: Extract<TxnMessage, { t: 'resolve' }>): void {
    const env = this.o.env;
    const mach = this.led(from, m.id, m.g);
    if (!mach) return;
    const was = mach.outcome(m.id);
    if (was !== undefined) {
      // An abort after a commit is the presumed-abort answer to a stale question (asked while prepared,
      // answered after the record was forgotten): the tombstone keeps the commit. A commit after an abort
      // would mean two decisions.
      if (was === false && m.commit) this.o.onViolation?.(`shard ${m.g} aborted ${m.id}; told to commit`);
      env.send(from, { t: 'resolved', id: m.id, g: m.g });
      return;
    }
    const cmd: TxnCommand = { op: 'resolve', id: m.id, commit: m.commit };
    const proposed = this.proposeOnce(`resolve/${m.g}/${m.id}`, m.g, cmd, (r) => {
      if (r === 'timeout') return;
      if (r === 'not-leader') {
        this.notLeader(from, m.id, m.g);
        return;
      }
      if (!r.ok) this.o.onViolation?.(`shard ${m.g} cannot resolve ${m.id}: ${r.message}`);
      env.send(from, { t: 'resolved', id: m.id, g: m.g });
      this.step('resolved-sent', m.id, m.g);
    });
    if (proposed) this.step('resolve-proposed', m.id, m.g);
  }

  /** A participant asks about a transaction it has held prepared too long. */
  private onStatus(from: NodeId, m: Extract<TxnMessage, { t: 'status' }>): void {
    const mach = this.led(from, m.id, m.coord);
    if (!mach) return;
    const rec = mach.record(m.id);
    if (rec && rec.decision !== null) {
      // Decided (final, whatever this replica's applied index): make sure it is being driven, the asker first.
      this.drive(m.id, m.coord, rec.decision, rec.parts);
      const w = this.driving.get(m.id)?.waiting.get(m.g);
      if (w) w.at = -Infinity;
      return;
    }
    if (this.inflight.has(m.id)) return; // its coordinator is here and still deciding
    // Undecided or unknown here: only C's log can say (this replica may not have applied all of it yet).
    this.recover(m.id, m.coord, { from, g: m.g });
  }

  /** g's machine when this node leads g; otherwise undefined, and the sender is told who does. */
  private led(from: NodeId, id: string, g: number): TxnMachine | undefined {
    const mach = this.o.env.machine(g);
    if (mach && this.o.env.isLeader(g)) return mach;
    this.notLeader(from, id, g);
    return undefined;
  }

  /** Proposes `cmd` in g unless the same proposal (by `key`) is already under way from here. */
  private proposeOnce(key: string, g: number, cmd: TxnCommand, done: (r: Proposed) => void): boolean {
    if (this.proposing.has(key)) return false;
    this.proposing.add(key);
    this.o.env.propose(g, cmd, (r) => {
      this.proposing.delete(key);
      done(r);
    });
    return true;
  }

  private notLeader(to: NodeId, id: string, g: number): void {
    const l = this.o.env.leaderHint(g);
    this.o.env.send(to, { t: 'not-leader', id, g, leader: l === this.o.env.self ? null : l });
  }

  private onNotLeader(m: Extract<TxnMessage, { t: 'not-leader' }>): void {
    if (!m.leader) {
      this.hints.delete(m.g);
      return; // the resend timer moves on to the next replica
    }
    this.hints.set(m.g, m.leader);
    // Resend what waits on g at the next tick, to the named leader.
    const expedite = (w: Resend | undefined): void => {
      if (!w) return;
      w.at = -Infinity;
      w.attempt = 0;
    };
    expedite(this.inflight.get(m.id)?.waiting.get(m.g));
    expedite(this.driving.get(m.id)?.waiting.get(m.g));
    for (const d of this.doubt.values()) if (d.id === m.id) expedite(d);
  }

  /** Where to send something for group g: a named leader first, then the others in turn. */
  private target(g: number, attempt: number): NodeId {
    const c: NodeId[] = [];
    for (const n of [this.hints.get(g), this.o.env.leaderHint(g), ...this.o.env.replicas(g)])
      if (n && !c.includes(n)) c.push(n);
    return c[attempt % c.length];
  }

  onMessage(from: NodeId, m: TxnMessage): void {
    switch (m.t) {
      case 'prepare':
        this.onPrepare(from, m);
        return;
      case 'vote':
        this.onVote(m);
        return;
      case 'resolve':
        this.onResolve(from, m);
        return;
      case 'resolved': {
        const d = this.driving.get(m.id);
        if (d?.waiting.delete(m.g)) this.step('resolved-received', m.id, m.g);
        return;
      }
      case 'status':
        this.onStatus(from, m);
        return;
      case 'not-leader':
        this.onNotLeader(m);
        return;
    }
  }

  // ---- time ----

  /** A resend is due: at once when a not-leader answer named the leader, else after retryTicks to the next node. */
  private due(w: Resend): boolean {
    if (w.at === -Infinity) return true;
    if (this.now - w.at < this.o.retryTicks) return false;
    w.attempt++;
    return true;
  }

  tick(): void {
    this.now++;
    for (const t of this.inflight.values()) {
      if (t.phase !== 'voting') continue;
      if (this.now >= t.deadline) {
        const missing = [...t.waiting.keys()].join(', ');
        t.why = { reason: 'timeout', message: `no vote from shard ${missing} within ${this.o.voteTicks} ticks` };
        this.decide(t, false);
        continue;
      }
      for (const [g, w] of t.waiting) if (g !== t.coord && this.due(w)) this.sendPrepare(t, g, w);
    }
    for (const [id, d] of this.driving) {
      if (!this.o.env.isLeader(d.coord)) {
        this.driving.delete(id); // the next leader's sweep takes over
        continue;
      }
      if (d.waiting.size === 0) {
        if (!d.forgetting) this.forget(id, d);
        continue;
      }
      for (const [g, w] of d.waiting) if (this.due(w)) this.sendResolve(id, d, g, w);
    }
    for (const d of this.doubt.values()) if (d.at === -Infinity) this.ask(d);
    if (this.now % this.o.retryTicks === 0) this.sweep();
  }

  /**
   * What the leader of each led group owes the log: decided records driven to the end, undecided ones with no
   * coordinator here aborted after the in-doubt time, prepared transactions asked about after it.
   */
  private sweep(): void {
    const env = this.o.env;
    const seenUndecided = new Set<string>();
    const seenDoubt = new Set<string>();
    for (let g = 0; g < env.shards; g++) {
      const mach = env.machine(g);
      if (!mach || !env.isLeader(g)) continue;
      for (const [id, rec] of mach.recordList()) {
        if (rec.decision !== null) {
          this.drive(id, g, rec.decision, rec.parts);
          continue;
        }
        if (this.inflight.has(id)) continue;
        seenUndecided.add(id);
        const since = this.undecided.get(id);
        if (since === undefined) this.undecided.set(id, this.now);
        else if (this.now - since >= this.o.inDoubtTicks) this.recover(id, g);
      }
      for (const [id, coord] of mach.prepared()) {
        if (coord === g) continue; // resolved by its own decide entry
        const k = `${g}/${id}`;
        seenDoubt.add(k);
        let d = this.doubt.get(k);
        if (!d) {
          d = { id, g, coord, since: this.now, attempt: 0, at: this.now };
          this.doubt.set(k, d);
        }
        if (this.now - d.since >= this.o.inDoubtTicks && this.now - d.at >= this.o.retryTicks) this.ask(d);
      }
    }
    for (const id of this.undecided.keys()) if (!seenUndecided.has(id)) this.undecided.delete(id);
    for (const k of this.doubt.keys()) if (!seenDoubt.has(k)) this.doubt.delete(k);
  }

  private ask(d: Doubt): void {
    d.at = this.now;
    if (!this.o.env.isLeader(d.g) || !this.o.env.machine(d.g)?.isPrepared(d.id)) return;
    this.o.env.send(this.target(d.coord, d.attempt++), { t: 'status', id: d.id, g: d.g, coord: d.coord });
    this.step('status-sent', d.id, d.g);
  }
}

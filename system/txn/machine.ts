// The transactional half of a shard's state machine (docs/txn.md): keys holding a list or a register, the
// locks of strict two-phase locking, prepared transactions with their before-images, the coordinator's
// transaction records, and tombstones of resolved transactions. Everything here changes only by applying log
// entries, in log order, identically on every replica: no clock, no randomness, no I/O.
//
// Writes happen in place at prepare, with a before-image kept for abort (System R's update in place with an
// undo log, Gray & Reuter, "Transaction Processing", 1993, ch. 10): exclusive locks keep every other
// transaction away from an uncommitted value until the resolve entry, and shared locks keep writers away from
// what a prepared transaction read. Conflicts never wait (no-wait locking): a prepare that meets a lock it cannot
// share votes no, so no transaction ever waits for another and deadlock cannot happen (Bernstein, Hadzilacos &
// Goodman, "Concurrency Control and Recovery in Database Systems", 1987, §3.11).
//
// Planted bugs (docs/node.md): `txn-read-uncommitted-lock` reads take no shared lock and read past exclusive
// locks to the last committed value (read committed: Berenson et al., "A Critique of ANSI SQL Isolation Levels",
// 1995, read skew A5A and write skew A5B); `2pc-unlock-before-decision` releases a participant's locks as soon
// as it votes, leaving its uncommitted in-place writes readable and overwritable (below Degree 1 of Gray,
// Lorie, Putzolu & Traiger, "Granularity of Locks and Degrees of Consistency", 1976: dirty reads, G1a/G1c).
import type { InvalidCommand, Json } from '../node/api.js';
import { MAX_LIST_LENGTH, type LogOp } from './ops.js';

export type TxnCommand =
  /** A single-shard transaction in one entry (the fast path): locks checked, reads and writes done, no state. */
  | { op: 'one'; id: string; ops: LogOp[] }
  /**
   * Phase one at a participant: take the locks, compute the reads, write in place with before-images.
   * `parts` only in the coordinator group's own prepare: the other participants; a yes vote there also creates
   * the transaction record (pending), before any other participant hears of the transaction.
   */
  | { op: 'prepare'; id: string; coord: number; ops: LogOp[]; parts?: number[] }
  /** The decision, in the coordinator group only: the first one for a record wins; no record means abort. */
  | { op: 'decide'; id: string; commit: boolean }
  /** Phase two at a participant. */
  | { op: 'resolve'; id: string; commit: boolean }
  /** The coordinator group drops a decided record once every participant has resolved. */
  | { op: 'forget'; id: string };

/** Why a transaction did not commit (a definite abort). */
export type AbortReason = 'conflict' | 'wrong-type' | 'limit' | 'busy' | 'resolved';

export type TxnResult =
  /** `one` committed, or `prepare` voted yes (locks held, writes in place): the reads by position. */
  | { ok: true; txn: 'committed' | 'prepared'; reads: [number, Json][] }
  /** `one` aborted, or `prepare` voted no: nothing changed. */
  | { ok: false; error: 'aborted'; reason: AbortReason; key?: string; message: string }
  /** `decide`: the decision in force (the first one applied; abort when no record exists). */
  | { ok: true; txn: 'decided'; commit: boolean }
  /** `resolve`: how the transaction ended here. */
  | { ok: true; txn: 'resolved'; commit: boolean }
  | { ok: true; txn: 'forgotten' };

/** A key's value: a list built by appends, or a register set by writes. The first write fixes the type. */
export type Stored = { t: 'l'; v: Json[] } | { t: 'r'; v: Json };

/** A transaction prepared here and not yet resolved. */
export interface Part {
  /** The coordinator group (shard) that holds the transaction's record. */
  coord: number;
  /** Keys locked exclusively and shared (empty under 2pc-unlock-before-decision). */
  x: string[];
  s: string[];
  /** Before-images of the keys written in place (null: the key held nothing). */
  undo: [string, Stored | null][];
  /** The vote's reads, so a repeated prepare gets the same answer. */
  reads: [number, Json][];
}

/** A transaction record in its coordinator group: the other participants and the decision (null: pending). */
export interface TxnRecord {
  parts: number[];
  decision: boolean | null;
}

/** Prepared transactions and records a shard holds at most; past them a prepare votes no ("busy"). */
export const MAX_PREPARED = 4096;
/**
 * Resolved transactions a shard remembers, oldest forgotten first. A prepare or resolve that arrives for a
 * transaction resolved here is answered from its tombstone; one delayed past this many later resolutions is
 * treated as new (a prepare then locks until the coordinator group answers "abort": no record means abort).
 */
export const MAX_TOMBSTONES = 65_536;

export interface TxnMachineOptions {
  /** Planted bug txn-read-uncommitted-lock. */
  readUncommitted?: boolean;
  /** Planted bug 2pc-unlock-before-decision. */
  unlockAtVote?: boolean;
}

interface Snapshot {
  data: [string, Stored][];
  x: [string, string][];
  s: [string, string[]][];
  parts: [string, Part][];
  records: [string, TxnRecord][];
  tombs: [string, boolean][];
}

const aborted = (reason: AbortReason, message: string, key?: string): TxnResult =>
  key === undefined
    ? { ok: false, error: 'aborted', reason, message }
    : { ok: false, error: 'aborted', reason, key, message };

const invalid = (message: string): InvalidCommand => ({ ok: false, error: 'invalid-command', message });

export class TxnMachine {
  private data = new Map<string, Stored>();
  private xLocks = new Map<string, string>();
  private sLocks = new Map<string, Set<string>>();
  private parts = new Map<string, Part>();
  private records = new Map<string, TxnRecord>();
  /** id → committed? Insertion order is resolution order (the oldest is evicted first). */
  private tombs = new Map<string, boolean>();

  constructor(private readonly o: TxnMachineOptions = {}) {}

  apply(cmd: TxnCommand): TxnResult | InvalidCommand {
    switch (cmd.op) {
      case 'one':
        return this.execute(cmd.id, cmd.ops, undefined);
      case 'prepare':
        return this.prepare(cmd);
      case 'decide':
        return this.decide(cmd.id, cmd.commit);
      case 'resolve':
        return this.resolve(cmd.id, cmd.commit);
      case 'forget': {
        const rec = this.records.get(cmd.id);
        if (rec?.decision === null) return invalid(`transaction ${cmd.id} is undecided: its record stays`);
        this.records.delete(cmd.id);
        return { ok: true, txn: 'forgotten' };
      }
    }
  }

  private prepare(cmd: Extract<TxnCommand, { op: 'prepare' }>): TxnResult {
    const had = this.parts.get(cmd.id);
    if (had) return { ok: true, txn: 'prepared', reads: had.reads };
    const tomb = this.tombs.get(cmd.id);
    if (tomb !== undefined)
      return aborted('resolved', `transaction ${cmd.id} was already ${tomb ? 'committed' : 'aborted'} here`);
    if (this.parts.size >= MAX_PREPARED || (cmd.parts && this.records.size >= MAX_PREPARED))
      return aborted('busy', `${MAX_PREPARED} transactions are prepared or undecided in this shard`);
    return this.execute(cmd.id, cmd.ops, cmd);
  }

  /**
   * Locks (no-wait), reads and writes of one transaction's micro-ops in this shard, in the client's order (a
   * read sees the transaction's own earlier writes). `prep` undefined: the fast path, committed at once.
   */
  private execute(id: string, ops: LogOp[], prep: Extract<TxnCommand, { op: 'prepare' }> | undefined): TxnResult {
    const mode = new Map<string, 'x' | 's'>();
    for (const [, f, k] of ops) if (f !== 'r' || !mode.has(k)) mode.set(k, f === 'r' ? 's' : 'x');
    for (const [k, m] of mode) {
      const holder = this.xLocks.get(k);
      if (m === 's' && this.o.readUncommitted) continue;
      if (holder !== undefined && holder !== id)
        return aborted('conflict', `key ${k} is locked by transaction ${holder}`, k);
      if (m === 'x') {
        for (const other of this.sLocks.get(k) ?? [])
          if (other !== id) return aborted('conflict', `key ${k} is read-locked by transaction ${other}`, k);
      }
    }
    const next = new Map<string, Stored>();
    const reads: [number, Json][] = [];
    for (const [i, f, k, v] of ops) {
      const cur = next.has(k) ? next.get(k)! : this.visible(k, id);
      if (f === 'r') {
        reads.push([i, cur === null ? null : cur.v]);
      } else if (f === 'append') {
        if (cur !== null && cur.t !== 'l')
          return aborted('wrong-type', `append to key ${k}, which holds a register`, k);
        const list = cur === null ? [] : cur.v;
        if (list.length >= MAX_LIST_LENGTH)
          return aborted('limit', `key ${k} already holds ${MAX_LIST_LENGTH} elements`, k);
        next.set(k, { t: 'l', v: [...list, v] });
      } else {
        if (cur !== null && cur.t !== 'r') return aborted('wrong-type', `write to key ${k}, which holds a list`, k);
        next.set(k, { t: 'r', v });
      }
    }
    if (!prep) {
      for (const [k, s] of next) this.data.set(k, s);
      return { ok: true, txn: 'committed', reads };
    }
    const part: Part = { coord: prep.coord, x: [], s: [], undo: [], reads };
    for (const [k, s] of next) {
      part.undo.push([k, this.data.get(k) ?? null]);
      this.data.set(k, s);
    }
    if (!this.o.unlockAtVote) {
      for (const [k, m] of mode) {
        if (m === 'x') {
          this.xLocks.set(k, id);
          part.x.push(k);
        } else if (!this.o.readUncommitted) {
          const set = this.sLocks.get(k) ?? new Set<string>();
          if (set.size === 0) this.sLocks.set(k, set);
          set.add(id);
          part.s.push(k);
        }
      }
    }
    this.parts.set(id, part);
    if (prep.parts) this.records.set(id, { parts: [...prep.parts], decision: null });
    return { ok: true, txn: 'prepared', reads };
  }

  /**
   * What transaction `id` reads at k. Under correct locking no other transaction's in-place write is here (the
   * lock check above refused the key). Planted txn-read-uncommitted-lock reads past another's exclusive lock to
   * that transaction's before-image: the last committed value, as read committed does.
   */
  private visible(k: string, id: string): Stored | null {
    const holder = this.xLocks.get(k);
    if (holder !== undefined && holder !== id) {
      const before = this.parts.get(holder)?.undo.find(([u]) => u === k);
      if (before) return before[1];
    }
    return this.data.get(k) ?? null;
  }

  private decide(id: string, commit: boolean): TxnResult | InvalidCommand {
    const rec = this.records.get(id);
    // Presumed abort (Mohan, Lindsay & Obermarck, "Transaction Management in the R* Distributed Database
    // Management System", TODS 1986): a record is dropped only after every participant resolved, so no record
    // means no participant waits on a commit. The record (this group's own prepare) may also not be applied yet:
    // it goes out together with the other prepares. A tombstone of this group's part makes it vote no if it
    // ever comes, so it can no longer create a record that a commit could win.
    if (!rec) {
      if (!this.tombs.has(id)) this.tombstone(id, false);
      return { ok: true, txn: 'decided', commit: false };
    }
    if (rec.decision !== null) return { ok: true, txn: 'decided', commit: rec.decision };
    if (!this.parts.has(id)) return invalid(`transaction ${id} has a record but is not prepared in its own shard`);
    rec.decision = commit;
    this.finish(id, commit);
    return { ok: true, txn: 'decided', commit };
  }

  private resolve(id: string, commit: boolean): TxnResult | InvalidCommand {
    if (this.parts.has(id)) {
      if (this.records.has(id)) return invalid(`transaction ${id} is resolved here by its decision, not by resolve`);
      this.finish(id, commit);
      return { ok: true, txn: 'resolved', commit };
    }
    const tomb = this.tombs.get(id);
    if (tomb !== undefined) {
      if (tomb !== commit)
        return invalid(
          `transaction ${id} was ${tomb ? 'committed' : 'aborted'} here; now told to ${commit ? 'commit' : 'abort'}`,
        );
      return { ok: true, txn: 'resolved', commit };
    }
    if (commit) return invalid(`commit of transaction ${id}, which was never prepared here`);
    // An abort that overtook its prepare (the coordinator gave up on this shard's vote): remember it, so that a
    // late prepare votes no instead of locking.
    this.tombstone(id, false);
    return { ok: true, txn: 'resolved', commit: false };
  }

  /** Ends a prepared transaction here: keep (commit) or undo (abort) its writes, release its locks. */
  private finish(id: string, commit: boolean): void {
    const part = this.parts.get(id)!;
    if (!commit) {
      for (const [k, before] of part.undo) {
        if (before === null) this.data.delete(k);
        else this.data.set(k, before);
      }
    }
    for (const k of part.x) if (this.xLocks.get(k) === id) this.xLocks.delete(k);
    for (const k of part.s) {
      const set = this.sLocks.get(k);
      set?.delete(id);
      if (set?.size === 0) this.sLocks.delete(k);
    }
    this.parts.delete(id);
    this.tombstone(id, commit);
  }

  private tombstone(id: string, commit: boolean): void {
    this.tombs.set(id, commit);
    if (this.tombs.size > MAX_TOMBSTONES) this.tombs.delete(this.tombs.keys().next().value!);
  }

  // ---- what the leader's drivers and /status look at (never changes state) ----

  /** The value of k as the last committed state has it, for tests and final checks (null: nothing). */
  read(k: string): Json {
    const s = this.visible(k, '');
    return s === null ? null : s.v;
  }

  /** Transactions prepared here, with their coordinator group. */
  prepared(): [string, number][] {
    return [...this.parts].map(([id, p]) => [id, p.coord]);
  }

  isPrepared(id: string): boolean {
    return this.parts.has(id);
  }

  preparedReads(id: string): [number, Json][] | undefined {
    return this.parts.get(id)?.reads;
  }

  /** How a transaction ended here, if this shard remembers it. */
  outcome(id: string): boolean | undefined {
    return this.tombs.get(id);
  }

  record(id: string): TxnRecord | undefined {
    return this.records.get(id);
  }

  recordList(): [string, TxnRecord][] {
    return [...this.records];
  }

  /** Keys currently locked (both kinds), for /status and the tests that check locks are released. */
  lockCount(): number {
    return this.xLocks.size + this.sLocks.size;
  }

  keys(): string[] {
    return [...this.data.keys()];
  }

  snapshot(): Snapshot {
    return {
      data: [...this.data],
      x: [...this.xLocks],
      s: [...this.sLocks].map(([k, set]) => [k, [...set]]),
      parts: [...this.parts],
      records: [...this.records],
      tombs: [...this.tombs],
    };
  }

  restore(s: Snapshot | undefined): void {
    this.data = new Map(s?.data ?? []);
    this.xLocks = new Map(s?.x ?? []);
    this.sLocks = new Map((s?.s ?? []).map(([k, ids]) => [k, new Set(ids)]));
    this.parts = new Map(s?.parts ?? []);
    this.records = new Map(s?.records ?? []);
    this.tombs = new Map(s?.tombs ?? []);
  }
}

export type TxnSnapshot = Snapshot;

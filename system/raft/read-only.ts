// ReadIndex bookkeeping on the leader (diss. §6.4; the paper gives the same steps in prose, §8): the reads that
// wait for a heartbeat round to confirm this server still leads, and the reads made before it committed an entry
// of its term. The protocol (when a read starts, what its index is, what counts as a confirmation) stays in
// raft.ts; this is etcd-raft's read_only.go.
import { broken } from './invariant.js';
import type { NodeId, ReadState } from './types.js';

interface PendingRead {
  ctx: string;
  /** The commit index when the read was registered (diss. §6.4 step 2): it is served once applied up to here. */
  index: number;
  /** The servers that answered a heartbeat round carrying this read's context (or a later one), this one included. */
  acks: Set<NodeId>;
}

export class ReadOnly {
  /**
   * Waiting for a heartbeat quorum, oldest first. Invariant: the indexes never decrease along the queue (the
   * commit index never does, and a new leader starts empty), so one confirmation releases every earlier read.
   */
  private pending: PendingRead[] = [];
  /** Made before this leader committed an entry of its term (diss. §6.4 step 1), oldest first. */
  private deferred: string[] = [];
  /** A heartbeat round for the pending reads is owed (it goes out with the next Ready). */
  private roundDue = false;

  /** Nothing pending, deferred or owed. */
  idle(): boolean {
    return this.pending.length === 0 && this.deferred.length === 0 && !this.roundDue;
  }

  /** Registers `ctx` to be served at `index` once a heartbeat round confirms leadership (step 3). */
  add(ctx: string, index: number, self: NodeId): void {
    const last = this.pending.at(-1);
    if (last !== undefined && index < last.index)
      broken('ReadIndex reads are registered in commit order', { ctx, index, previousIndex: last.index });
    this.pending.push({ ctx, index, acks: new Set([self]) });
    // One round confirms every read registered before it (etcd's batching), carrying the newest context.
    this.roundDue = true;
  }

  defer(ctx: string): void {
    this.deferred.push(ctx);
  }

  /** The deferred reads, oldest first, now that the leader committed an entry of its term. */
  takeDeferred(): string[] {
    const d = this.deferred;
    this.deferred = [];
    return d;
  }

  hasDeferred(): boolean {
    return this.deferred.length > 0;
  }

  roundOwed(): boolean {
    return this.roundDue;
  }

  /** Whether a round is owed; clears the debt (the caller sends it). */
  takeRoundDue(): boolean {
    const due = this.roundDue;
    this.roundDue = false;
    return due;
  }

  /** The newest pending read's context: what a heartbeat round carries to confirm them all. */
  lastCtx(): string | undefined {
    return this.pending.at(-1)?.ctx;
  }

  /** `from` answered the round carrying `ctx`: the acks of that read so far, or undefined when it is not pending. */
  recvAck(from: NodeId, ctx: string): ReadonlySet<NodeId> | undefined {
    const r = this.pending.find((p) => p.ctx === ctx);
    if (r === undefined) return undefined;
    r.acks.add(from);
    return r.acks;
  }

  /**
   * A quorum confirmed leadership after the read `ctx` was registered, hence after every earlier one too: all of
   * them are released, oldest first.
   */
  advance(ctx: string): ReadState[] {
    const at = this.pending.findIndex((p) => p.ctx === ctx);
    if (at < 0) return [];
    return this.pending.splice(0, at + 1).map((r) => ({ index: r.index, ctx: r.ctx }));
  }

  /** Leadership lost: every read waiting on it is dropped (the runtime times them out; the client retries). */
  reset(): void {
    this.pending = [];
    this.deferred = [];
    this.roundDue = false;
  }
}

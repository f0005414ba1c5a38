// Everything one node process hosts: a Raft group per shard it replicates (DESIGN.md: shard = hash(key) mod S,
// replicas by rendezvous hashing), each with its own folder, log and state machine, all sharing one transport
// and one ticker. Requests are routed by the shard of their key or lock name.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Message, NodeId } from '../raft/types.js';
import { place, shardOf, shardsOn, type Placement } from '../shard/placement.js';
import { ShardMachine } from '../shard/machine.js';
import { RaftGroup } from './group.js';
import { DiskStorage } from './storage.js';

export interface HostOptions {
  id: NodeId;
  members: NodeId[];
  shards: number;
  replication: number;
  dataDir: string;
  fsync: boolean;
  bugs: string[];
  electionTick: number;
  heartbeatTick: number;
  snapshotEvery: number;
  send: (to: NodeId, group: string, msgs: Message[]) => void;
  /** Push queued frames onto the wire now. */
  flush?: () => void;
  logger: Logger;
  /**
   * The disk failed (StorageFailure) or the ready loop threw: this node can no longer keep Raft's promises, so it
   * must stop acknowledging at once. main.ts exits the process (crash-stop, which Raft tolerates).
   */
  onFatal?: (err: Error) => void;
}

export class NodeHost {
  readonly placement: Placement;
  readonly groups = new Map<number, RaftGroup>();
  private readonly storages: DiskStorage[] = [];
  /**
   * Planted bug "wrong-shard": what this node answers for shards it does not hold, from local state that no
   * Raft group replicates (a node that serves a key it does not own).
   */
  readonly foreign = new ShardMachine();

  constructor(readonly o: HostOptions) {
    this.placement = place([...o.members].sort(), o.shards, o.replication);
    for (const s of shardsOn(this.placement, o.id)) {
      const storage = DiskStorage.open(join(o.dataDir, `shard-${s}`), {
        fsync: o.fsync, peers: this.placement.replicas[s], deferWrites: o.bugs.includes('no-fsync'),
      });
      for (const w of storage.warnings) o.logger.warn({ shard: s }, w);
      this.storages.push(storage);
      this.groups.set(s, new RaftGroup({
        groupId: String(s), id: o.id, storage, send: o.send, logger: o.logger, schedule: (urgent) => this.schedule(urgent),
        electionTick: o.electionTick, heartbeatTick: o.heartbeatTick, bugs: new Set(o.bugs), snapshotEvery: o.snapshotEvery,
      }));
    }
  }

  private scheduled = false;
  private urgent = false;
  private stopped = false;

  /** Drain soon: on a microtask when urgent, else on the next loop turn (letting writes pile up). */
  schedule(urgent: boolean): void {
    if (this.stopped) return;
    if (urgent) {
      if (this.urgent) return;
      this.urgent = true;
      queueMicrotask(() => { this.urgent = false; this.drain(); });
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.drain(); });
  }

  /**
   * One pass over every group: take each ready, write all entries, sync each written log once, then send and
   * apply. Raft's order holds per group (persist, then send, then apply) while the disk and the network are
   * used once per pass instead of once per group.
   */
  drain(): void {
    try {
      this.drainOnce();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** Stops every group (nothing more is sent, applied or answered) and reports the failure once. */
  fail(err: Error): void {
    if (this.stopped) return;
    this.o.logger.fatal({ err: err.message }, 'storage or ready loop failed; stopping this node');
    this.stop();
    this.o.onFatal?.(err);
  }

  private drainOnce(): void {
    for (let round = 0; round < 64 && !this.stopped; round++) {
      const batch: [RaftGroup, import('../raft/types.js').Ready][] = [];
      for (const g of this.groups.values()) {
        if (g.stopped || !g.raft.hasReady()) continue;
        const rd = g.raft.ready();
        g.begin(rd);
        batch.push([g, rd]);
      }
      if (batch.length === 0) return;
      // Leaders' appends go out before the fsync below (diss. §10.2.1), so followers write in parallel.
      this.o.flush?.();
      for (const s of this.storages) s.sync();
      for (const [g, rd] of batch) g.finish(rd);
    }
    this.schedule(false);
  }

  shardOf(key: string): number {
    return shardOf(key, this.o.shards);
  }

  /** The local group for a key's shard, or undefined when this node holds no replica of it. */
  groupFor(key: string): { shard: number; group: RaftGroup | undefined } {
    const shard = this.shardOf(key);
    return { shard, group: this.groups.get(shard) };
  }

  deliver(groupId: string, msgs: Message[]): void {
    this.groups.get(Number(groupId))?.stepAll(msgs);
  }

  tick(): void {
    for (const g of this.groups.values()) g.tick();
  }

  /** Every hosted group knows a leader. */
  ready(): boolean {
    for (const g of this.groups.values()) if (g.leader() === null) return false;
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const g of this.groups.values()) g.stop();
    for (const s of this.storages) {
      try { s.close(); } catch { /* a failed disk: closing is best effort */ }
    }
  }
}

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
  logger: Logger;
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
        groupId: String(s), id: o.id, storage, send: o.send, logger: o.logger,
        electionTick: o.electionTick, heartbeatTick: o.heartbeatTick, bugs: new Set(o.bugs), snapshotEvery: o.snapshotEvery,
      }));
    }
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
    for (const g of this.groups.values()) g.stop();
    for (const s of this.storages) s.close();
  }
}

// Everything one node process hosts: a Raft group per shard it replicates (DESIGN.md: shard = hash(key) mod S,
// replicas by rendezvous hashing), each with its own state machine, all sharing one write-ahead log (wal.ts),
// one outgoing frame per peer per pass, and one clock (coordinator.ts: coalesced heartbeats, quiescence,
// leadership rebalancing). Requests are routed by the shard of their key or lock name. Transactions across
// shards are driven by one TxnManager per node (system/txn/manager.ts), whose messages share the peer frames.
import type { Logger } from 'pino';
import type { Message, NodeId, Ready } from '../raft/types.js';
import { place, shardOf, shardsOn, type Placement } from '../shard/placement.js';
import { ShardMachine, type ShardCommand } from '../shard/machine.js';
import { TxnManager, type Proposed, type TxnEnv } from '../txn/manager.js';
import { parseTxnMessage, type TxnMessage } from '../txn/messages.js';
import { Coordinator } from './coordinator.js';
import { RaftGroup } from './group.js';
import { DiskStorage } from './storage.js';
import type { Frame } from './transport.js';
import { Wal } from './wal.js';

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
  /** Roll the WAL to a checkpoint segment beyond this size (default 64 MiB). */
  walSegmentBytes?: number;
  /** Sends one frame to a peer (messages of any number of groups, maybe the node beat). */
  send: (to: NodeId, frame: Frame) => void;
  /** Push queued frames onto the wire now. */
  flush?: () => void;
  logger: Logger;
  /**
   * The disk failed (StorageFailure), the ready loop threw or a Raft core found a broken invariant
   * (InvariantError): this node can no longer keep Raft's promises, so it must stop acknowledging at once.
   * main.ts exits the process (crash-stop, which Raft tolerates).
   */
  onFatal?: (err: Error) => void;
  /** Off switches for measurements (default on). */
  quiesce?: boolean;
  rebalance?: boolean;
  /** Length of a tick and the client request timeout, from which the transaction timers derive (10, 2000). */
  tickMs?: number;
  requestTimeoutMs?: number;
}

export class NodeHost {
  readonly placement: Placement;
  readonly groups = new Map<number, RaftGroup>();
  readonly wal: Wal;
  readonly coordinator: Coordinator;
  /**
   * Planted bug "wrong-shard": what this node answers for shards it does not hold, from local state that no
   * Raft group replicates (a node that serves a key it does not own).
   */
  readonly foreign = new ShardMachine();
  /** Messages produced in the current pass, per peer and group: one frame per peer when the pass flushes. */
  private outbox = new Map<NodeId, Map<string, Message[]>>();
  /** Two-phase commit messages waiting for the next frame to each peer. */
  private txnOutbox = new Map<NodeId, TxnMessage[]>();
  readonly txn: TxnManager;

  constructor(readonly o: HostOptions) {
    this.placement = place([...o.members].sort(), o.shards, o.replication);
    this.wal = Wal.open(o.dataDir, {
      fsync: o.fsync,
      deferWrites: o.bugs.includes('no-fsync'),
      dirFsync: !o.bugs.includes('no-dir-fsync'),
      segmentBytes: o.walSegmentBytes,
    });
    for (const w of this.wal.warnings) o.logger.warn(w);
    const rafts = new Map<string, RaftGroup['raft']>();
    for (const s of shardsOn(this.placement, o.id)) {
      const storage = new DiskStorage(this.wal, String(s), this.placement.replicas[s]);
      const g = new RaftGroup({
        groupId: String(s),
        id: o.id,
        storage,
        replicas: this.placement.replicas[s],
        send: (to, group, msgs) => this.enqueue(to, group, msgs),
        logger: o.logger,
        schedule: (urgent) => this.schedule(urgent),
        electionTick: o.electionTick,
        heartbeatTick: o.heartbeatTick,
        bugs: new Set(o.bugs),
        snapshotEvery: o.snapshotEvery,
      });
      this.groups.set(s, g);
      rafts.set(String(s), g.raft);
    }
    this.coordinator = new Coordinator(
      {
        id: o.id,
        members: o.members,
        electionTick: o.electionTick,
        heartbeatTick: o.heartbeatTick,
        random: Math.random,
        quiesce: o.quiesce,
        rebalance: o.rebalance,
      },
      rafts,
    );
    this.txn = this.txnManager();
  }

  /**
   * The transaction driver's view of this node. Timers: a coordinator waits one request timeout for votes; an
   * unanswered message is resent to the next replica after an election timeout; a leader asks about (or, in
   * the coordinator group, aborts) a transaction left prepared or undecided a request timeout plus that.
   */
  private txnManager(): TxnManager {
    const o = this.o;
    const tickMs = o.tickMs ?? 10;
    const timeoutMs = o.requestTimeoutMs ?? 2000;
    const voteTicks = Math.max(1, Math.ceil(timeoutMs / tickMs));
    const env: TxnEnv = {
      self: o.id,
      shards: o.shards,
      shardOf: (k) => shardOf(k, o.shards),
      replicas: (g) => this.placement.replicas[g] ?? [],
      machine: (g) => this.groups.get(g)?.machine.txn,
      isLeader: (g) => this.groups.get(g)?.isLeader() ?? false,
      leaderHint: (g) => this.groups.get(g)?.leader() ?? this.coordinator.leaderOf(String(g)) ?? null,
      propose: (g, cmd, done) => {
        const group = this.groups.get(g);
        if (!group) {
          queueMicrotask(() => done('not-leader'));
          return;
        }
        group
          .propose({ kind: 'txn', ...cmd } as ShardCommand, timeoutMs)
          .then((r) => done(r === undefined ? 'not-leader' : (r as Proposed)))
          .catch(() => done('timeout'));
      },
      send: (to, m) => {
        if (to === o.id) {
          queueMicrotask(() => {
            if (!this.stopped) this.txn.onMessage(o.id, m);
          });
          return;
        }
        const l = this.txnOutbox.get(to) ?? [];
        if (l.length === 0) this.txnOutbox.set(to, l);
        l.push(m);
        this.schedule(false);
      },
    };
    const debug = o.logger.isLevelEnabled('debug');
    return new TxnManager({
      env,
      idPrefix: `${o.id}.${this.coordinator.run}.`,
      voteTicks,
      retryTicks: o.electionTick,
      inDoubtTicks: voteTicks + o.electionTick,
      earlyAck: o.bugs.includes('2pc-early-ack'),
      onStep: debug ? (step, id, g) => o.logger.debug({ txn: id, step, shard: g }, 'txn step') : undefined,
      onViolation: (message) => o.logger.error({ message }, 'transaction invariant broken'),
    });
  }

  private scheduled = false;
  private urgent = false;
  private stopped = false;

  /** Drain soon: on a microtask when urgent, else once this poll phase has read what arrived (letting work pile up). */
  schedule(urgent: boolean): void {
    if (this.stopped) return;
    if (urgent) {
      if (this.urgent) return;
      this.urgent = true;
      queueMicrotask(() => {
        this.urgent = false;
        this.drain();
      });
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /**
   * One pass over every group: take each ready and add its records to the WAL batch, sync the WAL once for all
   * of them, then send (one frame per peer for every group) and apply. Raft's order holds per group (persist,
   * then send, then apply) while the disk and the network are used once per pass instead of once per group.
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
    this.o.logger.fatal({ err: err.message }, 'storage, ready loop or Raft core failed; stopping this node');
    this.stop();
    this.o.onFatal?.(err);
  }

  /** What the passes did, for /status and the benchmarks (per acknowledged write, they show batching at work). */
  readonly io = { passes: 0, framesOut: 0, framesIn: 0 };

  /**
   * Take every group's ready and add the records to the WAL batch, let leaders' appends go, write and
   * fdatasync the batch once, then finish each group (send, apply) and send one frame per peer.
   *
   * The fdatasync blocks the event loop, on purpose. Whatever arrives meanwhile (peer frames, requests) waits
   * in the kernel's socket buffers and is read in one go on the next poll phase, so the next pass covers all
   * of it: group commit across every group of the node. Measured (5 nodes on 2 cores, c=64, same sitting):
   * syncing on libuv's thread pool instead, which let the loop step each arrival as it came, cost 1.5× the
   * CPU per acknowledged write with one group and 1.15× with eight, from a wakeup and a partial pass per
   * arrival. A node's liveness does not suffer: its ticks and heartbeats wait for the sync either way (nothing
   * leaves a node outside a pass).
   */
  private drainOnce(): void {
    const batch: [RaftGroup, Ready][] = [];
    for (const g of this.groups.values()) {
      if (g.stopped || !g.raft.hasReady()) continue;
      const rd = g.raft.ready();
      g.begin(rd);
      batch.push([g, rd]);
    }
    if (batch.length === 0) {
      this.flushOutbox(true);
      return;
    }
    this.io.passes++;
    // Leaders' appends go out before the sync (diss. §10.2.1), so followers write in parallel.
    this.flushOutbox(false);
    this.wal.sync();
    for (const [g, rd] of batch) g.finish(rd);
    // What the batch released, and the node beat when one is due: one frame per peer.
    this.flushOutbox(true);
    // Applying can leave more to do (a read index reached, an answer to a stepped message): next turn.
    for (const g of this.groups.values())
      if (!g.stopped && g.raft.hasReady()) {
        this.schedule(false);
        break;
      }
  }

  private enqueue(to: NodeId, group: string, msgs: Message[]): void {
    let byGroup = this.outbox.get(to);
    if (!byGroup) {
      byGroup = new Map();
      this.outbox.set(to, byGroup);
    }
    const l = byGroup.get(group);
    if (l) l.push(...msgs);
    else byGroup.set(group, msgs.slice());
  }

  /** One frame per peer with every group's messages; with `beat`, the node beat goes to every peer. */
  private flushOutbox(withBeat: boolean): void {
    const beat = withBeat ? this.coordinator.takeBeat() : undefined;
    if (this.outbox.size === 0 && this.txnOutbox.size === 0 && !beat) return;
    const out = this.outbox;
    const txn = this.txnOutbox;
    this.outbox = new Map();
    this.txnOutbox = new Map();
    const peers = beat ? this.o.members.filter((m) => m !== this.o.id) : [...new Set([...out.keys(), ...txn.keys()])];
    for (const p of peers) {
      const byGroup = out.get(p);
      const frame: Frame = { groups: byGroup ? Object.fromEntries(byGroup) : {} };
      if (beat) frame.beat = beat;
      const t = txn.get(p);
      if (t) frame.txn = t;
      this.io.framesOut++;
      this.o.send(p, frame);
    }
    this.o.flush?.();
  }

  shardOf(key: string): number {
    return shardOf(key, this.o.shards);
  }

  /** The local group for a key's shard, or undefined when this node holds no replica of it. */
  groupFor(key: string): { shard: number; group: RaftGroup | undefined } {
    const shard = this.shardOf(key);
    return { shard, group: this.groups.get(shard) };
  }

  /** A frame from an authenticated peer: the beat first (liveness), then each group's messages. */
  deliver(from: NodeId, f: Frame): void {
    if (this.stopped) return;
    // Stepping a core can find a broken invariant; like a failed disk, that stops the node (fail), once.
    try {
      this.io.framesIn++;
      this.coordinator.received(from, f.beat);
      for (const [g, msgs] of Object.entries(f.groups)) this.groups.get(Number(g))?.stepAll(msgs);
      for (const x of f.txn ?? []) {
        const m = parseTxnMessage(x, this.o.shards);
        if (m) this.txn.onMessage(from, m);
      }
      if (f.beat) this.schedule(false);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  tick(): void {
    if (this.stopped) return;
    try {
      this.coordinator.tick();
      for (const g of this.groups.values()) g.afterTick();
      this.txn.tick();
      this.schedule(false);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** Every hosted group of which this node is a voter knows a leader (a removed replica hears from none). */
  ready(): boolean {
    for (const g of this.groups.values()) if (g.leader() === null && g.raft.peers.includes(this.o.id)) return false;
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const g of this.groups.values()) g.stop();
    try {
      this.wal.close();
    } catch {
      /* a failed disk: closing is best effort */
    }
  }
}

// The seeded simulation of Multi-Raft: N nodes, each hosting its replicas of S groups (placed as the real
// cluster places shards), driven the way system/node/host.ts drives them: one write-ahead log per node shared
// by all its groups (records tagged with the group, one sync per batch), one frame per peer per pass carrying
// every group's messages and the node beat, and the real Coordinator (system/node/coordinator.ts) for
// coalesced heartbeats, quiescence, failure detection and leadership rebalancing. Everything random derives
// from the seed. Every group's Figure 3 properties are checked after every frame, tick and apply.
//
// "Crash mid-batch": a node marked with tearNextBatch() dies after its next batch reached the WAL but before
// the sync returned; the disk keeps the synced records plus a random strict prefix of the batch (a torn write
// of records from every group in it). Nothing of that batch was sent or applied, so nothing of it was
// acknowledged: the checks must hold.
import { Random } from '../../harness/generator/random.js';
import { Coordinator } from '../../system/node/coordinator.js';
import type { Frame } from '../../system/node/transport.js';
import { MemoryStorage } from '../../system/raft/memory-storage.js';
import { Raft } from '../../system/raft/raft.js';
import type {
  ConfChange,
  ConfChangeResult,
  Entry,
  HardState,
  Message,
  NodeId,
  Ready,
  Snapshot,
} from '../../system/raft/types.js';
import { place } from '../../system/shard/placement.js';
import { RELIABLE, type NetConfig } from './cluster.js';
import { GroupSafety } from './safety.js';

/**
 * An application beside Raft on every node (test/sim/txn-cluster.ts hosts the two-phase commit driver): it sees
 * every applied entry, keeps state that snapshots carry, ticks with the node, and exchanges messages that ride
 * in the node's frames, exactly where the real host (system/node/host.ts) puts them.
 */
export interface SimApp {
  started(node: MultiNode): void;
  crashed(node: MultiNode): void;
  applied(node: MultiNode, g: string, e: Entry): void;
  /** The application's state of `g` on `node`, for a snapshot at the applied index; and its restore. */
  snapshot(node: MultiNode, g: string): unknown;
  restore(node: MultiNode, g: string, state: unknown): void;
  tick(node: MultiNode): void;
  received(node: MultiNode, from: NodeId, f: Frame): void;
  /** Messages for the node's next frames, by peer (taken: the app forgets them). */
  outgoing(node: MultiNode): Map<NodeId, unknown[]>;
}

/** What a snapshot file holds: the applied entries, and the application's state when there is one. */
interface SnapData {
  applied: { index: number; data: string }[];
  app?: unknown;
}

type WalRec =
  | { g: string; hs: HardState }
  | { g: string; e: Entry }
  | { g: string; trunc: number }
  | { g: string; reset: number };

export interface MultiOptions {
  seed: number;
  nodes: number;
  groups: number;
  replication?: number;
  net?: NetConfig;
  electionTick?: number;
  heartbeatTick?: number;
  quiesce?: boolean;
  rebalance?: boolean;
  snapshotEvery?: number;
  /** Builds the application (before any node starts). */
  app?: (c: MultiCluster) => SimApp;
}

interface Replica {
  raft: Raft;
  store: MemoryStorage;
  durableHard: HardState;
  applied: { index: number; data: string }[];
  appliedIndex: number;
  snapIndex: number;
}

export class MultiNode {
  incarnation = 0;
  up = false;
  connected = true;
  /** The shared WAL: every record this node wrote, and how many of them a sync covered. */
  wal: WalRec[] = [];
  synced = 0;
  /** Per-group snapshot files (durable when written). */
  snaps = new Map<string, Snapshot>();
  replicas = new Map<string, Replica>();
  coord: Coordinator | undefined;
  tearNext = false;
  syncs = 0;
  /** Crashed while its own code was running (doom()): it dies as soon as that code returns to the cluster. */
  doomed = false;

  constructor(
    readonly id: NodeId,
    readonly groups: string[],
  ) {}
}

interface InFlight {
  at: number;
  from: NodeId;
  to: NodeId;
  frame: Frame;
  toIncarnation: number;
}

export class MultiCluster {
  readonly rnd: Random;
  readonly ids: NodeId[];
  readonly groupIds: string[];
  readonly replicasOf = new Map<string, NodeId[]>();
  readonly nodes = new Map<NodeId, MultiNode>();
  readonly safety = new Map<string, GroupSafety>();
  net: NetConfig;
  now = 0;
  private queue: InFlight[] = [];
  private cut = new Set<string>();
  /** Frames sent, group messages inside them, frames that carried only the node beat. */
  frames = 0;
  groupMsgs = 0;
  beatOnly = 0;
  /** Torn batches: how many, and how many held records of more than one group. */
  torn = 0;
  tornMultiGroup = 0;
  /** Writes a leader acknowledged (applied on the leader that proposed them): group, index, command. */
  acked: { g: string; index: number; data: string }[] = [];
  private proposedBy = new Map<string, NodeId>();
  trace: string[] = [];
  readonly app: SimApp | undefined;
  /** The node whose pass, delivery or tick is running (doom() waits for it to return). */
  private active: NodeId | undefined;

  constructor(readonly o: MultiOptions) {
    this.app = o.app?.(this);
    this.rnd = new Random(o.seed);
    this.net = o.net ?? RELIABLE;
    this.ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    const p = place(this.ids, o.groups, o.replication ?? 3);
    this.groupIds = Array.from({ length: o.groups }, (_, g) => String(g));
    for (const g of this.groupIds) {
      this.replicasOf.set(g, p.replicas[Number(g)]);
      this.safety.set(g, new GroupSafety(g));
    }
    for (const id of this.ids) {
      this.nodes.set(
        id,
        new MultiNode(
          id,
          this.groupIds.filter((g) => this.replicasOf.get(g)!.includes(id)),
        ),
      );
      this.start(id);
    }
  }

  get electionTick(): number {
    return this.o.electionTick ?? 10;
  }

  private log(s: string): void {
    this.trace.push(`t=${this.now} ${s}`);
    if (this.trace.length > 200) this.trace.shift();
  }

  // ---- lifecycle: recovery rebuilds every group from its snapshot file and the shared WAL ----

  start(id: NodeId): void {
    const node = this.nodes.get(id)!;
    if (node.up) return;
    node.incarnation++;
    node.up = true;
    node.tearNext = false;
    node.doomed = false;
    node.replicas = new Map();
    const rafts = new Map<string, Raft>();
    const rnd = this.rnd.fork(node.incarnation * 1000 + this.ids.indexOf(id));
    for (const g of node.groups) {
      const store = new MemoryStorage(this.replicasOf.get(g)!);
      let durableHard: HardState = { term: 0, vote: null, commit: 0 };
      const snap = node.snaps.get(g);
      if (snap) store.applySnapshot(snap);
      for (const r of node.wal) {
        if (r.g !== g) continue;
        if ('hs' in r) {
          store.setHardState(r.hs);
          durableHard = r.hs;
        } else if ('trunc' in r) store.truncate(r.trunc);
        else if ('reset' in r) {
          const s = node.snaps.get(g);
          if (s && s.meta.index >= r.reset) store.applySnapshot(s);
        } else store.append([r.e]);
      }
      const data = snap ? (JSON.parse(snap.data) as SnapData) : undefined;
      const applied = data?.applied ?? [];
      this.app?.restore(node, g, data?.app);
      const snapIndex = snap?.meta.index ?? 0;
      const raft = new Raft({
        id,
        electionTick: this.electionTick,
        heartbeatTick: this.o.heartbeatTick ?? 2,
        preVote: true,
        checkQuorum: true,
        random: () => rnd.float(),
        storage: store,
        applied: snapIndex,
        hostHeartbeats: true,
        universe: this.replicasOf.get(g)!,
      });
      node.replicas.set(g, { raft, store, durableHard, applied, appliedIndex: snapIndex, snapIndex });
      rafts.set(g, raft);
    }
    node.coord = new Coordinator(
      {
        id,
        members: this.ids,
        electionTick: this.electionTick,
        heartbeatTick: this.o.heartbeatTick ?? 2,
        random: () => rnd.float(),
        quiesce: this.o.quiesce ?? true,
        rebalance: this.o.rebalance ?? true,
      },
      rafts,
    );
    this.app?.started(node);
    this.log(`start ${id}`);
  }

  /** kill -9 between batches: everything synced survives (and, the sim's disk being honest, nothing else exists). */
  crash(id: NodeId): void {
    const node = this.nodes.get(id)!;
    if (!node.up) return;
    node.up = false;
    node.doomed = false;
    node.wal.length = node.synced;
    node.coord = undefined;
    this.app?.crashed(node);
    this.log(`crash ${id}`);
  }

  /**
   * kill -9 now, from inside some node's code (a step hook): another node dies at once; the running node dies
   * as soon as its code returns to the cluster, and nothing it does meanwhile leaves it (the app checks doomed).
   */
  doom(id: NodeId): void {
    const node = this.nodes.get(id)!;
    if (!node.up) return;
    if (this.active === id) node.doomed = true;
    else this.crash(id);
  }

  /** Runs `f` as node `id`'s code; a doom() meanwhile takes effect when it returns. */
  private as(id: NodeId, f: () => void): void {
    const before = this.active;
    this.active = id;
    try {
      f();
    } finally {
      this.active = before;
      const node = this.nodes.get(id)!;
      if (node.doomed) this.crash(id);
    }
  }

  /** The node dies during its next batch, after the write began and before the sync returned. */
  tearNextBatch(id: NodeId): void {
    this.nodes.get(id)!.tearNext = true;
  }

  // ---- network ----

  disconnect(id: NodeId): void {
    this.nodes.get(id)!.connected = false;
    this.log(`disconnect ${id}`);
  }
  connect(id: NodeId): void {
    this.nodes.get(id)!.connected = true;
    this.log(`connect ${id}`);
  }
  connectAll(): void {
    for (const n of this.nodes.values()) n.connected = true;
    this.cut.clear();
  }

  partition(sides: NodeId[][]): void {
    this.cut.clear();
    const side = new Map<NodeId, number>();
    for (const [i, s] of sides.entries()) for (const id of s) side.set(id, i);
    for (const a of this.ids)
      for (const b of this.ids) if (a !== b && side.get(a) !== side.get(b)) this.cut.add(`${a}>${b}`);
    this.log(`partition ${JSON.stringify(sides)}`);
  }

  private linkUp(a: NodeId, b: NodeId): boolean {
    return this.nodes.get(a)!.connected && this.nodes.get(b)!.connected && !this.cut.has(`${a}>${b}`);
  }

  private enqueue(from: NodeId, to: NodeId, frame: Frame): void {
    this.frames++;
    let n = 0;
    for (const l of Object.values(frame.groups)) n += l.length;
    this.groupMsgs += n;
    if (n === 0) this.beatOnly++;
    if (!this.linkUp(from, to) || this.rnd.chance(this.net.drop)) return;
    const copies = this.rnd.chance(this.net.duplicate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      let delay = this.rnd.int(this.net.minDelay, this.net.maxDelay + 1);
      if (this.rnd.chance(this.net.longDelayRate)) delay += this.rnd.int(0, this.net.longDelay + 1);
      this.queue.push({
        at: this.now + Math.max(1, delay),
        from,
        to,
        frame,
        toIncarnation: this.nodes.get(to)!.incarnation,
      });
    }
  }

  private deliver(f: InFlight): void {
    const node = this.nodes.get(f.to)!;
    if (!node.up || node.incarnation !== f.toIncarnation || !this.linkUp(f.from, f.to)) return;
    this.as(node.id, () => {
      node.coord!.received(f.from, f.frame.beat);
      for (const [g, msgs] of Object.entries(f.frame.groups)) {
        const r = node.replicas.get(g);
        if (r) for (const m of msgs) r.raft.step(m);
      }
      this.app?.received(node, f.from, f.frame);
      this.process(node);
    });
  }

  // ---- time ----

  step(): void {
    this.now++;
    const due = this.queue.filter((f) => f.at <= this.now);
    if (due.length > 0) {
      this.queue = this.queue.filter((f) => f.at > this.now);
      for (let i = due.length - 1; i > 0; i--) {
        const j = this.rnd.int(0, i + 1);
        [due[i], due[j]] = [due[j], due[i]];
      }
      for (const f of due) this.deliver(f);
    }
    for (const id of this.ids) {
      const node = this.nodes.get(id)!;
      if (!node.up) continue;
      this.as(id, () => {
        node.coord!.tick();
        this.app?.tick(node);
        this.process(node);
      });
    }
  }

  run(ticks: number): void {
    for (let i = 0; i < ticks; i++) this.step();
  }

  until(pred: () => boolean, ticks: number): boolean {
    for (let i = 0; i < ticks; i++) {
      if (pred()) return true;
      this.step();
    }
    return pred();
  }

  // ---- the host's pass: every group's ready into the shared WAL, one sync, one frame per peer, apply ----

  private process(node: MultiNode): void {
    const outbox = new Map<NodeId, Record<string, Message[]>>();
    for (let round = 0; round < 50 && node.up && !node.doomed; round++) {
      const batch: [string, Replica, Ready][] = [];
      for (const [g, r] of node.replicas) {
        if (!r.raft.hasReady()) continue;
        const rd = r.raft.ready();
        this.persist(node, g, r, rd);
        batch.push([g, r, rd]);
      }
      if (batch.length === 0) break;
      if (node.tearNext && node.wal.length > node.synced) {
        // The process dies while the batch is being written: a strict prefix of it reached the disk.
        const unsynced = node.wal.slice(node.synced);
        const keep = this.rnd.int(0, unsynced.length);
        this.torn++;
        if (new Set(unsynced.map((r) => r.g)).size > 1) this.tornMultiGroup++;
        node.synced += keep;
        this.log(`torn batch on ${node.id}: ${keep} of ${unsynced.length} records kept`);
        this.crash(node.id);
        return;
      }
      node.synced = node.wal.length;
      node.syncs++;
      for (const [g, r, rd] of batch) {
        if (rd.softState?.role === 'leader') this.safety.get(g)!.leader(node.id, r.raft.term, r.raft.log);
        for (const m of rd.messages) {
          let byGroup = outbox.get(m.to);
          if (!byGroup) {
            byGroup = {};
            outbox.set(m.to, byGroup);
          }
          byGroup[g] ??= [];
          byGroup[g].push(m);
        }
        this.apply(node, g, r, rd);
        if (node.doomed) return; // it died while applying: nothing more is applied or sent
        r.raft.advance(rd);
        this.maybeSnapshot(node, g, r);
      }
    }
    if (!node.up || node.doomed) return;
    const beat = node.coord!.takeBeat();
    const app = this.app?.outgoing(node) ?? new Map<NodeId, unknown[]>();
    const peers = beat ? this.ids.filter((p) => p !== node.id) : [...new Set([...outbox.keys(), ...app.keys()])];
    for (const p of peers) {
      const frame: Frame = { groups: outbox.get(p) ?? {} };
      if (beat) frame.beat = beat;
      const txn = app.get(p);
      if (txn) frame.txn = txn;
      this.enqueue(node.id, p, frame);
    }
  }

  private persist(node: MultiNode, g: string, r: Replica, rd: Ready): void {
    if (rd.snapshot) {
      // As DiskStorage.applySnapshot: the reset record durably first, then the snapshot file.
      node.wal.push({ g, reset: rd.snapshot.meta.index });
      node.synced = node.wal.length;
      node.snaps.set(g, rd.snapshot);
      r.store.applySnapshot(rd.snapshot);
    }
    const hs = rd.hardState;
    if (hs && (hs.term !== r.durableHard.term || hs.vote !== r.durableHard.vote)) {
      node.wal.push({ g, hs });
      r.durableHard = hs;
    }
    const kept = rd.entries.filter((e) => e.index >= r.store.firstIndex());
    if (kept.length > 0 && kept[0].index <= r.store.lastIndex()) node.wal.push({ g, trunc: kept[0].index });
    for (const e of kept) node.wal.push({ g, e });
    r.store.append(rd.entries);
    if (hs) r.store.setHardState(hs);
    this.safety.get(g)!.persisted(node.id, rd.entries, (i) => r.store.term(i));
  }

  private apply(node: MultiNode, g: string, r: Replica, rd: Ready): void {
    if (rd.snapshot) {
      const data = JSON.parse(rd.snapshot.data) as SnapData;
      r.applied = data.applied;
      this.app?.restore(node, g, data.app);
      r.appliedIndex = rd.snapshot.meta.index;
      r.snapIndex = rd.snapshot.meta.index;
    }
    for (const e of rd.committedEntries) {
      if (e.index !== r.appliedIndex + 1)
        throw new Error(`group ${g}: ${node.id} applies ${e.index} after ${r.appliedIndex}`);
      r.appliedIndex = e.index;
      this.safety.get(g)!.applied(node.id, e);
      if (e.type !== 'normal') continue;
      r.applied.push({ index: e.index, data: e.data });
      if (this.proposedBy.get(e.data) === node.id && r.raft.role === 'leader')
        this.acked.push({ g, index: e.index, data: e.data });
      this.app?.applied(node, g, e);
      if (node.doomed) return;
    }
  }

  private maybeSnapshot(node: MultiNode, g: string, r: Replica): void {
    const every = this.o.snapshotEvery ?? 0;
    if (every <= 0 || r.appliedIndex - r.snapIndex < every) return;
    // As DiskStorage.createSnapshot: everything before it is synced first; the snapshot file is durable.
    node.synced = node.wal.length;
    node.snaps.set(
      g,
      r.store.createSnapshot(
        r.appliedIndex,
        JSON.stringify({ applied: r.applied, app: this.app?.snapshot(node, g) } satisfies SnapData),
        r.raft.configAt(r.appliedIndex),
      ),
    );
    r.snapIndex = r.appliedIndex;
  }

  // ---- helpers for scenarios ----

  replica(id: NodeId, g: string): Replica | undefined {
    const n = this.nodes.get(id)!;
    return n.up ? n.replicas.get(g) : undefined;
  }

  /** The live, connected leader of `g` with the highest term, if any. */
  leaderOf(g: string): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const id of this.replicasOf.get(g)!) {
      const r = this.replica(id, g);
      if (!r || !this.nodes.get(id)!.connected || r.raft.role !== 'leader') continue;
      if (!best || r.raft.term > best.term) best = { id, term: r.raft.term };
    }
    return best?.id;
  }

  /** How many groups each live node leads. */
  leadCounts(): Map<NodeId, number> {
    const m = new Map(this.ids.map((id) => [id, 0]));
    for (const g of this.groupIds) {
      const l = this.leaderOf(g);
      if (l) m.set(l, m.get(l)! + 1);
    }
    return m;
  }

  allHaveLeaders(): boolean {
    return this.groupIds.every((g) => this.leaderOf(g) !== undefined);
  }

  propose(g: string, data: string): number | undefined {
    const l = this.leaderOf(g);
    if (!l) return undefined;
    const r = this.replica(l, g)!;
    if (!r.raft.propose(data)) return undefined;
    this.proposedBy.set(data, l);
    const idx = r.raft.log.lastIndex();
    this.process(this.nodes.get(l)!);
    return idx;
  }

  /** A membership change of group `g` on its leader (diss. §4.1). */
  changeMembership(g: string, change: ConfChange): ConfChangeResult {
    const l = this.leaderOf(g);
    if (!l) return { ok: false, reason: 'not-leader' };
    const res = this.replica(l, g)!.raft.proposeConfChange(change);
    if (res.ok) this.log(`conf ${g} ${change.op} ${change.node} at ${res.index}`);
    this.process(this.nodes.get(l)!);
    return res;
  }

  /** Live replicas of `g` that applied `index` holding `data` (or compacted past it). */
  appliedOn(g: string, index: number, data: string): number {
    let n = 0;
    for (const id of this.replicasOf.get(g)!) {
      const r = this.replica(id, g);
      if (!r || r.appliedIndex < index) continue;
      const e = r.applied.find((a) => a.index === index);
      if ((e && e.data === data) || (!e && r.snapIndex >= index && r.applied.length === 0)) n++;
    }
    return n;
  }

  /** Submits `data` to g's leader until `expected` replicas applied it; throws after `ticks`. */
  one(g: string, data: string, expected: number, ticks = 2000): number {
    const deadline = this.now + ticks;
    while (this.now < deadline) {
      const index = this.propose(g, data);
      if (index === undefined) {
        this.run(3);
        continue;
      }
      const waitUntil = this.now + 200;
      while (this.now < waitUntil) {
        if (this.appliedOn(g, index, data) >= expected) return index;
        const c = this.safety.get(g)!.committed.get(index);
        if (c && c.data !== data) break;
        this.step();
      }
    }
    throw new Error(
      `group ${g}: ${data} not applied on ${expected} replicas within ${ticks} ticks ` +
        `(trace: ${this.trace.slice(-8).join(' | ')})`,
    );
  }

  /** Every acknowledged write is applied, at its index, on every live replica that got that far. */
  checkAcked(): void {
    for (const a of this.acked) {
      const c = this.safety.get(a.g)!.committed.get(a.index);
      if (!c || c.data !== a.data)
        throw new Error(`group ${a.g}: acknowledged ${a.data} at ${a.index} is not what was committed there`);
      for (const id of this.replicasOf.get(a.g)!) {
        const r = this.replica(id, a.g);
        if (!r || r.appliedIndex < a.index) continue;
        const e = r.applied.find((x) => x.index === a.index);
        if (e && e.data !== a.data)
          throw new Error(`group ${a.g}: ${id} applied ${e.data} where ${a.data} was acknowledged`);
      }
    }
  }
}

// A deterministic, seeded in-process network of Raft cores with in-memory "disks". Everything random (message
// delay, loss, duplication, election timeouts) derives from one seed, so a failing run replays exactly.
// After every delivered message and every tick, the cluster checks the Raft safety properties (Figure 3 of the
// paper): Election Safety, Log Matching, Leader Completeness and State Machine Safety.
import { Random } from '../../harness/generator/random.js';
import { MemoryStorage } from '../../system/raft/memory-storage.js';
import { Raft } from '../../system/raft/raft.js';
import type { ConfChange, ConfChangeResult, Entry, Message, NodeId, Ready } from '../../system/raft/types.js';

export class SafetyViolation extends Error {}

export interface NetConfig {
  /** Probability a message is lost. */
  drop: number;
  /** Probability a delivered message is delivered twice. */
  duplicate: number;
  /** Delivery delay in ticks, uniform in [minDelay, maxDelay]; unequal delays reorder messages. */
  minDelay: number;
  maxDelay: number;
  /** Probability of an occasional long delay (up to longDelay ticks), as in 6.5840's unreliable network. */
  longDelayRate: number;
  longDelay: number;
}

export const RELIABLE: NetConfig = { drop: 0, duplicate: 0, minDelay: 0, maxDelay: 1, longDelayRate: 0, longDelay: 0 };
export const UNRELIABLE: NetConfig = {
  drop: 0.1,
  duplicate: 0.05,
  minDelay: 0,
  maxDelay: 3,
  longDelayRate: 0.05,
  longDelay: 30,
};

export interface ClusterOptions {
  seed: number;
  n: number;
  net?: NetConfig;
  electionTick?: number;
  heartbeatTick?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Take a snapshot whenever this many entries were applied since the last one (0: never). */
  snapshotEvery?: number;
  bugs?: string[];
  /** Entries per AppendEntries (default 64); 1 makes every entry its own round trip, as in Figure 8's story. */
  maxEntriesPerMsg?: number;
}

interface InFlight {
  at: number;
  seq: number;
  m: Message;
  toIncarnation: number;
}

/** The state machine: the list of applied commands (noops skipped), as a snapshot would hold it. */
interface SimMachine {
  applied: { index: number; data: string }[];
}

export class SimNode {
  raft: Raft | undefined;
  /** What survives a crash. */
  disk: MemoryStorage;
  /** What the core reads: the disk plus writes not yet flushed (differs only under the no-fsync bug). */
  cache: MemoryStorage;
  pendingFlush: ((s: MemoryStorage) => void)[] = [];
  sm: SimMachine = { applied: [] };
  appliedIndex = 0;
  snapIndex = 0;
  incarnation = 0;
  connected = true;

  constructor(
    readonly id: NodeId,
    peers: NodeId[],
  ) {
    this.disk = new MemoryStorage(peers);
    this.cache = this.disk.clone();
  }

  get up(): boolean {
    return this.raft !== undefined;
  }
}

export class SimCluster {
  readonly rnd: Random;
  readonly ids: NodeId[];
  readonly nodes = new Map<NodeId, SimNode>();
  net: NetConfig;
  now = 0;
  private seq = 0;
  private queue: InFlight[] = [];
  /** Links cut by partitions: "a>b" means a's messages to b are lost. */
  private cut = new Set<string>();
  readonly bugs: Set<string>;
  /** Messages sent, by type (the count scenario's budget). */
  sent = 0;
  delivered = new Map<string, number>();
  // Safety bookkeeping.
  private leaderOfTerm = new Map<number, NodeId>();
  private entryAt = new Map<string, { data: string; prevTerm: number | undefined }>();
  /** index → entry applied by some node: applied implies committed. */
  readonly committed = new Map<number, { term: number; data: string }>();
  maxCommitted = 0;
  trace: string[] = [];
  /** ReadIndex confirmations, in the order they came out of the cores. */
  readStates: { node: NodeId; index: number; ctx: string; at: number }[] = [];

  constructor(readonly opts: ClusterOptions) {
    this.rnd = new Random(opts.seed);
    this.net = opts.net ?? RELIABLE;
    this.bugs = new Set(opts.bugs ?? []);
    this.ids = Array.from({ length: opts.n }, (_, i) => `n${i + 1}`);
    for (const id of this.ids) {
      this.nodes.set(id, new SimNode(id, this.ids));
      this.start(id);
    }
  }

  // ---- node lifecycle ----

  start(id: NodeId): void {
    const node = this.nodes.get(id)!;
    if (node.up) return;
    node.incarnation++;
    node.cache = node.disk.clone();
    node.pendingFlush = [];
    // The state machine restarts from the snapshot; committed entries after it are re-applied by the core.
    const snap = node.cache.snapshot();
    node.sm = snap ? (JSON.parse(snap.data) as SimMachine) : { applied: [] };
    node.appliedIndex = snap?.meta.index ?? 0;
    node.snapIndex = node.appliedIndex;
    const rnd = this.rnd.fork(node.incarnation * 1000 + this.ids.indexOf(id));
    node.raft = new Raft({
      id,
      electionTick: this.opts.electionTick ?? 10,
      heartbeatTick: this.opts.heartbeatTick ?? 1,
      preVote: this.opts.preVote ?? true,
      checkQuorum: this.opts.checkQuorum ?? true,
      random: () => rnd.float(),
      storage: node.cache,
      applied: node.appliedIndex,
      bugs: this.bugs,
      maxEntriesPerMsg: this.opts.maxEntriesPerMsg ?? 64,
      universe: this.ids,
    });
    this.log(`start ${id}`);
  }

  /** kill -9: the core and everything not on disk is gone; messages in flight to it are lost. */
  crash(id: NodeId): void {
    const node = this.nodes.get(id)!;
    if (!node.up) return;
    node.raft = undefined;
    node.pendingFlush = [];
    this.log(`crash ${id}`);
  }

  restart(id: NodeId): void {
    this.crash(id);
    this.start(id);
  }

  // ---- network faults ----

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

  /** Only nodes in the same group can talk. */
  partition(groups: NodeId[][]): void {
    this.cut.clear();
    const groupOf = new Map<NodeId, number>();
    for (const [i, g] of groups.entries()) for (const id of g) groupOf.set(id, i);
    for (const a of this.ids)
      for (const b of this.ids) if (a !== b && groupOf.get(a) !== groupOf.get(b)) this.cut.add(`${a}>${b}`);
    this.log(`partition ${JSON.stringify(groups)}`);
  }

  private linkUp(from: NodeId, to: NodeId): boolean {
    return this.nodes.get(from)!.connected && this.nodes.get(to)!.connected && !this.cut.has(`${from}>${to}`);
  }

  // ---- time ----

  /** One tick: deliver due messages (in a random order), then tick every live node. */
  step(): void {
    this.now++;
    const due = this.queue.filter((f) => f.at <= this.now);
    if (due.length > 0) {
      this.queue = this.queue.filter((f) => f.at > this.now);
      // Shuffle deliveries of the same tick: the network guarantees no order.
      for (let i = due.length - 1; i > 0; i--) {
        const j = this.rnd.int(0, i + 1);
        [due[i], due[j]] = [due[j], due[i]];
      }
      for (const f of due) this.deliver(f);
    }
    for (const id of this.ids) {
      const node = this.nodes.get(id)!;
      if (!node.raft) continue;
      node.raft.tick();
      this.process(node);
      this.flushSome(node);
    }
  }

  run(ticks: number): void {
    for (let i = 0; i < ticks; i++) this.step();
  }

  /** Runs until `pred` holds (checked after each tick) or `ticks` pass; returns whether it held. */
  until(pred: () => boolean, ticks: number): boolean {
    for (let i = 0; i < ticks; i++) {
      if (pred()) return true;
      this.step();
    }
    return pred();
  }

  private deliver(f: InFlight): void {
    const node = this.nodes.get(f.m.to)!;
    // A message to a node that crashed after it was sent dies with that incarnation.
    if (!node.raft || node.incarnation !== f.toIncarnation) return;
    if (!this.linkUp(f.m.from, f.m.to)) return;
    this.delivered.set(f.m.type, (this.delivered.get(f.m.type) ?? 0) + 1);
    node.raft.step(f.m);
    this.process(node);
  }

  private enqueue(m: Message): void {
    this.sent++;
    if (!this.linkUp(m.from, m.to)) return;
    if (this.rnd.chance(this.net.drop)) return;
    const copies = this.rnd.chance(this.net.duplicate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      let delay = this.rnd.int(this.net.minDelay, this.net.maxDelay + 1);
      if (this.rnd.chance(this.net.longDelayRate)) delay += this.rnd.int(0, this.net.longDelay + 1);
      const to = this.nodes.get(m.to)!;
      this.queue.push({ at: this.now + Math.max(1, delay), seq: this.seq++, m, toIncarnation: to.incarnation });
    }
  }

  // ---- the runtime's ready loop: persist, then send, then apply ----

  private process(node: SimNode): void {
    const raft = node.raft!;
    while (raft.hasReady()) {
      const rd = raft.ready();
      this.persist(node, rd);
      if (rd.softState?.role === 'leader') this.checkLeader(node, raft.term);
      for (const m of rd.messages) this.enqueue(m);
      this.apply(node, rd);
      for (const r of rd.readStates) this.readStates.push({ node: node.id, ...r, at: this.now });
      raft.advance(rd);
      this.maybeSnapshot(node);
    }
  }

  private persist(node: SimNode, rd: Ready): void {
    const write = (s: MemoryStorage): void => {
      if (rd.snapshot) s.applySnapshot(rd.snapshot);
      s.append(rd.entries);
      if (rd.hardState) s.setHardState(rd.hardState);
    };
    write(node.cache);
    // Planted bug "no-fsync": the write reaches the page cache but not the disk before we reply and send.
    if (this.bugs.has('no-fsync')) node.pendingFlush.push(write);
    else write(node.disk);
    this.checkLogMatching(node, rd.entries);
  }

  private flushSome(node: SimNode): void {
    // Under no-fsync, the OS writes back eventually: most ticks flush nothing, so a crash loses recent writes.
    if (node.pendingFlush.length > 0 && this.rnd.chance(0.1)) {
      for (const w of node.pendingFlush) w(node.disk);
      node.pendingFlush = [];
    }
  }

  private apply(node: SimNode, rd: Ready): void {
    if (rd.snapshot) {
      node.sm = JSON.parse(rd.snapshot.data) as SimMachine;
      node.appliedIndex = rd.snapshot.meta.index;
      node.snapIndex = rd.snapshot.meta.index;
    }
    for (const e of rd.committedEntries) {
      if (e.index !== node.appliedIndex + 1)
        throw new SafetyViolation(`${node.id} applies ${e.index} after ${node.appliedIndex}`);
      node.appliedIndex = e.index;
      this.checkApplied(node, e);
      if (e.type === 'normal') node.sm.applied.push({ index: e.index, data: e.data });
    }
  }

  private maybeSnapshot(node: SimNode): void {
    const every = this.opts.snapshotEvery ?? 0;
    if (every <= 0 || node.appliedIndex - node.snapIndex < every) return;
    const data = JSON.stringify(node.sm);
    // The snapshot carries the configuration in force at its index (ConfState), not the latest one.
    const peers = node.raft!.configAt(node.appliedIndex);
    node.cache.createSnapshot(node.appliedIndex, data, peers);
    node.disk.createSnapshot(Math.min(node.appliedIndex, node.disk.lastIndex()), data, peers);
    node.snapIndex = node.appliedIndex;
  }

  // ---- safety properties (Figure 3) ----

  private checkLeader(node: SimNode, term: number): void {
    // Election Safety: at most one leader per term.
    const prior = this.leaderOfTerm.get(term);
    if (prior !== undefined && prior !== node.id)
      throw new SafetyViolation(`Election Safety: ${prior} and ${node.id} both leaders in term ${term}`);
    this.leaderOfTerm.set(term, node.id);
    // Leader Completeness: a leader's log holds every committed entry.
    const log = node.raft!.log;
    if (log.lastIndex() < this.maxCommitted)
      throw new SafetyViolation(
        `Leader Completeness: ${node.id} (term ${term}) has log up to ${log.lastIndex()} ` +
          `but ${this.maxCommitted} is committed`,
      );
    for (const [i, e] of this.committed) {
      const t = log.term(i);
      if (t !== undefined && i >= log.firstIndex() && t !== e.term)
        throw new SafetyViolation(
          `Leader Completeness: ${node.id} (term ${term}) has term ${t} at committed index ${i} (term ${e.term})`,
        );
    }
  }

  private checkLogMatching(node: SimNode, entries: Entry[]): void {
    // Log Matching, checked incrementally: any two entries with the same index and term hold the same command
    // and follow an entry of the same term (so, by induction, the logs are identical up to there).
    for (const e of entries) {
      const prevTerm = e.index > 1 ? node.cache.term(e.index - 1) : 0;
      const key = `${e.index}:${e.term}`;
      const seen = this.entryAt.get(key);
      if (!seen) {
        this.entryAt.set(key, { data: e.data, prevTerm });
        continue;
      }
      if (seen.data !== e.data)
        throw new SafetyViolation(
          `Log Matching: two different entries at index ${e.index} term ${e.term} (${node.id})`,
        );
      if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
        throw new SafetyViolation(
          `Log Matching: entries at ${e.index} term ${e.term} ` +
            `follow different terms (${seen.prevTerm} vs ${prevTerm}) on ${node.id}`,
        );
      }
    }
  }

  private checkApplied(node: SimNode, e: Entry): void {
    // State Machine Safety: no two servers apply different entries at the same index.
    const prior = this.committed.get(e.index);
    if (prior && (prior.term !== e.term || prior.data !== e.data)) {
      throw new SafetyViolation(
        `State Machine Safety: ${node.id} applied ${JSON.stringify(e.data)} (term ${e.term}) at ${e.index}, ` +
          `another server applied ${JSON.stringify(prior.data)} (term ${prior.term})`,
      );
    }
    if (!prior) {
      this.committed.set(e.index, { term: e.term, data: e.data });
      if (e.index > this.maxCommitted) this.maxCommitted = e.index;
    }
  }

  // ---- helpers for scenarios (after 6.5840's config.go) ----

  private log(s: string): void {
    this.trace.push(`t=${this.now} ${s}`);
    if (this.trace.length > 200) this.trace.shift();
  }

  /** The live, connected leaders, highest term last. */
  leaders(): NodeId[] {
    return this.ids.filter((id) => {
      const n = this.nodes.get(id)!;
      return n.raft && n.connected && n.raft.role === 'leader';
    });
  }

  /** Waits for exactly one leader among connected nodes with the highest term; throws if none appears. */
  checkOneLeader(ticks = 300): NodeId {
    let found: NodeId | undefined;
    this.until(() => {
      const byTerm = new Map<number, NodeId[]>();
      for (const id of this.leaders()) {
        const t = this.nodes.get(id)!.raft!.term;
        byTerm.set(t, [...(byTerm.get(t) ?? []), id]);
      }
      for (const [t, ls] of byTerm) if (ls.length > 1) throw new SafetyViolation(`term ${t} has ${ls.length} leaders`);
      if (byTerm.size === 0) return false;
      const last = Math.max(...byTerm.keys());
      found = byTerm.get(last)![0];
      return true;
    }, ticks);
    if (!found) throw new Error(`expected one leader, found none after ${ticks} ticks`);
    return found;
  }

  checkNoLeader(): void {
    const ls = this.leaders();
    if (ls.length > 0) throw new Error(`expected no leader among connected servers, but ${ls.join(', ')} is leader`);
  }

  /** Terms of connected live nodes agree; returns it. */
  checkTerms(): number {
    let term = -1;
    for (const id of this.ids) {
      const n = this.nodes.get(id)!;
      if (!n.raft || !n.connected) continue;
      if (term === -1) term = n.raft.term;
      else if (term !== n.raft.term) throw new Error(`servers disagree on term (${term} vs ${n.raft.term})`);
    }
    return term;
  }

  /** How many servers applied `index`, and the command there (throws if they disagree). */
  nCommitted(index: number): { count: number; data: string | undefined } {
    let count = 0;
    let data: string | undefined;
    for (const n of this.nodes.values()) {
      if (n.appliedIndex < index) continue;
      const e = n.sm.applied.find((a) => a.index === index);
      const d = e?.data;
      // A node that restored a snapshot past `index` still counts (its snapshot includes the entry).
      if (e === undefined && n.snapIndex >= index) {
        count++;
        continue;
      }
      if (e === undefined) continue; // a noop
      if (data !== undefined && d !== data)
        throw new SafetyViolation(`committed values at ${index} disagree: ${data} vs ${d}`);
      data = d;
      count++;
    }
    return { count, data };
  }

  /** Proposes on whichever live node accepts (the leader); returns its index or undefined. */
  propose(cmd: string, on?: NodeId): number | undefined {
    for (const id of on ? [on] : this.ids) {
      const n = this.nodes.get(id)!;
      if (!n.raft) continue;
      if (n.raft.propose(cmd)) {
        const idx = n.raft.log.lastIndex();
        this.process(n);
        return idx;
      }
    }
    return undefined;
  }

  /** A membership change on `on` (or whichever live node accepts it); the last answer when none accepts. */
  changeMembership(change: ConfChange, on?: NodeId): ConfChangeResult {
    let last: ConfChangeResult = { ok: false, reason: 'not-leader' };
    for (const id of on ? [on] : this.ids) {
      const n = this.nodes.get(id)!;
      if (!n.raft) continue;
      last = n.raft.proposeConfChange(change);
      if (last.ok) this.log(`conf ${change.op} ${change.node} on ${id} at ${last.index}`);
      this.process(n);
      if (last.ok || last.reason !== 'not-leader') return last;
    }
    return last;
  }

  /**
   * 6.5840's one(): submit `cmd` to a leader and wait until at least `expected` servers applied it, retrying
   * with another leader if it gets lost. Returns the index; throws after `ticks`.
   */
  one(cmd: string, expected: number, retry = true, ticks = 1000): number {
    const deadline = this.now + ticks;
    while (this.now < deadline) {
      let index: number | undefined;
      for (const id of this.ids) {
        const n = this.nodes.get(id)!;
        if (!n.raft || !n.connected) continue;
        index = this.propose(cmd, id);
        if (index !== undefined) break;
      }
      if (index !== undefined) {
        const waitUntil = this.now + 200;
        while (this.now < waitUntil) {
          const { count, data } = this.nCommitted(index);
          if (count >= expected && data === cmd) return index;
          if (count > 0 && data !== undefined && data !== cmd) break; // another command won that index
          this.step();
        }
        if (!retry) throw new Error(`one(${cmd}) failed to reach agreement`);
      } else {
        this.run(5);
      }
    }
    throw new Error(`one(${cmd}) failed to reach agreement on ${expected} servers in ${ticks} ticks`);
  }

  /** Waits until `n` servers applied index, or `ticks` pass. */
  wait(index: number, n: number, ticks = 500): string | undefined {
    this.until(() => this.nCommitted(index).count >= n, ticks);
    const { count, data } = this.nCommitted(index);
    if (count < n) throw new Error(`only ${count} servers applied index ${index}, wanted ${n}`);
    return data;
  }

  /** Makes `id` campaign now, skipping pre-vote (what a TimeoutNow in a leadership transfer does). */
  campaign(id: NodeId): void {
    this.raft(id).forceCampaign();
    this.process(this.node(id));
  }

  node(id: NodeId): SimNode {
    return this.nodes.get(id)!;
  }

  raft(id: NodeId): Raft {
    const r = this.nodes.get(id)!.raft;
    if (!r) throw new Error(`${id} is down`);
    return r;
  }

  others(id: NodeId): NodeId[] {
    return this.ids.filter((x) => x !== id);
  }
}

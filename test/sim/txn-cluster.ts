// Two-phase commit in the seeded multi-group simulation (multi.ts): every replica applies its group's entries to
// a real ShardMachine, every node runs the real TxnManager (system/txn/manager.ts) with its messages riding in
// the node's frames, and clients submit transactions to the leader of their first key's shard, as POST /txn
// does. A step hook lets a scenario kill a node at any protocol step of a chosen transaction (multi.ts doom():
// the node dies right after that step, and nothing it does afterwards gets out).
//
// The checks, after healing (settle()): nothing prepared, undecided or locked anywhere; every replica of a group
// holds the same data; each transaction's appends are in all of its keys or in none (atomicity), in all when the
// client was told committed, in none when told aborted; no element appears twice; and every read of a committed
// transaction is a prefix of its key's final list (no dirty or lost read). A breach throws SafetyViolation.
import type { Entry, NodeId } from '../../system/raft/types.js';
import { ShardMachine, type ShardCommand } from '../../system/shard/machine.js';
import { shardOf } from '../../system/shard/placement.js';
import type { Json } from '../../system/node/api.js';
import { TxnManager, type Proposed, type TxnEnv, type TxnOutcome, type TxnStep } from '../../system/txn/manager.js';
import { parseTxnMessage, type TxnMessage } from '../../system/txn/messages.js';
import type { TxnResult } from '../../system/txn/machine.js';
import { anchorKey, keyOf, type ClientOp } from '../../system/txn/ops.js';
import { SafetyViolation } from './cluster.js';
import { MultiCluster, type MultiNode, type MultiOptions, type SimApp } from './multi.js';

export interface TxnSimOptions {
  bugs?: string[];
  /** A protocol step on a node (the scenario may doom() a node from here). */
  onStep?: (node: NodeId, step: TxnStep, id: string, g: number) => void;
  voteTicks?: number;
  retryTicks?: number;
  inDoubtTicks?: number;
  /** A proposal not applied on its node within this many ticks is reported as a timeout. */
  proposeTicks?: number;
}

/** A client's transaction: what it sent, where, and what it was told (undefined: nothing, i.e. unknown). */
export interface ClientTxn {
  ops: ClientOp[];
  node: NodeId | undefined;
  outcome?: TxnOutcome;
}

interface Pending {
  done: (r: Proposed) => void;
  deadline: number;
}

interface PerNode {
  incarnation: number;
  manager: TxnManager;
  pending: Map<string, Pending>;
  out: Map<NodeId, TxnMessage[]>;
  /** Messages to itself and proposal answers, handled at its next tick (never inside a pass). */
  later: (() => void)[];
}

export class TxnApp implements SimApp {
  private readonly machines = new Map<string, ShardMachine>();
  private readonly per = new Map<NodeId, PerNode>();
  private seq = 0;
  readonly txns: ClientTxn[] = [];
  readonly violations: string[] = [];

  constructor(
    readonly c: MultiCluster,
    readonly o: TxnSimOptions = {},
  ) {}

  private bug(name: string): boolean {
    return this.o.bugs?.includes(name) ?? false;
  }

  machine(node: NodeId, g: number | string): ShardMachine | undefined {
    return this.machines.get(`${node}/${g}`);
  }

  // ---- SimApp ----

  restore(node: MultiNode, g: string, state: unknown): void {
    const m = new ShardMachine({
      txnReadUncommitted: this.bug('txn-read-uncommitted-lock'),
      txnUnlockAtVote: this.bug('2pc-unlock-before-decision'),
    });
    if (typeof state === 'string') m.restore(state);
    this.machines.set(`${node.id}/${g}`, m);
  }

  snapshot(node: MultiNode, g: string): unknown {
    return this.machine(node.id, g)?.snapshot();
  }

  started(node: MultiNode): void {
    const c = this.c;
    const inc = node.incarnation;
    const shards = c.groupIds.length;
    const alive = (): boolean => node.up && node.incarnation === inc && !node.doomed;
    const per: PerNode = { incarnation: inc, pending: new Map(), out: new Map(), later: [], manager: undefined! };
    const env: TxnEnv = {
      self: node.id,
      shards,
      shardOf: (k) => shardOf(k, shards),
      replicas: (g) => c.replicasOf.get(String(g)) ?? [],
      machine: (g) => (node.groups.includes(String(g)) ? this.machine(node.id, g)?.txn : undefined),
      isLeader: (g) => node.replicas.get(String(g))?.raft.role === 'leader',
      leaderHint: (g) => node.replicas.get(String(g))?.raft.leader ?? node.coord?.leaderOf(String(g)) ?? null,
      propose: (g, cmd, done) => {
        if (!alive()) return;
        const raft = node.replicas.get(String(g))?.raft;
        const rid = `${node.id}:${inc}:${this.seq++}`;
        const data = JSON.stringify({ rid, cmd: { kind: 'txn', ...cmd } });
        if (raft?.role !== 'leader' || !raft.propose(data)) per.later.push(() => done('not-leader'));
        else per.pending.set(rid, { done, deadline: c.now + (this.o.proposeTicks ?? 60) });
      },
      send: (to, m) => {
        if (!alive()) return;
        if (to === node.id) {
          per.later.push(() => per.manager.onMessage(node.id, m));
          return;
        }
        const l = per.out.get(to) ?? [];
        if (l.length === 0) per.out.set(to, l);
        l.push(m);
      },
    };
    per.manager = new TxnManager({
      env,
      idPrefix: `${node.id}.${inc}.`,
      voteTicks: this.o.voteTicks ?? 60,
      retryTicks: this.o.retryTicks ?? 8,
      inDoubtTicks: this.o.inDoubtTicks ?? 80,
      earlyAck: this.bug('2pc-early-ack'),
      onStep: (step, id, g) => {
        if (alive()) this.o.onStep?.(node.id, step, id, g);
      },
      onViolation: (m) => this.violations.push(`${node.id}: ${m}`),
    });
    this.per.set(node.id, per);
  }

  crashed(node: MultiNode): void {
    this.per.delete(node.id);
  }

  applied(node: MultiNode, g: string, e: Entry): void {
    if (e.type !== 'normal' || !e.data.startsWith('{"rid"')) return;
    const env = JSON.parse(e.data) as { rid: string; cmd: ShardCommand };
    const result = this.machine(node.id, g)!.apply(env.cmd, e.index);
    const per = this.per.get(node.id);
    const p = per?.pending.get(env.rid);
    if (per && p) {
      per.pending.delete(env.rid);
      per.later.push(() => p.done(result as TxnResult));
    }
  }

  tick(node: MultiNode): void {
    const per = this.per.get(node.id);
    if (!per) return;
    const later = per.later;
    per.later = [];
    for (const f of later) if (!node.doomed) f();
    for (const [rid, p] of per.pending)
      if (p.deadline <= this.c.now) {
        per.pending.delete(rid);
        p.done('timeout');
      }
    if (!node.doomed) per.manager.tick();
  }

  received(node: MultiNode, from: NodeId, f: { txn?: unknown[] }): void {
    const per = this.per.get(node.id);
    for (const x of f.txn ?? []) {
      const m = parseTxnMessage(x, this.c.groupIds.length);
      if (per && m && !node.doomed) per.manager.onMessage(from, m);
    }
  }

  outgoing(node: MultiNode): Map<NodeId, unknown[]> {
    const per = this.per.get(node.id);
    if (!per || per.out.size === 0) return new Map();
    const out = per.out;
    per.out = new Map();
    return out;
  }

  // ---- clients ----

  /** Sends a transaction to the leader of its first key's shard (none: recorded as refused, not-leader). */
  submit(ops: ClientOp[]): ClientTxn {
    const shard = shardOf(anchorKey(ops), this.c.groupIds.length);
    const node = this.c.leaderOf(String(shard));
    const t: ClientTxn = { ops, node };
    this.txns.push(t);
    const per = node && this.per.get(node);
    if (!node || !per) {
      t.outcome = { kind: 'not-leader', shard };
      return t;
    }
    const inc = per.incarnation;
    per.manager.submit(ops, (o) => {
      const n = this.c.nodes.get(node)!;
      if (n.up && !n.doomed && n.incarnation === inc) t.outcome = o;
    });
    return t;
  }

  // ---- the checks ----

  /** Heals everything and waits until no group holds a prepared transaction, a record or a lock. */
  settle(ticks: number): void {
    const c = this.c;
    c.connectAll();
    for (const id of c.ids) c.start(id);
    const quiet = (): string | undefined => {
      for (const g of c.groupIds) {
        const l = c.leaderOf(g);
        if (!l) return `group ${g} has no leader`;
        // A new leader's commit index lags until an entry of its term commits: wait for its whole log.
        const { commit, lastIndex } = c.replica(l, g)!.raft.status();
        if (commit < lastIndex) return `group ${g}: its leader ${l} has committed ${commit} of ${lastIndex}`;
        for (const id of c.replicasOf.get(g)!) {
          const r = c.replica(id, g);
          const t = this.machine(id, g)!.txn;
          if (!r || r.appliedIndex < commit) return `group ${g}: ${id} has not applied ${commit}`;
          if (t.prepared().length > 0) return `group ${g}: ${id} holds prepared ${JSON.stringify(t.prepared())}`;
          if (t.recordList().length > 0) return `group ${g}: ${id} holds records ${JSON.stringify(t.recordList())}`;
          if (t.lockCount() > 0) return `group ${g}: ${id} holds ${t.lockCount()} locks`;
        }
      }
      return undefined;
    };
    if (!c.until(() => quiet() === undefined, ticks))
      throw new SafetyViolation(`unresolved after healing for ${ticks} ticks: ${quiet()}`);
  }

  /** The final list or register of every key some transaction touched, checked equal on every replica. */
  finalState(): Map<string, Json> {
    const c = this.c;
    const out = new Map<string, Json>();
    for (const g of c.groupIds) {
      const [first, ...rest] = c.replicasOf.get(g)!;
      const ref = JSON.stringify(this.machine(first, g)!.txn.snapshot().data);
      for (const id of rest)
        if (JSON.stringify(this.machine(id, g)!.txn.snapshot().data) !== ref)
          throw new SafetyViolation(`group ${g}: replicas ${first} and ${id} hold different data`);
      const m = this.machine(first, g)!.txn;
      for (const k of m.keys()) out.set(k, m.read(k));
    }
    return out;
  }

  /** Atomicity, acknowledged outcomes, no duplicates, committed reads are prefixes (see the file comment). */
  check(): { committed: number; aborted: number; unknown: number; crossShard: number } {
    const final = this.finalState();
    const where = new Map<string, string>(); // element → key it lives in
    for (const [k, v] of final) {
      if (!Array.isArray(v)) continue;
      const seen = new Set<string>();
      for (const e of v) {
        const id = JSON.stringify(e);
        if (seen.has(id)) throw new SafetyViolation(`key ${k} holds ${id} twice`);
        seen.add(id);
        where.set(`${k}/${id}`, k);
      }
    }
    const n = { committed: 0, aborted: 0, unknown: 0, crossShard: 0 };
    for (const t of this.txns) {
      const appends = t.ops.filter((o) => o[0] === 'append');
      const present = appends.filter((o) => where.has(`${keyOf(o[1])}/${JSON.stringify(o[2])}`)).length;
      const what = `${JSON.stringify(t.ops)} (told ${t.outcome?.kind ?? 'nothing'})`;
      if (present !== 0 && present !== appends.length)
        throw new SafetyViolation(`not atomic: ${present} of ${appends.length} appends applied: ${what}`);
      const kind = t.outcome?.kind;
      if (kind === 'committed' && present !== appends.length)
        throw new SafetyViolation(`acknowledged as committed, never applied: ${what}`);
      if (kind === 'aborted' && present !== 0) throw new SafetyViolation(`told aborted, yet applied: ${what}`);
      if (kind === 'committed') {
        n.committed++;
        if (t.outcome?.kind === 'committed' && t.outcome.shards.length > 1) n.crossShard++;
        for (const [f, k, v] of t.outcome?.kind === 'committed' ? t.outcome.ops : []) {
          if (f !== 'r' || v === null) continue;
          const fin = final.get(keyOf(k));
          const ok =
            Array.isArray(v) && Array.isArray(fin) && v.every((e, i) => JSON.stringify(fin[i]) === JSON.stringify(e));
          if (!ok)
            throw new SafetyViolation(
              `a committed read of ${k} saw ${JSON.stringify(v)}, final ${JSON.stringify(fin)}`,
            );
        }
      } else if (kind === 'aborted') n.aborted++;
      else n.unknown++;
    }
    if (this.violations.length > 0) throw new SafetyViolation(this.violations[0]);
    return n;
  }
}

/** A multi-group cluster hosting the two-phase commit application. */
export function txnCluster(o: MultiOptions, t: TxnSimOptions = {}): { c: MultiCluster; app: TxnApp } {
  const made: TxnApp[] = [];
  const c = new MultiCluster({
    ...o,
    app: (x) => {
      made.push(new TxnApp(x, t));
      return made[0];
    },
  });
  return { c, app: made[0] };
}

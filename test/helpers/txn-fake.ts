// A fake cluster for unit tests of the two-phase commit driver (system/txn/manager.ts): each group is one
// TxnMachine standing for its replicated state (a proposal commits when its turn in the queue comes), each node
// one TxnManager, and one FIFO queue carries proposals' applies and messages, so a test is deterministic and can
// crash a node between any two steps. Raft itself is the simulation's business (test/sim/txn-cluster.ts).
import { TxnMachine, type TxnCommand, type TxnMachineOptions } from '../../system/txn/machine.js';
import { TxnManager, type Proposed, type TxnEnv, type TxnOutcome, type TxnStep } from '../../system/txn/manager.js';
import type { TxnMessage } from '../../system/txn/messages.js';
import type { ClientOp } from '../../system/txn/ops.js';

export interface FakeOptions {
  nodes: string[];
  shards: number;
  /** shard of a key: keys are "<shard>:<name>" so tests choose their shards. */
  machine?: TxnMachineOptions;
  earlyAck?: boolean;
  voteTicks?: number;
  retryTicks?: number;
  inDoubtTicks?: number;
  onStep?: (node: string, step: TxnStep, id: string, g: number) => void;
}

interface Task {
  node: string;
  incarnation: number;
  /** A proposal's apply (lost when its node crashes before its turn, like an uncommitted entry). */
  proposal: boolean;
  run: () => void;
}

// A crashed node's code may still be running when a test crashes it from a step hook: from that moment
// nothing it proposes, sends or answers gets out. What it sent before is in the network and arrives.

export class FakeTxnCluster {
  readonly machines: TxnMachine[];
  readonly leaders: string[];
  readonly managers = new Map<string, TxnManager>();
  private incarnation = new Map<string, number>();
  private queue: Task[] = [];
  /** Links that drop messages (a partition), as "from>to". */
  readonly cut = new Set<string>();
  readonly violations: string[] = [];
  /** Every applied command per group, for assertions. */
  readonly applied: { g: number; cmd: TxnCommand }[] = [];

  constructor(readonly o: FakeOptions) {
    this.machines = Array.from({ length: o.shards }, () => new TxnMachine(o.machine));
    this.leaders = Array.from({ length: o.shards }, (_, g) => o.nodes[g % o.nodes.length]);
    for (const n of o.nodes) this.start(n);
  }

  static shardOf(key: string): number {
    return Number(key.slice(0, key.indexOf(':')));
  }

  private start(node: string): void {
    this.incarnation.set(node, (this.incarnation.get(node) ?? 0) + 1);
    const inc = this.incarnation.get(node)!;
    const env: TxnEnv = {
      self: node,
      shards: this.o.shards,
      shardOf: FakeTxnCluster.shardOf,
      replicas: () => this.o.nodes,
      machine: (g) => this.machines[g],
      isLeader: (g) => this.leaders[g] === node,
      leaderHint: (g) => this.leaders[g],
      propose: (g, cmd, done) => this.propose(node, inc, g, cmd, done),
      send: (to, m) => this.send(node, inc, to, m),
    };
    this.managers.set(
      node,
      new TxnManager({
        env,
        idPrefix: `${node}.${inc}.`,
        voteTicks: this.o.voteTicks ?? 20,
        retryTicks: this.o.retryTicks ?? 3,
        inDoubtTicks: this.o.inDoubtTicks ?? 10,
        earlyAck: this.o.earlyAck,
        onStep: (s, id, g) => this.o.onStep?.(node, s, id, g),
        onViolation: (m) => this.violations.push(m),
      }),
    );
  }

  private alive(node: string, inc: number): boolean {
    return this.incarnation.get(node) === inc;
  }

  private propose(node: string, inc: number, g: number, cmd: TxnCommand, done: (r: Proposed) => void): void {
    if (!this.alive(node, inc)) return;
    if (this.leaders[g] !== node) {
      this.queue.push({
        node,
        incarnation: inc,
        proposal: false,
        run: () => this.alive(node, inc) && done('not-leader'),
      });
      return;
    }
    this.queue.push({
      node,
      incarnation: inc,
      proposal: true,
      run: () => {
        this.applied.push({ g, cmd });
        const r = this.machines[g].apply(cmd);
        if (this.alive(node, inc)) done(r);
      },
    });
  }

  private send(from: string, inc: number, to: string, m: TxnMessage): void {
    if (!this.alive(from, inc) || this.cut.has(`${from}>${to}`)) return;
    this.queue.push({
      node: from,
      incarnation: inc,
      proposal: false,
      run: () => {
        if (!this.cut.has(`${from}>${to}`)) this.managers.get(to)!.onMessage(from, m);
      },
    });
  }

  /** A client's request to `node`; the outcome lands in the returned holder. */
  submit(node: string, ops: ClientOp[]): { outcome?: TxnOutcome } {
    const h: { outcome?: TxnOutcome } = {};
    const inc = this.incarnation.get(node)!;
    this.managers.get(node)!.submit(ops, (o) => {
      if (h.outcome) throw new Error('answered twice');
      if (this.alive(node, inc)) h.outcome = o;
    });
    return h;
  }

  /** Runs queued work until none is left (bounded). */
  drain(limit = 100_000): void {
    for (let i = 0; i < limit && this.queue.length > 0; i++) {
      this.queue.shift()!.run();
    }
  }

  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const m of this.managers.values()) m.tick();
      this.drain();
    }
  }

  /**
   * kill -9 of `node`: its in-memory state is gone, its proposals not yet applied are lost (uncommitted), and
   * the groups it led elect `successor` (default: the next node).
   */
  crash(node: string, successor?: string): void {
    const inc = this.incarnation.get(node)!;
    this.queue = this.queue.filter((t) => !(t.node === node && t.incarnation === inc && t.proposal));
    const next = successor ?? this.o.nodes[(this.o.nodes.indexOf(node) + 1) % this.o.nodes.length];
    for (let g = 0; g < this.leaders.length; g++) if (this.leaders[g] === node) this.leaders[g] = next;
    this.start(node);
  }

  /** Nothing prepared, no record, no lock left anywhere. */
  quiet(): boolean {
    return this.machines.every((m) => m.prepared().length === 0 && m.recordList().length === 0 && m.lockCount() === 0);
  }
}

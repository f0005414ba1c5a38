// The local runtime's fault relay: the relay core (relay-core.ts) on 127.0.0.1, every peer link through it, and
// the fault settings kept here. Every node is told to reach a peer at that peer's front, and each accepted
// connection is piped to the peer's real port. The sender of a connection is identified by the kernel
// (socket-owner.ts), so one address per node serves every sender, as systems with a single advertised peer URL
// (etcd) require. Connections from processes that are not nodes (the harness itself) are piped and never faulted.
import { RelayCore, type CutMode, type LatencySetting, type LinkCounters, type LinkFaults } from '../relay-core.js';

export type { CutMode, LinkCounters } from '../relay-core.js';

export interface RelayOptions {
  /** Node names. */
  nodes: string[];
  /** Peer port names every node has (one front each). */
  ports: string[];
  /** The real port node `name` listens on for `port` (looked up per connection, so it may change). */
  realPort: (name: string, port: string) => number;
  /** Which node opened the connection arriving from loopback port `remotePort` at front port `frontPort`. */
  identify: (remotePort: number, frontPort: number) => string | undefined;
  /** Random source for loss and jitter (tests seed it). */
  random?: () => number;
  /** How long a "lost" chunk is held back (Linux's minimum TCP retransmission timeout). Default 200 ms. */
  retransmitMs?: number;
}

const key = (from: string, to: string): string => `${from}->${to}`;

export class Relay implements LinkFaults {
  private readonly cutModes = new Map<string, CutMode>();
  private readonly lossP = new Map<string, number>();
  private readonly lat = new Map<string, LatencySetting>();
  private core!: RelayCore;

  private constructor(private readonly o: RelayOptions) {}

  static async create(o: RelayOptions): Promise<Relay> {
    const r = new Relay(o);
    r.core = await RelayCore.create({
      fronts: o.nodes.flatMap((node) => o.ports.map((port) => ({ node, port }))),
      host: '127.0.0.1',
      faults: r,
      identify: (sock, front) => (sock.remotePort !== undefined ? o.identify(sock.remotePort, front.at) : undefined),
      strangers: 'pipe',
      upstream: (to, port) => ({ host: '127.0.0.1', port: o.realPort(to, port) }),
      random: o.random,
      retransmitMs: o.retransmitMs,
    });
    return r;
  }

  /** The front port where every node reaches node `name`'s `port`. */
  port(name: string, portName: string): number {
    return this.core.port(name, portName);
  }

  private checkNode(n: string): void {
    if (!this.o.nodes.includes(n)) throw new Error(`relay: no node ${n}`);
  }

  cutMode(from: string, to: string): CutMode | undefined {
    return this.cutModes.get(key(from, to));
  }

  /** `to` stops hearing from `from`. */
  cut(from: string, to: string, mode: CutMode = 'drop'): void {
    this.checkNode(from);
    this.checkNode(to);
    this.cutModes.set(key(from, to), mode);
    if (mode === 'reject') this.core.resetBetween(from, to);
  }

  uncut(from: string, to: string): void {
    this.checkNode(from);
    this.checkNode(to);
    if (this.cutModes.delete(key(from, to))) this.core.resetHealed(from, to);
  }

  uncutAll(): void {
    for (const [from, to] of this.cuts()) this.uncut(from, to);
  }

  cuts(): Array<[string, string, CutMode]> {
    return [...this.cutModes].map(([k, m]) => [...(k.split('->') as [string, string]), m]);
  }

  isCut(from: string, to: string): CutMode | undefined {
    return this.cutMode(from, to);
  }

  /** Hold back chunks arriving at `to` by one retransmission timeout with probability p (0 removes it). */
  loss(to: string, p: number): void {
    if (!(p >= 0 && p <= 1)) throw new Error(`relay: loss probability must be in [0, 1], got ${p}`);
    this.checkNode(to);
    if (p === 0) this.lossP.delete(to);
    else this.lossP.set(to, p);
  }

  lossOf(to: string): number {
    return this.lossP.get(to) ?? 0;
  }

  clearLoss(): void {
    this.lossP.clear();
  }

  /** Delay every chunk arriving at `to` by ms ± jitterMs (0 removes it). Order is kept. */
  latency(to: string, ms: number, jitterMs = 0): void {
    if (!(ms >= 0) || !(jitterMs >= 0) || !Number.isFinite(ms + jitterMs))
      throw new Error(`relay: latency must be finite and >= 0, got ${ms} ± ${jitterMs}`);
    this.checkNode(to);
    if (ms === 0 && jitterMs === 0) this.lat.delete(to);
    else this.lat.set(to, { ms, jitterMs });
  }

  latencyOf(to: string): LatencySetting | undefined {
    return this.lat.get(to);
  }

  clearLatency(): void {
    this.lat.clear();
  }

  /** A copy of one link's counters. */
  counters(from: string, to: string): LinkCounters {
    return { ...this.core.countersOf(from, to) };
  }

  /** Copies of every link's counters, keyed "from->to". */
  allCounters(): Record<string, LinkCounters> {
    return this.core.allCounters();
  }

  /** Open connections that `from` opened to `to`. */
  connections(from: string, to: string): number {
    return this.core.connections(from, to);
  }

  close(): Promise<void> {
    return this.core.close();
  }
}

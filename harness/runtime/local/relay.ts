// The local runtime's fault-injecting TCP relay, protocol-agnostic: it moves bytes, never parses them, so any
// target's peer protocol can be cut. One front listener per (node, peer port) on 127.0.0.1:<free port>; every
// node is told to reach a peer at that peer's front, and each accepted connection is piped to the peer's real
// port. The sender of a connection is identified by the kernel (socket-owner.ts), so one address per node serves
// every sender, as systems with a single advertised peer URL (etcd) require.
//
// Faults act on directed links from → to, on the bytes `from` sends to `to` in either connection direction (a
// request on a connection `from` opened, or a reply on one `to` opened), like an iptables rule at `to`:
//   - cut(from, to, 'drop')   bytes vanish and connections stay open (iptables DROP); a connection that lost
//                             bytes is reset when the link heals, because a byte stream with a hole in it is no
//                             longer the protocol (TCP would have retransmitted; its sender reconnects instead)
//   - cut(from, to, 'reject') every connection between the two is reset, new ones are reset on arrival
//                             (REJECT --reject-with tcp-reset: senders fail fast and retry)
//   - loss(to, p)             each chunk arriving at `to` is held back one retransmission timeout with
//                             probability p, in order (what TCP makes of packet loss: delay, not holes)
//   - latency(to, ms, jitter) each chunk arriving at `to` waits ms ± jitter, in order (no kernel netem here)
// Connections from processes that are not nodes (the harness itself) are piped and never faulted.
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { DelayedWriter } from '../delayed-writer.js';
import { chunkDelay, endAll, endTogether } from '../relayed-conn.js';

export type CutMode = 'drop' | 'reject';

export interface LinkCounters {
  /** Connections `from` opened to `to` (including ones reset because the link was rejecting). */
  accepted: number;
  /** Connections reset because of a 'reject' cut (new ones refused and existing ones reset). */
  rejected: number;
  /** Bytes carried from `from` to `to`. */
  bytesForwarded: number;
  /** Bytes discarded because the link was cut. */
  bytesDropped: number;
  /** Chunks held back by loss or latency. */
  chunksDelayed: number;
  /** Connections reset at heal because they had lost bytes. */
  resetAtHeal: number;
}

const zero = (): LinkCounters => ({
  accepted: 0,
  rejected: 0,
  bytesForwarded: 0,
  bytesDropped: 0,
  chunksDelayed: 0,
  resetAtHeal: 0,
});
const key = (from: string, to: string): string => `${from}->${to}`;

/** One direction of one connection: bytes from `from` to `to`, in order, maybe delayed. */
class Pipe {
  holed = false;
  private readonly writer: DelayedWriter;

  constructor(
    public from: string | undefined,
    public to: string | undefined,
    out: Socket,
    private readonly relay: Relay,
  ) {
    this.writer = new DelayedWriter(out);
  }

  push(chunk: Buffer): void {
    const r = this.relay;
    const c = this.from && this.to ? r.countersOf(this.from, this.to) : undefined;
    if (this.from && this.to && r.isCut(this.from, this.to)) {
      this.holed = true;
      if (c) c.bytesDropped += chunk.length;
      return;
    }
    const delay =
      this.from && this.to ? chunkDelay(r.lossOf(this.to), r.latencyOf(this.to), () => r.random(), r.retransmitMs) : 0;
    if (c) c.bytesForwarded += chunk.length;
    if (this.writer.write(chunk, delay) && c) c.chunksDelayed++;
  }

  stop(): void {
    this.writer.stop();
  }
}

interface Conn {
  down: Socket;
  up: Socket;
  from: string | undefined;
  to: string;
  send: Pipe;
  reply: Pipe;
}

class Front {
  port = 0;
  private server: Server | undefined;

  constructor(
    readonly node: string,
    readonly portName: string,
    private readonly relay: Relay,
  ) {}

  listen(): Promise<void> {
    const server = createServer({ noDelay: true }, (sock) => this.relay.accept(this, sock));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

function reset(s: Socket): void {
  // resetAndDestroy sends an RST (Node >= 18.3); plain destroy is a FIN, good enough as a fallback.
  const r = (s as Socket & { resetAndDestroy?: () => Socket }).resetAndDestroy;
  try {
    if (typeof r === 'function') r.call(s);
    else s.destroy();
  } catch {
    s.destroy();
  }
}

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

export class Relay {
  private readonly fronts = new Map<string, Front>();
  private readonly conns = new Set<Conn>();
  private readonly cutModes = new Map<string, CutMode>();
  private readonly stats = new Map<string, LinkCounters>();
  private readonly lossP = new Map<string, number>();
  private readonly lat = new Map<string, { ms: number; jitterMs: number }>();
  closed = false;
  readonly random: () => number;
  readonly retransmitMs: number;

  private constructor(private readonly o: RelayOptions) {
    this.random = o.random ?? Math.random;
    this.retransmitMs = o.retransmitMs ?? 200;
  }

  static async create(o: RelayOptions): Promise<Relay> {
    const r = new Relay(o);
    for (const n of o.nodes) for (const p of o.ports) r.fronts.set(`${n}/${p}`, new Front(n, p, r));
    try {
      await Promise.all([...r.fronts.values()].map((f) => f.listen()));
    } catch (e) {
      await r.close();
      throw e;
    }
    return r;
  }

  /** The front port where every node reaches node `name`'s `port`. */
  port(name: string, portName: string): number {
    const f = this.fronts.get(`${name}/${portName}`);
    if (!f) throw new Error(`relay: no front for ${name}/${portName}`);
    return f.port;
  }

  private checkNode(n: string): void {
    if (!this.o.nodes.includes(n)) throw new Error(`relay: no node ${n}`);
  }

  countersOf(from: string, to: string): LinkCounters {
    const k = key(from, to);
    let c = this.stats.get(k);
    if (!c) {
      c = zero();
      this.stats.set(k, c);
    }
    return c;
  }

  accept(front: Front, down: Socket): void {
    down.on('error', () => undefined);
    const to = front.node;
    const from = down.remotePort !== undefined ? this.o.identify(down.remotePort, front.port) : undefined;
    if (this.closed || !this.admit(from, to)) {
      reset(down);
      return;
    }
    down.setNoDelay(true);
    const up = new Socket();
    up.setNoDelay(true);
    const conn: Conn = {
      down,
      up,
      from,
      to,
      send: new Pipe(from, to, up, this),
      reply: new Pipe(to, from, down, this),
    };
    this.conns.add(conn);
    endTogether(conn, this.conns);
    let asked = false;
    down.on('data', (b: Buffer) => {
      // The kernel may not have shown the sender yet at accept (a connect racing the lookup): ask again once.
      if (conn.from === undefined && !asked) {
        asked = true;
        conn.from = down.remotePort !== undefined ? this.o.identify(down.remotePort, front.port) : undefined;
        conn.send.from = conn.from;
        conn.reply.to = conn.from;
        if (!this.admit(conn.from, to)) {
          reset(down);
          up.destroy();
          return;
        }
      }
      conn.send.push(b);
    });
    up.on('data', (b: Buffer) => conn.reply.push(b));
    up.connect(this.o.realPort(to, front.portName), '127.0.0.1');
  }

  /** Counts a connection `from` opened to `to`; false when a 'reject' cut between the two refuses it. */
  private admit(from: string | undefined, to: string): boolean {
    if (!from) return true;
    const c = this.countersOf(from, to);
    c.accepted++;
    if (this.cutModes.get(key(from, to)) === 'reject' || this.cutModes.get(key(to, from)) === 'reject') {
      c.rejected++;
      return false;
    }
    return true;
  }

  /** `to` stops hearing from `from`. */
  cut(from: string, to: string, mode: CutMode = 'drop'): void {
    this.checkNode(from);
    this.checkNode(to);
    this.cutModes.set(key(from, to), mode);
    if (mode === 'reject') {
      for (const c of [...this.conns]) {
        if ((c.from === from && c.to === to) || (c.from === to && c.to === from)) {
          this.countersOf(from, to).rejected++;
          reset(c.down);
          c.up.destroy();
        }
      }
    }
  }

  uncut(from: string, to: string): void {
    this.checkNode(from);
    this.checkNode(to);
    if (!this.cutModes.delete(key(from, to))) return;
    // Connections that lost bytes on this link are no longer valid streams: reset them (senders reconnect).
    for (const c of [...this.conns]) {
      const holed =
        (c.send.from === from && c.send.to === to && c.send.holed) ||
        (c.reply.from === from && c.reply.to === to && c.reply.holed);
      if (holed) {
        this.countersOf(from, to).resetAtHeal++;
        reset(c.down);
        c.up.destroy();
      }
    }
  }

  uncutAll(): void {
    for (const k of [...this.cutModes.keys()]) {
      const [from, to] = k.split('->');
      this.uncut(from, to);
    }
  }

  cuts(): Array<[string, string, CutMode]> {
    return [...this.cutModes].map(([k, m]) => [...(k.split('->') as [string, string]), m]);
  }

  isCut(from: string, to: string): CutMode | undefined {
    return this.cutModes.get(key(from, to));
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

  latencyOf(to: string): { ms: number; jitterMs: number } | undefined {
    return this.lat.get(to);
  }

  clearLatency(): void {
    this.lat.clear();
  }

  /** A copy of one link's counters. */
  counters(from: string, to: string): LinkCounters {
    return { ...this.countersOf(from, to) };
  }

  /** Copies of every link's counters, keyed "from->to". */
  allCounters(): Record<string, LinkCounters> {
    return Object.fromEntries([...this.stats].map(([k, c]) => [k, { ...c }]));
  }

  /** Open connections that `from` opened to `to`. */
  connections(from: string, to: string): number {
    return [...this.conns].filter((c) => c.from === from && c.to === to).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    endAll(this.conns);
    await Promise.all([...this.fronts.values()].map((f) => f.close()));
  }
}

// The local runtime's fault-injecting TCP relay. One listener per directed link (from → to) on 127.0.0.1:<free
// port>: node `from` dials it instead of `to`'s real peer port, and every accepted connection is piped to `to`'s
// real port. Traffic from `from` to `to` is cut into the transport's newline-delimited frames, so faults act on
// whole frames and the stream `to` reads always stays parseable:
//   - cut(from, to, 'drop')   frames are silently discarded, connections stay open (like iptables DROP: the
//                             sender's writes vanish, nothing errors)
//   - cut(from, to, 'reject') existing connections are reset, new ones are reset as soon as they arrive (like
//                             REJECT --reject-with tcp-reset: the sender fails fast and retries with backoff)
//   - loss(to, p)             each frame arriving at `to` (over any link) is dropped with probability p
// Only the from → to direction is filtered. Raft replies travel on the other node's own outgoing connection (a
// different link), so a one-way cut is exactly "to does not hear from from".
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

export type CutMode = 'drop' | 'reject';

export interface LinkCounters {
  /** Connections accepted from `from` (including ones reset because the link was rejecting). */
  accepted: number;
  /** Connections reset because the link was cut with mode 'reject'. */
  rejected: number;
  /** Complete frames read from `from`. */
  framesIn: number;
  /** Frames written towards `to`. */
  framesForwarded: number;
  /** Frames discarded because the link was cut. */
  droppedByCut: number;
  /** Frames discarded by random loss on `to`. */
  droppedByLoss: number;
  bytesForwarded: number;
}

interface Conn { down: Socket; up: Socket }

const zero = (): LinkCounters => ({ accepted: 0, rejected: 0, framesIn: 0, framesForwarded: 0, droppedByCut: 0, droppedByLoss: 0, bytesForwarded: 0 });
const key = (from: string, to: string): string => `${from}->${to}`;
const NL = 0x0a;

class Link {
  readonly counters = zero();
  readonly conns = new Set<Conn>();
  cut: CutMode | undefined;
  port = 0;
  private server: Server | undefined;

  constructor(readonly from: string, readonly to: string, private readonly relay: Relay) {}

  listen(): Promise<void> {
    const server = createServer({ noDelay: true }, (sock) => this.accept(sock));
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

  private accept(down: Socket): void {
    this.counters.accepted++;
    down.on('error', () => undefined);
    if (this.cut === 'reject' || this.relay.closed) {
      this.counters.rejected++;
      reset(down);
      return;
    }
    down.setNoDelay(true);
    const up = new Socket();
    up.setNoDelay(true);
    const conn: Conn = { down, up };
    this.conns.add(conn);
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.conns.delete(conn);
      down.destroy();
      up.destroy();
    };
    down.on('close', close);
    up.on('error', close);
    up.on('close', close);
    // Bytes the other way (peers never answer on this connection, but be a faithful pipe).
    up.on('data', (b: Buffer) => { if (!down.destroyed) down.write(b); });

    let pending: Buffer[] = [];
    let pendingLen = 0;
    down.on('data', (chunk: Buffer) => {
      let start = 0;
      let nl: number;
      while ((nl = chunk.indexOf(NL, start)) >= 0) {
        let frame: Buffer;
        if (pendingLen > 0) {
          pending.push(chunk.subarray(start, nl + 1));
          frame = Buffer.concat(pending);
          pending = [];
          pendingLen = 0;
        } else {
          frame = chunk.subarray(start, nl + 1);
        }
        start = nl + 1;
        this.frame(frame, up);
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingLen += chunk.length - start;
      }
    });
    up.connect(this.relay.realPort(this.to), '127.0.0.1');
  }

  private frame(frame: Buffer, up: Socket): void {
    const c = this.counters;
    c.framesIn++;
    if (this.cut) { c.droppedByCut++; return; }
    const p = this.relay.lossOf(this.to);
    if (p > 0 && this.relay.random() < p) { c.droppedByLoss++; return; }
    if (up.destroyed) return;
    c.framesForwarded++;
    c.bytesForwarded += frame.length;
    up.write(frame); // buffered by the socket until it is connected
  }

  setCut(mode: CutMode | undefined): void {
    this.cut = mode;
    if (mode === 'reject') {
      for (const c of [...this.conns]) { reset(c.down); c.up.destroy(); }
      this.conns.clear();
    }
  }

  async close(): Promise<void> {
    for (const c of [...this.conns]) { c.down.destroy(); c.up.destroy(); }
    this.conns.clear();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

function reset(s: Socket): void {
  // resetAndDestroy sends an RST (Node ≥ 16.17 / 18.3); plain destroy is a FIN, good enough as a fallback.
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
  /** The real peer port of a node (looked up on every new connection, so it may change). */
  realPort: (name: string) => number;
  /** Random source for loss (tests can seed it). */
  random?: () => number;
}

export class Relay {
  private links = new Map<string, Link>();
  private lossP = new Map<string, number>();
  closed = false;
  readonly random: () => number;
  readonly realPort: (name: string) => number;

  private constructor(private readonly o: RelayOptions) {
    this.random = o.random ?? Math.random;
    this.realPort = o.realPort;
  }

  /** Opens one listener per ordered pair of distinct nodes. */
  static async create(o: RelayOptions): Promise<Relay> {
    const r = new Relay(o);
    for (const from of o.nodes) for (const to of o.nodes) if (from !== to) r.links.set(key(from, to), new Link(from, to, r));
    try {
      await Promise.all([...r.links.values()].map((l) => l.listen()));
    } catch (e) {
      await r.close();
      throw e;
    }
    return r;
  }

  private link(from: string, to: string): Link {
    const l = this.links.get(key(from, to));
    if (!l) throw new Error(`relay: no link ${from} -> ${to}`);
    return l;
  }

  /** The port `from` must dial to reach `to`. */
  port(from: string, to: string): number {
    return this.link(from, to).port;
  }

  /** `to` stops hearing from `from`. */
  cut(from: string, to: string, mode: CutMode = 'drop'): void {
    this.link(from, to).setCut(mode);
  }

  uncut(from: string, to: string): void {
    this.link(from, to).setCut(undefined);
  }

  uncutAll(): void {
    for (const l of this.links.values()) l.setCut(undefined);
  }

  /** The links currently cut, as [from, to, mode]. */
  cuts(): Array<[string, string, CutMode]> {
    return [...this.links.values()].filter((l) => l.cut).map((l) => [l.from, l.to, l.cut!]);
  }

  isCut(from: string, to: string): CutMode | undefined {
    return this.link(from, to).cut;
  }

  /** Drop frames arriving at `to` with probability p (0 removes the loss). */
  loss(to: string, p: number): void {
    if (!(p >= 0 && p <= 1)) throw new Error(`relay: loss probability must be in [0, 1], got ${p}`);
    if (!this.o.nodes.includes(to)) throw new Error(`relay: no node ${to}`);
    if (p === 0) this.lossP.delete(to);
    else this.lossP.set(to, p);
  }

  lossOf(to: string): number {
    return this.lossP.get(to) ?? 0;
  }

  clearLoss(): void {
    this.lossP.clear();
  }

  /** A copy of one link's counters. */
  counters(from: string, to: string): LinkCounters {
    return { ...this.link(from, to).counters };
  }

  /** Copies of every link's counters, keyed "from->to". */
  allCounters(): Record<string, LinkCounters> {
    return Object.fromEntries([...this.links].map(([k, l]) => [k, { ...l.counters }]));
  }

  /** Open (piped) connections on a link. */
  connections(from: string, to: string): number {
    return this.link(from, to).conns.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }
}

// The one byte-level fault relay both runtimes use: the local runtime's for every peer link (local/relay.ts), the
// docker runtime's for latency (docker/latency.ts). It moves bytes and never parses them, so any target's peer
// protocol can be hurt. One front listener per (node, peer port); each accepted connection is piped to the node's
// real port, one Pipe per direction. What differs between the two relays is plugged in: who sent a connection
// (the kernel's /proc on loopback, the source address on a docker network), what to do with a sender that is no
// node, where a node really listens, and who owns the fault settings (LinkFaults).
//
// Faults act on directed links from → to, on the bytes `from` sends to `to` in either connection direction (a
// request on a connection `from` opened, or a reply on one `to` opened), like an iptables rule at `to`:
//   - cut 'drop'    bytes vanish and connections stay open (iptables DROP); a connection that lost bytes is reset
//                   once the link heals, because a byte stream with a hole in it is no longer the protocol (TCP
//                   would have retransmitted; its sender reconnects instead)
//   - cut 'reject'  connections between the two are refused and reset (REJECT --reject-with tcp-reset)
//   - loss p        each chunk arriving at `to` is held back one retransmission timeout with probability p, in
//                   order: inside a TCP connection a lost segment is retransmitted, so its bytes (and every byte
//                   after them) arrive late, never missing
//   - latency       each chunk arriving at `to` waits ms ± jitter, in order (no kernel netem here)
import { createServer, Socket, type Server } from 'node:net';
import { DelayedWriter } from './delayed-writer.js';
import { listenFree } from './ports.js';

export type CutMode = 'drop' | 'reject';

export interface LatencySetting {
  ms: number;
  jitterMs: number;
}

/** The fault settings the relay obeys, owned by whoever injects them; asked per chunk, so a change bites at once. */
export interface LinkFaults {
  /** How `to` stops hearing `from`, or undefined when the link is whole. */
  cutMode(from: string, to: string): CutMode | undefined;
  lossOf(to: string): number;
  latencyOf(to: string): LatencySetting | undefined;
}

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

/** A front: where every node reaches node `node`'s peer port `port`. */
export interface Front {
  node: string;
  port: string;
  /** The port the front listens on. */
  at: number;
}

export interface RelayCoreOptions {
  /** The fronts to open: one per node and peer port. */
  fronts: ReadonlyArray<{ node: string; port: string }>;
  /** The address the fronts listen on (127.0.0.1; a docker network's gateway). */
  host: string;
  faults: LinkFaults;
  /** Which node opened `sock`, which arrived at `front`; undefined when none did (or the kernel cannot say yet). */
  identify(sock: Socket, front: Front): string | undefined;
  /** A connection from no node: piped and never hurt (the harness itself, on loopback), or refused. */
  strangers: 'pipe' | 'refuse';
  /** Where node `to` really listens for `port`: looked up per connection, so it may change (a restart). */
  upstream(to: string, port: string): { host: string; port: number };
  /** Random source for loss and jitter (tests seed it). */
  random?: () => number;
  /** How long a "lost" chunk is held back: Linux's minimum TCP retransmission timeout by default, 200 ms. */
  retransmitMs?: number;
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

/** An RST (Node >= 18.3), falling back to a FIN: the peer must see the connection die, not end politely. */
function reset(s: Socket): void {
  const r = (s as Socket & { resetAndDestroy?: () => Socket }).resetAndDestroy;
  try {
    if (typeof r === 'function') r.call(s);
    else s.destroy();
  } catch {
    s.destroy();
  }
}

/** The delay of one chunk: a retransmission when loss strikes, plus the link's latency ± jitter. */
export function chunkDelay(
  loss: number,
  latency: LatencySetting | undefined,
  random: () => number,
  retransmitMs: number,
): number {
  let delay = 0;
  if (loss > 0 && random() < loss) delay += retransmitMs;
  if (latency) delay += Math.max(0, latency.ms + (random() * 2 - 1) * latency.jitterMs);
  return delay;
}

/** One direction of one connection: bytes from `from` to `to`, in order, maybe delayed, dropped while cut. */
class Pipe {
  /** Bytes were dropped: the stream has a hole and must be reset once the link heals. */
  holed = false;
  private readonly writer: DelayedWriter;

  constructor(
    public from: string | undefined,
    public to: string | undefined,
    out: Socket,
    private readonly core: RelayCore,
  ) {
    this.writer = new DelayedWriter(out);
  }

  push(chunk: Buffer): void {
    const { from, to } = this;
    if (!from || !to) {
      this.writer.write(chunk, 0);
      return;
    }
    const c = this.core.countersOf(from, to);
    const f = this.core.o.faults;
    if (f.cutMode(from, to)) {
      this.holed = true;
      c.bytesDropped += chunk.length;
      return;
    }
    const delay = chunkDelay(f.lossOf(to), f.latencyOf(to), this.core.random, this.core.retransmitMs);
    c.bytesForwarded += chunk.length;
    if (this.writer.write(chunk, delay)) c.chunksDelayed++;
  }

  /** The hole's link is whole again. */
  healed(): boolean {
    return this.holed && !!this.from && !!this.to && !this.core.o.faults.cutMode(this.from, this.to);
  }

  stop(): void {
    this.writer.stop();
  }
}

/** The client's socket (`down`), ours to the real node (`up`), and the two directions. */
interface Conn {
  down: Socket;
  up: Socket;
  from: string | undefined;
  to: string;
  send: Pipe;
  reply: Pipe;
  /** Ends both sockets and both writers, once. */
  end(): void;
}

export class RelayCore {
  private readonly fronts = new Map<string, { front: Front; server: Server }>();
  private readonly conns = new Set<Conn>();
  private readonly stats = new Map<string, LinkCounters>();
  private closed = false;
  readonly random: () => number;
  readonly retransmitMs: number;

  private constructor(readonly o: RelayCoreOptions) {
    this.random = o.random ?? Math.random;
    this.retransmitMs = o.retransmitMs ?? 200;
  }

  /** Opens every front (on ports the kernel picks); on any failure closes what opened and throws. */
  static async create(o: RelayCoreOptions): Promise<RelayCore> {
    const r = new RelayCore(o);
    try {
      for (const f of o.fronts) {
        const front: Front = { node: f.node, port: f.port, at: 0 };
        const server = createServer({ noDelay: true }, (sock) => r.accept(front, sock));
        r.fronts.set(`${f.node}/${f.port}`, { front, server });
        front.at = await listenFree(server, o.host);
      }
    } catch (e) {
      await r.close();
      throw e;
    }
    return r;
  }

  /** The front port where every node reaches node `node`'s `port`. */
  port(node: string, port: string): number {
    const f = this.fronts.get(`${node}/${port}`);
    if (!f) throw new Error(`relay: no front for ${node}/${port}`);
    return f.front.at;
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

  /** Copies of every link's counters, keyed "from->to". */
  allCounters(): Record<string, LinkCounters> {
    return Object.fromEntries([...this.stats].map(([k, c]) => [k, { ...c }]));
  }

  /** Open connections: all of them, or those `from` opened to `to`. */
  connections(from?: string, to?: string): number {
    if (from === undefined) return this.conns.size;
    return [...this.conns].filter((c) => c.from === from && c.to === to).length;
  }

  /** Counts a connection `from` opened to `to`; false when a 'reject' cut either way refuses it. */
  private admit(from: string | undefined, to: string): boolean {
    if (!from) return this.o.strangers === 'pipe';
    const c = this.countersOf(from, to);
    c.accepted++;
    if (this.o.faults.cutMode(from, to) === 'reject' || this.o.faults.cutMode(to, from) === 'reject') {
      c.rejected++;
      return false;
    }
    return true;
  }

  private accept(front: Front, down: Socket): void {
    down.on('error', () => undefined);
    const to = front.node;
    const from = this.o.identify(down, front);
    if (!from && this.o.strangers === 'refuse') {
      down.destroy();
      return;
    }
    if (this.closed || !this.admit(from, to)) {
      reset(down);
      return;
    }
    down.setNoDelay(true);
    const up = new Socket();
    up.setNoDelay(true);
    let ended = false;
    const conn: Conn = {
      down,
      up,
      from,
      to,
      send: new Pipe(from, to, up, this),
      reply: new Pipe(to, from, down, this),
      end: () => {
        if (ended) return;
        ended = true;
        this.conns.delete(conn);
        conn.send.stop();
        conn.reply.stop();
        down.destroy();
        up.destroy();
      },
    };
    this.conns.add(conn);
    down.on('close', conn.end);
    up.on('error', conn.end);
    up.on('close', conn.end);
    let asked = false;
    // A stream that lost bytes is reset once its link is whole again, found here on its next bytes when whoever
    // healed the link did not say so (resetHealed).
    const healedHole = (): boolean => {
      const p = conn.send.healed() ? conn.send : conn.reply.healed() ? conn.reply : undefined;
      if (!p) return false;
      this.countersOf(p.from!, p.to!).resetAtHeal++;
      reset(down);
      conn.end();
      return true;
    };
    down.on('data', (b: Buffer) => {
      // The kernel may not have shown the sender yet at accept (a connect racing the lookup): ask again once.
      if (conn.from === undefined && !asked) {
        asked = true;
        conn.from = this.o.identify(down, front);
        conn.send.from = conn.from;
        conn.reply.to = conn.from;
        if (conn.from !== undefined && !this.admit(conn.from, to)) {
          reset(down);
          up.destroy();
          return;
        }
      }
      if (!healedHole()) conn.send.push(b);
    });
    up.on('data', (b: Buffer) => {
      if (!healedHole()) conn.reply.push(b);
    });
    const u = this.o.upstream(to, front.port);
    up.connect(u.port, u.host);
  }

  /**
   * Resets every connection between `a` and `b` (a 'reject' cut arrived), counted on `a` → `b`'s link.
   */
  resetBetween(a: string, b: string): void {
    for (const c of [...this.conns]) {
      if ((c.from === a && c.to === b) || (c.from === b && c.to === a)) {
        this.countersOf(a, b).rejected++;
        reset(c.down);
        c.end();
      }
    }
  }

  /** Resets the connections that lost bytes on `from` → `to`, which is whole again: senders reconnect. */
  resetHealed(from: string, to: string): void {
    for (const c of [...this.conns]) {
      const holed =
        (c.send.from === from && c.send.to === to && c.send.holed) ||
        (c.reply.from === from && c.reply.to === to && c.reply.holed);
      if (holed) {
        this.countersOf(from, to).resetAtHeal++;
        reset(c.down);
        c.end();
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of [...this.conns]) c.end();
    await Promise.all(
      [...this.fronts.values()].map(
        ({ server }) => new Promise<void>((r) => (server.listening ? server.close(() => r()) : r())),
      ),
    );
  }
}

// Peer transport: one outgoing TCP connection per peer, newline-delimited JSON frames {group, msgs}.
// Raft tolerates loss, so while a peer is unreachable frames are dropped (bounded queue) and the connection is
// retried with exponential backoff; Raft's own retries (heartbeats, probes) do the rest. Incoming connections
// are accepted from anyone who speaks the protocol; the group and the message's `to` decide delivery.
import { createServer, Socket, type Server } from 'node:net';
import type { Logger } from 'pino';
import type { Message, NodeId } from '../raft/types.js';

export interface Frame { group: string; msgs: Message[] }

const MAX_QUEUED = 2048;
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1000;

class PeerLink {
  private sock: Socket | undefined;
  private connecting = false;
  private queue: string[] = [];
  private backoff = BACKOFF_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(readonly peer: NodeId, private readonly host: string, private readonly port: number, private readonly log: Logger) {}

  private outbox: string[] = [];

  /** Frames sent in the same tick leave in one write (one syscall, one TCP segment when they fit). */
  send(line: string): void {
    if (this.closed) return;
    if (this.sock && !this.connecting) {
      if (this.outbox.push(line) === 1) queueMicrotask(() => this.flush());
      return;
    }
    if (this.queue.length < MAX_QUEUED) this.queue.push(line);
    this.connect();
  }

  flush(): void {
    const lines = this.outbox;
    this.outbox = [];
    if (lines.length === 0) return;
    if (this.sock && !this.connecting) this.sock.write(lines.length === 1 ? lines[0] : lines.join(''));
    else for (const l of lines) if (this.queue.length < MAX_QUEUED) this.queue.push(l);
  }

  private connect(): void {
    if (this.connecting || this.sock || this.retryTimer || this.closed) return;
    this.connecting = true;
    const s = new Socket();
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connecting = false;
      this.backoff = BACKOFF_MIN_MS;
      this.sock = s;
      const q = this.queue;
      this.queue = [];
      if (q.length > 0) s.write(q.join(''));
      this.log.debug({ peer: this.peer }, 'peer connected');
    });
    let dead = false;
    const down = (): void => {
      if (dead) return; // 'error' and 'close' both fire for one failure
      dead = true;
      if (this.sock === s) this.sock = undefined;
      this.connecting = false;
      s.destroy();
      if (this.closed) return;
      // Retry after a backoff if there is something to say; otherwise the next send reconnects.
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (this.queue.length > 0) this.connect();
      }, this.backoff);
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    };
    s.on('error', down);
    s.on('close', down);
    s.on('data', () => undefined); // peers never answer on this connection
    s.connect(this.port, this.host);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.sock?.destroy();
  }
}

export class Transport {
  private links = new Map<NodeId, PeerLink>();
  private server: Server | undefined;
  private sockets = new Set<Socket>();

  constructor(
    private readonly addrs: Map<NodeId, { host: string; port: number }>,
    private readonly onFrame: (f: Frame) => void,
    private readonly log: Logger,
  ) {}

  listen(host: string, port: number): Promise<void> {
    this.server = createServer((sock) => {
      this.sockets.add(sock);
      sock.setNoDelay(true);
      let buf = '';
      sock.setEncoding('utf8');
      sock.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === '') continue;
          try {
            this.onFrame(JSON.parse(line) as Frame);
          } catch (err) {
            this.log.warn({ err: (err as Error).message }, 'bad peer frame dropped');
          }
        }
      });
      sock.on('error', () => sock.destroy());
      sock.on('close', () => this.sockets.delete(sock));
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
  }

  send(to: NodeId, group: string, msgs: Message[]): void {
    let link = this.links.get(to);
    if (!link) {
      const a = this.addrs.get(to);
      if (!a) return;
      link = new PeerLink(to, a.host, a.port, this.log);
      this.links.set(to, link);
    }
    link.send(JSON.stringify({ group, msgs } satisfies Frame) + '\n');
  }

  /** Writes every queued frame now (the host calls it to let a leader's appends leave before its fsync). */
  flushAll(): void {
    for (const l of this.links.values()) l.flush();
  }

  close(): void {
    for (const l of this.links.values()) l.close();
    for (const s of this.sockets) s.destroy();
    this.server?.close();
  }
}

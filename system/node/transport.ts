// Peer transport: one outgoing TCP connection per peer, newline-delimited JSON frames. A frame carries the
// messages of any number of Raft groups ({groups: {<group>: [msgs]}}) plus, optionally, the node-level
// heartbeat ({beat}): the host sends each peer one frame per pass, whatever the number of groups (TiKV and
// CockroachDB batch Raft messages per peer the same way).
// Raft tolerates loss, so while a peer is unreachable frames are dropped (bounded queue) and the connection is
// retried with exponential backoff; Raft's own retries (heartbeats, probes) do the rest.
//
// Every connection starts with the challenge-response handshake of peer-auth.ts; until it succeeds the
// listener reads at most one short line at a time and delivers nothing, and a connection that fails it is
// closed and logged (issue 14, item 2). After it, a frame's messages are delivered only if they come from the
// authenticated peer and are addressed to this node. Bounds, stated in docs/node.md:
//   - a frame is at most MAX_FRAME_BYTES (64 MiB); a longer line closes the connection. Larger outgoing batches
//     are split; a single message that still does not fit is dropped and logged (Raft resends or sends a snapshot);
//   - per connection, the reader holds at most one partial frame (≤ 64 MiB), and the writer queues at most
//     MAX_BUFFERED_BYTES while the peer does not read (a paused peer): beyond that frames are dropped;
//   - at most MAX_HANDSHAKING unauthenticated connections at once, each closed after HANDSHAKE_TIMEOUT_MS.
import { createServer, Socket, type Server } from 'node:net';
import type { Logger } from 'pino';
import type { Message, NodeId } from '../raft/types.js';
import { LineSplitter, LineTooLong } from './line-splitter.js';
import {
  MAX_HANDSHAKE_LINE,
  PROTOCOL,
  newNonce,
  parseAuth,
  parseChallenge,
  parseHello,
  proof,
  proofMatches,
} from './peer-auth.js';

/**
 * The node-level heartbeat (one per node pair per heartbeat interval): the sender is alive, and leads the
 * groups in `lead` (the rebalancer's input, and how a quiesced follower learns its leader is gone). It stands
 * in for the heartbeats of quiesced groups (coordinator.ts).
 */
export interface NodeBeat {
  lead: string[];
  /** Which run of the sender process this is (random per start): a change means it restarted. */
  run?: string;
}

export interface Frame {
  groups: Record<string, Message[]>;
  beat?: NodeBeat;
  /** Two-phase commit messages (system/txn/messages.ts), checked by the receiver's driver. */
  txn?: unknown[];
}

export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Outgoing batches above this are split into several frames (well under the receiver's limit). */
const SPLIT_FRAME_BYTES = 8 * 1024 * 1024;
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const MAX_QUEUED = 2048;
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1000;
export const HANDSHAKE_TIMEOUT_MS = 2000;
const MAX_HANDSHAKING = 64;
/** The same complaint about the same peer is logged at most this often. */
const LOG_EVERY_MS = 30_000;

export interface TransportOptions {
  id: NodeId;
  /** id → peer address of every member (this node included). */
  addrs: Map<NodeId, { host: string; port: number }>;
  /** The cluster's shared secret ('' only on loopback: then the handshake proves nothing, see config.ts). */
  secret: string;
  /** A frame from the authenticated peer `from` (its messages already checked to be from it, to us). */
  onFrame: (from: NodeId, f: Frame) => void;
  log: Logger;
}

/** Logs a given complaint about a given peer at most once per LOG_EVERY_MS, counting the ones it held back. */
class QuietLog {
  private last = new Map<string, { at: number; held: number }>();
  constructor(private readonly log: Logger) {}
  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    const l = this.last.get(key);
    if (l && now - l.at < LOG_EVERY_MS) {
      l.held++;
      return;
    }
    this.log.warn({ ...fields, suppressedSinceLast: l?.held ?? 0 }, msg);
    this.last.set(key, { at: now, held: 0 });
  }
}

const byteLen = (s: string): number => (s.length * 3 <= SPLIT_FRAME_BYTES ? s.length : Buffer.byteLength(s));

class PeerLink {
  private sock: Socket | undefined;
  private connecting = false;
  private queue: string[] = [];
  private backoff = BACKOFF_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private outbox: string[] = [];
  closed = false;

  constructor(
    readonly peer: NodeId,
    private readonly host: string,
    private readonly port: number,
    private readonly t: Transport,
  ) {}

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
    if (this.sock && !this.connecting) this.write(this.sock, lines.length === 1 ? lines[0] : lines.join(''));
    else for (const l of lines) if (this.queue.length < MAX_QUEUED) this.queue.push(l);
  }

  /** A peer that does not read (paused, overloaded) cannot make this process buffer without end. */
  private write(s: Socket, text: string): void {
    if (s.writableLength > MAX_BUFFERED_BYTES) {
      this.t.quiet.warn(
        `buffer:${this.peer}`,
        { peer: this.peer, buffered: s.writableLength },
        'peer is not reading; frames dropped',
      );
      return;
    }
    s.write(text);
  }

  private connect(): void {
    if (this.connecting || this.sock || this.retryTimer || this.closed) return;
    this.connecting = true;
    const s = new Socket();
    s.setNoDelay(true);
    const nonce = newNonce();
    let authed = false;
    const splitter = new LineSplitter(MAX_HANDSHAKE_LINE);
    const timer = setTimeout(() => fail('no handshake answer'), HANDSHAKE_TIMEOUT_MS);
    const fail = (why: string): void => {
      this.t.quiet.warn(
        `dial:${this.peer}:${why}`,
        { peer: this.peer, reason: why },
        'peer handshake failed; connection closed',
      );
      down();
    };
    s.on('connect', () => {
      s.write(`${JSON.stringify({ hello: PROTOCOL, from: this.t.o.id, to: this.peer, nonce })}\n`);
    });
    s.on('data', (chunk: Buffer) => {
      if (authed) return; // the listener says nothing after its challenge
      try {
        splitter.push(chunk, (line) => {
          const c = parseChallenge(line);
          if (!c) {
            fail('malformed challenge');
            return false;
          }
          const expected = proof(this.t.o.secret, 'listener', this.t.o.id, this.peer, nonce, c.challenge);
          if (!proofMatches(expected, c.proof)) {
            fail('listener proof does not match (a different peer secret?)');
            return false;
          }
          authed = true;
          clearTimeout(timer);
          s.write(
            JSON.stringify({ auth: proof(this.t.o.secret, 'dialer', this.t.o.id, this.peer, nonce, c.challenge) }) +
              '\n',
          );
          this.connecting = false;
          this.backoff = BACKOFF_MIN_MS;
          this.sock = s;
          const q = this.queue;
          this.queue = [];
          if (q.length > 0) this.write(s, q.join(''));
          this.t.o.log.debug({ peer: this.peer }, 'peer connected');
          return false;
        });
      } catch (e) {
        fail(e instanceof LineTooLong ? 'challenge too long' : (e as Error).message);
      }
    });
    let dead = false;
    const down = (): void => {
      if (dead) return; // 'error' and 'close' both fire for one failure
      dead = true;
      clearTimeout(timer);
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
  private handshaking = 0;
  readonly quiet: QuietLog;

  constructor(readonly o: TransportOptions) {
    this.quiet = new QuietLog(o.log);
  }

  listen(host: string, port: number): Promise<void> {
    this.server = createServer((sock) => this.accept(sock));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
  }

  private accept(sock: Socket): void {
    const remote = `${sock.remoteAddress}:${sock.remotePort}`;
    if (this.handshaking >= MAX_HANDSHAKING) {
      this.quiet.warn('too-many', { remote }, 'too many unauthenticated peer connections; connection closed');
      sock.destroy();
      return;
    }
    this.handshaking++;
    this.sockets.add(sock);
    sock.setNoDelay(true);
    let state: 'hello' | 'auth' | 'open' = 'hello';
    let peer = '';
    let expected = '';
    const splitter = new LineSplitter(MAX_HANDSHAKE_LINE);
    const settle = (): void => {
      if (state !== 'open') this.handshaking--;
    };
    let closed = false;
    const close = (why: string | undefined): void => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      settle();
      if (why)
        this.quiet.warn(
          `accept:${peer || remote}:${why}`,
          { remote, peer: peer || undefined, reason: why },
          'peer connection refused',
        );
      sock.destroy();
    };
    const timer = setTimeout(() => close('no handshake within the time limit'), HANDSHAKE_TIMEOUT_MS);

    const onLine = (line: Buffer): boolean => {
      if (state === 'open') {
        if (line.length > 0) this.deliver(peer, line);
        return true;
      }
      if (state === 'hello') {
        const h = parseHello(line);
        if (!h) {
          close('malformed hello');
          return false;
        }
        if (h.to !== this.o.id) {
          close(`hello is for ${h.to}, not this node`);
          return false;
        }
        if (!this.o.addrs.has(h.from) || h.from === this.o.id) {
          close(`hello from ${h.from}, not a peer`);
          return false;
        }
        peer = h.from;
        const challenge = newNonce();
        expected = proof(this.o.secret, 'dialer', h.from, this.o.id, h.nonce, challenge);
        sock.write(
          `${JSON.stringify({
            challenge,
            proof: proof(this.o.secret, 'listener', h.from, this.o.id, h.nonce, challenge),
          })}\n`,
        );
        state = 'auth';
        return true;
      }
      if (!proofMatches(expected, parseAuth(line))) {
        close('dialer proof does not match (a different peer secret?)');
        return false;
      }
      state = 'open';
      this.handshaking--;
      clearTimeout(timer);
      splitter.max = MAX_FRAME_BYTES;
      return true;
    };
    sock.on('data', (chunk: Buffer) => {
      try {
        splitter.push(chunk, (line) => !closed && onLine(line));
      } catch (e) {
        close(
          e instanceof LineTooLong
            ? `${state === 'open' ? 'frame' : 'handshake line'} longer than ${e.max} bytes`
            : (e as Error).message,
        );
      }
    });
    sock.on('error', () => close(undefined));
    sock.on('close', () => {
      this.sockets.delete(sock);
      close(undefined);
    });
  }

  /** One frame from an authenticated peer: only messages from that peer, to this node, reach Raft. */
  private deliver(peer: NodeId, line: Buffer): void {
    let f: Frame;
    try {
      f = JSON.parse(line.toString('utf8')) as Frame;
    } catch (err) {
      this.quiet.warn(`frame:${peer}`, { peer, err: (err as Error).message }, 'bad peer frame dropped');
      return;
    }
    if (!f || typeof f !== 'object' || !f.groups || typeof f.groups !== 'object' || Array.isArray(f.groups)) {
      this.quiet.warn(`frame:${peer}`, { peer }, 'bad peer frame dropped');
      return;
    }
    // No prototype: a peer's group names are data, never keys like __proto__ that reach Object.prototype.
    const groups: Record<string, Message[]> = Object.create(null) as Record<string, Message[]>;
    let spoofed = false;
    for (const [g, list] of Object.entries(f.groups)) {
      if (!Array.isArray(list)) {
        spoofed = true;
        continue;
      }
      const msgs = list.filter(
        (m) =>
          !!m &&
          typeof m === 'object' &&
          m.from === peer &&
          m.to === this.o.id &&
          typeof m.type === 'string' &&
          typeof m.term === 'number',
      );
      if (msgs.length !== list.length) spoofed = true;
      if (msgs.length > 0) groups[g] = msgs;
    }
    if (spoofed)
      this.quiet.warn(
        `spoof:${peer}`,
        { peer },
        'messages not from the authenticated peer or not for this node dropped',
      );
    const beat =
      f.beat && typeof f.beat === 'object' && Array.isArray(f.beat.lead)
        ? {
            lead: f.beat.lead.filter((g) => typeof g === 'string'),
            run: typeof f.beat.run === 'string' ? f.beat.run : undefined,
          }
        : undefined;
    const txn = Array.isArray(f.txn) ? f.txn : undefined;
    try {
      this.o.onFrame(peer, txn ? { groups, beat, txn } : { groups, beat });
    } catch (err) {
      this.quiet.warn(`frame:${peer}`, { peer, err: (err as Error).message }, 'peer frame could not be handled');
    }
  }

  /** Sends one frame to `to` (split only when too large), queued until the next flush or microtask. */
  send(to: NodeId, frame: Frame): void {
    let link = this.links.get(to);
    if (!link) {
      const a = this.o.addrs.get(to);
      if (!a) return;
      link = new PeerLink(to, a.host, a.port, this);
      this.links.set(to, link);
    }
    for (const line of this.frames(to, frame)) link.send(line);
  }

  /** One frame normally; a batch too large for one frame is split, and a lone message too large is dropped. */
  private frames(to: NodeId, frame: Frame): string[] {
    const line = `${JSON.stringify(frame)}\n`;
    if (line.length <= SPLIT_FRAME_BYTES / 3) return [line];
    const bytes = byteLen(line);
    if (bytes <= SPLIT_FRAME_BYTES) return [line];
    if (frame.txn && frame.txn.length > 0) {
      // Transaction messages travel apart from the Raft messages, halved until they fit (each is at most one
      // request body, 1 MiB, plus its envelope).
      const { txn, ...rest } = frame;
      const raft = Object.keys(rest.groups).length > 0 || rest.beat ? this.frames(to, rest) : [];
      return [...raft, ...this.txnFrames(to, txn)];
    }
    const parts = Object.entries(frame.groups).flatMap(([g, msgs]) => msgs.map((m) => [g, m] as const));
    if (parts.length > 1) {
      const half = Math.ceil(parts.length / 2);
      const pack = (ps: (readonly [string, Message])[], beat?: Frame['beat']): Frame => {
        const groups: Record<string, Message[]> = {};
        for (const [g, m] of ps) {
          groups[g] ??= [];
          groups[g].push(m);
        }
        return beat ? { groups, beat } : { groups };
      };
      return [...this.frames(to, pack(parts.slice(0, half), frame.beat)), ...this.frames(to, pack(parts.slice(half)))];
    }
    if (bytes <= MAX_FRAME_BYTES) return [line];
    const [g, m] = parts[0];
    this.o.log.error(
      { peer: to, group: g, type: m.type, bytes, max: MAX_FRAME_BYTES },
      'message larger than the frame limit dropped',
    );
    return [];
  }

  private txnFrames(to: NodeId, txn: unknown[]): string[] {
    const line = `${JSON.stringify({ groups: {}, txn })}\n`;
    if (txn.length === 1 || byteLen(line) <= SPLIT_FRAME_BYTES) {
      if (byteLen(line) <= MAX_FRAME_BYTES) return [line];
      this.o.log.error({ peer: to, bytes: byteLen(line) }, 'transaction message larger than the frame limit dropped');
      return [];
    }
    const half = Math.ceil(txn.length / 2);
    return [...this.txnFrames(to, txn.slice(0, half)), ...this.txnFrames(to, txn.slice(half))];
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

// What both fault relays (the local runtime's and the docker latency relay) do with one relayed TCP connection:
// the two sockets live and die together, and a byte's delay is what loss and latency make of it. Loss is a
// delay, not a drop: inside a TCP connection a lost segment is retransmitted, so its bytes (and every byte after
// them) arrive late, never missing.
import type { Socket } from 'node:net';

/** The client's socket (`down`), ours to the real node (`up`), and the two directions' writers. */
export interface RelayedConn {
  down: Socket;
  up: Socket;
  send: { stop(): void };
  reply: { stop(): void };
}

function endConn(c: RelayedConn): void {
  c.send.stop();
  c.reply.stop();
  c.down.destroy();
  c.up.destroy();
}

/** Ends both sockets and both writers once, when either side closes or fails; returns that ending. */
export function endTogether<C extends RelayedConn>(conn: C, conns: Set<C>): () => void {
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    conns.delete(conn);
    endConn(conn);
  };
  conn.down.on('close', end);
  conn.up.on('error', end);
  conn.up.on('close', end);
  return end;
}

/** Ends every open connection (the relay is closing). */
export function endAll<C extends RelayedConn>(conns: Set<C>): void {
  const all = [...conns];
  conns.clear();
  for (const c of all) endConn(c);
}

/** The delay of one chunk: a retransmission when loss strikes, plus the link's latency ± jitter. */
export function chunkDelay(
  loss: number,
  latency: { ms: number; jitterMs: number } | undefined,
  random: () => number,
  retransmitMs: number,
): number {
  let delay = 0;
  if (loss > 0 && random() < loss) delay += retransmitMs;
  if (latency) delay += Math.max(0, latency.ms + (random() * 2 - 1) * latency.jitterMs);
  return delay;
}

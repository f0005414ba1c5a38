// Ordered, delayed writes to a socket: what the relay core (relay-core.ts, both runtimes' fault relay) makes of
// latency and loss. TCP never reorders or loses bytes inside a connection, so a chunk held back also
// holds back every chunk after it: each one is due no earlier than the one before.
import type { Socket } from 'node:net';

export class DelayedWriter {
  private queue: { chunk: Buffer; due: number }[] = [];
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: Socket) {}

  /** Writes `chunk` after `delayMs` (and after everything queued before it). Returns whether it was delayed. */
  write(chunk: Buffer, delayMs: number): boolean {
    if (delayMs === 0 && this.queue.length === 0) {
      if (!this.out.destroyed) this.out.write(chunk);
      return false;
    }
    const due = Math.max(this.lastDue, Date.now() + delayMs);
    this.lastDue = due;
    this.queue.push({ chunk, due });
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const now = Date.now();
        while (this.queue.length && this.queue[0].due <= now) {
          const { chunk } = this.queue.shift()!;
          if (!this.out.destroyed) this.out.write(chunk);
        }
        this.schedule();
      },
      Math.max(0, this.queue[0].due - Date.now()),
    );
  }

  /** Drops whatever is still queued (the connection is closing). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }
}

// The recorder's file: history.jsonl, appended one line per event with a synchronous write, so every event the
// harness saw is in the kernel's hands before the next one happens. If the harness is killed mid-run the file
// ends at the last whole event (or a torn last line, which the reader drops with a warning).
// writeSync may write less than asked (a nearly full disk): every line is written in full or the append throws
// (ENOSPC), so an event is never silently cut short in the middle of a run.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { HISTORY_FORMAT_VERSION, type HistoryEvent, type HistoryHeader } from './op.js';

export type NewEvent = Omit<HistoryEvent, 'index'>;

/** Writes all of `data` to fd: a short write is continued, a write that makes no progress is an error. */
export function writeAll(fd: number, data: Buffer): void {
  for (let off = 0; off < data.length; ) {
    const n = writeSync(fd, data, off, data.length - off);
    if (n <= 0) throw Object.assign(new Error('write made no progress (disk full?)'), { code: 'ENOSPC' });
    off += n;
  }
}

export class HistoryWriter {
  private fd: number | undefined;
  private next = 0;
  private lastSync = Date.now();

  /** Opens (truncating) `path` and writes the header line. */
  constructor(
    readonly path: string,
    header: Record<string, unknown> = {},
    private readonly syncEveryMs = 1000,
  ) {
    this.fd = openSync(path, 'w');
    const h: HistoryHeader = { faultline: 'history', version: HISTORY_FORMAT_VERSION, ...header };
    writeAll(this.fd, Buffer.from(`${JSON.stringify(h)}\n`));
  }

  /** Appends an event, giving it the next index; returns the event as written. */
  append(e: NewEvent): HistoryEvent {
    if (this.fd === undefined) throw new Error(`history ${this.path} is closed`);
    const ev = { index: this.next++, ...e } as HistoryEvent;
    writeAll(this.fd, Buffer.from(`${JSON.stringify(ev)}\n`));
    // fsync now and then bounds what a machine crash (not just a process crash) can lose.
    if (Date.now() - this.lastSync >= this.syncEveryMs) {
      fsyncSync(this.fd);
      this.lastSync = Date.now();
    }
    return ev;
  }

  get count(): number {
    return this.next;
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

// The run's recorder: every event goes to history.jsonl the moment it happens (HistoryWriter writes each line
// synchronously), with nanoseconds from a monotonic clock since the run started. Counters feed the progress line.
import { isClientEvent, type HistoryEvent } from '../history/op.js';
import type { HistoryWriter, NewEvent } from '../history/writer.js';

export class Recorder {
  private readonly t0 = process.hrtime.bigint();
  readonly counts = { ok: 0, fail: 0, info: 0, invoked: 0 };

  constructor(private readonly writer: HistoryWriter) {}

  /** Nanoseconds since the recorder started. */
  now(): number {
    return Number(process.hrtime.bigint() - this.t0);
  }

  record(e: NewEvent): HistoryEvent {
    const ev = this.writer.append({ ...e, time: e.time ?? this.now() });
    if (isClientEvent(ev)) {
      if (ev.type === 'invoke') this.counts.invoked++;
      else this.counts[ev.type]++;
    }
    return ev;
  }

  close(): void {
    this.writer.close();
  }
}

// Invoke/completion pairing, Jepsen's rules: a process has at most one operation outstanding; its next
// ok/fail/info event completes it. An operation still pending at the end of the history is treated as info.
import { HistoryError, type HistoryEvent, type PairedOp } from './op.js';

/**
 * Readers attach the source line of each event without making it part of the event's data: under a symbol, which
 * JSON, Object.keys and deep equality leave out (a WeakMap did the same at several times the cost per event, a
 * cost that shows at millions of events).
 */
const LINE = Symbol('line');

export function setLine(e: HistoryEvent, line: number): HistoryEvent {
  (e as unknown as Record<symbol, number>)[LINE] = line;
  return e;
}

export function getLine(e: HistoryEvent): number | undefined {
  return (e as unknown as Record<symbol, number | undefined>)[LINE];
}

function where(e: HistoryEvent, pos: number): string {
  const line = getLine(e);
  return line !== undefined ? `line ${line}` : `event ${pos}`;
}

export interface PairOptions {
  /** File name for error messages. */
  file?: string;
}

/**
 * Pairs client events (nemesis events must be filtered out first). Times are positions in `events`, so the
 * result keeps the real-time order the history recorded. Throws HistoryError on a completion without an
 * invocation or on a second invocation by a process that still has one pending.
 */
export function pairEvents(events: readonly HistoryEvent[], opts: PairOptions = {}): PairedOp[] {
  const pending = new Map<unknown, { op: PairedOp; pos: number }>();
  const out: PairedOp[] = [];
  events.forEach((e, pos) => {
    if (typeof e.process !== 'number') {
      throw new HistoryError(
        `${where(e, pos)}: process must be an integer or "nemesis", got ${JSON.stringify(e.process)}`,
        opts.file,
        getLine(e),
      );
    }
    if (e.type === 'invoke') {
      const prior = pending.get(e.process);
      if (prior) {
        throw new HistoryError(
          `${where(e, pos)}: process ${e.process} invokes ${e.f} ` +
            `while its ${prior.op.f} (${where(events[prior.pos], prior.pos)}) is still pending`,
          opts.file,
          getLine(e),
        );
      }
      const op: PairedOp = {
        process: e.process,
        f: e.f,
        key: e.key,
        invokeValue: e.value,
        completeValue: undefined,
        type: 'info',
        invokeIndex: pos,
        completeIndex: Infinity,
        invokeTime: e.time,
      };
      pending.set(e.process, { op, pos });
      out.push(op);
      return;
    }
    const p = pending.get(e.process);
    if (!p) {
      throw new HistoryError(
        `${where(e, pos)}: ${e.type} ${e.f} by process ${e.process} has no matching invoke`,
        opts.file,
        getLine(e),
      );
    }
    if (p.op.f !== e.f) {
      throw new HistoryError(
        `${where(e, pos)}: process ${e.process} completes ${e.f} but invoked ${p.op.f}`,
        opts.file,
        getLine(e),
      );
    }
    pending.delete(e.process);
    p.op.type = e.type;
    p.op.completeValue = e.value;
    p.op.completeTime = e.time;
    if (e.error !== undefined) p.op.error = e.error;
    // An info completion leaves the operation open-ended: it may take effect at any later time, or never.
    p.op.completeIndex = e.type === 'info' ? Infinity : pos;
  });
  return out;
}

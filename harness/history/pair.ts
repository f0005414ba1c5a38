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
  // Pending operations by process: an array for the small non-negative process numbers histories use (a Map's
  // set and delete per operation cost more than the rest of pairing), a Map for any other integer.
  const byIndex: (PairedOp | undefined)[] = [];
  const byMap = new Map<number, PairedOp>();
  const small = (process: number): boolean => process >= 0 && process < 1 << 16;
  const pendingOf = (process: number): PairedOp | undefined => (small(process) ? byIndex[process] : byMap.get(process));
  const out: PairedOp[] = [];
  for (let pos = 0; pos < events.length; pos++) {
    const e = events[pos];
    if (typeof e.process !== 'number') {
      throw new HistoryError(
        `${where(e, pos)}: process must be an integer or "nemesis", got ${JSON.stringify(e.process)}`,
        opts.file,
        getLine(e),
      );
    }
    const prior = pendingOf(e.process);
    if (e.type === 'invoke') {
      if (prior) {
        const at = prior.invokeIndex;
        throw new HistoryError(
          `${where(e, pos)}: process ${e.process} invokes ${e.f} ` +
            `while its ${prior.f} (${where(events[at], at)}) is still pending`,
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
      if (small(e.process)) byIndex[e.process] = op;
      else byMap.set(e.process, op);
      out.push(op);
      continue;
    }
    if (!prior) {
      throw new HistoryError(
        `${where(e, pos)}: ${e.type} ${e.f} by process ${e.process} has no matching invoke`,
        opts.file,
        getLine(e),
      );
    }
    if (prior.f !== e.f) {
      throw new HistoryError(
        `${where(e, pos)}: process ${e.process} completes ${e.f} but invoked ${prior.f}`,
        opts.file,
        getLine(e),
      );
    }
    if (small(e.process)) byIndex[e.process] = undefined;
    else byMap.delete(e.process);
    prior.type = e.type;
    prior.completeValue = e.value;
    prior.completeTime = e.time;
    if (e.error !== undefined) prior.error = e.error;
    // An info completion leaves the operation open-ended: it may take effect at any later time, or never.
    prior.completeIndex = e.type === 'info' ? Infinity : pos;
  }
  return out;
}

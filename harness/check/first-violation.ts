// When a run first went wrong, from its history and its checkers' verdicts: the earliest completion among the
// operations the checkers name (Porcupine's offending operations of every illegal key; the events a workload
// checker cites in its details' `events`, positions in the whole history), in seconds since the load's first
// operation. The planted-bug benchmark reports it as the time to first violation.
import type { Results } from '../checker/results.js';
import { clientEvents, type HistoryEvent } from '../history/op.js';

export function firstViolationS(events: readonly HistoryEvent[], results: Results): number | undefined {
  const client = clientEvents(events);
  const t0 = client[0]?.time;
  if (t0 === undefined) return undefined;
  const times: number[] = [];
  for (const c of results.checkers) {
    if (c.valid !== false) continue;
    for (const p of c.linearizability?.partitions ?? []) {
      if (p.verdict !== 'illegal') continue;
      for (const i of p.offending ?? []) {
        const op = p.ops[i];
        if (!op) continue;
        // ret and ref are positions among the client events: the completion when there was one, else the invoke.
        const e = Number.isFinite(op.ret) ? client[op.ret] : op.ref !== undefined ? client[op.ref] : undefined;
        if (e?.time !== undefined) times.push(e.time);
      }
    }
    const cited = (c.details as { events?: unknown } | undefined)?.events;
    for (const i of Array.isArray(cited) ? cited : []) {
      const t = typeof i === 'number' ? events[i]?.time : undefined;
      if (t !== undefined) times.push(t);
    }
  }
  if (times.length === 0) return undefined;
  return (Math.min(...times) - t0) / 1e9;
}

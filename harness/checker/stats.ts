// Operation counts per function and outcome (Jepsen's stats checker reads these): what the report's table and
// the "nothing ever succeeded" rule use.
import { isClientEvent, type HistoryEvent } from '../history/op.js';

export interface OpStats {
  /** f → { ok, fail, info } */
  byF: Record<string, { ok: number; fail: number; info: number }>;
  total: { ok: number; fail: number; info: number };
}

export function opStats(events: readonly HistoryEvent[]): OpStats {
  const byF: OpStats['byF'] = {};
  const total = { ok: 0, fail: 0, info: 0 };
  const open = new Map<unknown, string>();
  const countsOf = (f: string): OpStats['byF'][string] => {
    byF[f] ??= { ok: 0, fail: 0, info: 0 };
    return byF[f];
  };
  for (const e of events) {
    if (!isClientEvent(e)) continue;
    if (e.type === 'invoke') {
      open.set(e.process, e.f);
      continue;
    }
    open.delete(e.process);
    countsOf(e.f)[e.type]++;
    total[e.type]++;
  }
  // An invocation never completed (the harness stopped first) counts as info.
  for (const f of open.values()) {
    countsOf(f).info++;
    total.info++;
  }
  return { byF, total };
}

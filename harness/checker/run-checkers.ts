// The checkers of a run: linearizability with the workload's model (partitioned by key where the model does),
// and op statistics. Results merge as invalid beats unknown beats valid.
import type { HistoryEvent } from '../history/op.js';
import { getModel } from './models/registry.js';
import { checkOperations } from './porcupine/index.js';
import type { CheckResult } from './porcupine/types.js';
import { mergeValidity, type CheckerOutcome, type Results, type Validity } from './results.js';

export interface OpStats {
  /** f → { ok, fail, info } */
  byF: Record<string, { ok: number; fail: number; info: number }>;
  total: { ok: number; fail: number; info: number };
}

export function opStats(events: readonly HistoryEvent[]): OpStats {
  const byF: OpStats['byF'] = {};
  const total = { ok: 0, fail: 0, info: 0 };
  const open = new Map<unknown, string>();
  for (const e of events) {
    if (e.process === 'nemesis') continue;
    if (e.type === 'invoke') { open.set(e.process, e.f); continue; }
    open.delete(e.process);
    const s = (byF[e.f] ??= { ok: 0, fail: 0, info: 0 });
    s[e.type]++;
    total[e.type]++;
  }
  // An invocation never completed (the harness stopped first) counts as info.
  for (const f of open.values()) {
    (byF[f] ??= { ok: 0, fail: 0, info: 0 }).info++;
    total.info++;
  }
  return { byF, total };
}

/** Keeps what the report needs: every non-ok partition in full, ok partitions as counts only. */
function slim(r: CheckResult): CheckResult {
  return { ...r, partitions: r.partitions.map((p) => (p.verdict === 'ok' ? { verdict: p.verdict, ops: [], steps: p.steps, ms: p.ms, method: p.method, opCount: p.ops.length } as never : p)) };
}

export function checkRun(events: readonly HistoryEvent[], modelName: string | undefined, timeoutMs: number, extra?: (events: readonly HistoryEvent[]) => CheckerOutcome[]): Results {
  const client = events.filter((e) => e.process !== 'nemesis');
  const checkers: CheckerOutcome[] = [];
  const t0 = performance.now();
  if (modelName) try {
    const { model, toOperations } = getModel(modelName).create({});
    const ops = toOperations(client);
    const r = checkOperations(model, ops, { timeoutMs, computeInfo: true });
    const valid: Validity = r.verdict === 'ok' ? true : r.verdict === 'illegal' ? false : 'unknown';
    checkers.push({ checker: 'linearizable', valid, model: modelName, ops: ops.length, ms: r.ms, partitions: r.partitions.length, linearizability: slim(r) });
  } catch (e) {
    checkers.push({ checker: 'linearizable', valid: 'unknown', model: modelName, ops: 0, ms: performance.now() - t0, error: (e as Error).message });
  }
  if (extra) {
    try {
      checkers.push(...extra(events));
    } catch (e) {
      checkers.push({ checker: 'workload', valid: 'unknown', ops: 0, ms: 0, error: (e as Error).message });
    }
  }
  const stats = opStats(events);
  // Jepsen's stats checker: a run where nothing ever succeeded tells us nothing.
  checkers.push({ checker: 'stats', valid: stats.total.ok > 0 ? true : 'unknown', ops: stats.total.ok + stats.total.fail + stats.total.info, ms: 0, details: stats });
  return { valid: mergeValidity(checkers.map((c) => c.valid)), checkers };
}

// The fenced-counter checker (Kleppmann, "How to do distributed locking"): with fencing, a lock whose lease
// lapsed may be granted twice, but the data must not notice. Checks, from the history alone:
//   - tokens are unique per lock: two different grants never share a token;
//   - tokens increase in real-time order: a grant that completed before another was requested has a lower token;
//   - no lost update: two successful writes of the counter never carry the same value (both writers read the
//     same value, so one increment was lost); the final value is consistent with the successful increments.
import { isClientEvent, type HistoryEvent } from '../history/op.js';
import type { CheckerOutcome } from './results.js';

interface Grant {
  process: unknown;
  token: number;
  invoke: number;
  complete: number;
}

export function checkFencedCounter(events: readonly HistoryEvent[], lock: string, counter: string): CheckerOutcome {
  const t0 = performance.now();
  const open = new Map<unknown, { e: HistoryEvent; i: number }>();
  const grants: Grant[] = [];
  const writes: { process: unknown; value: unknown; index: number; token?: unknown }[] = [];
  let infoWrites = 0;
  events.forEach((e, i) => {
    if (!isClientEvent(e)) return;
    if (e.type === 'invoke') {
      open.set(e.process, { e, i });
      return;
    }
    const inv = open.get(e.process);
    open.delete(e.process);
    if (!inv) return;
    if (e.f === 'acquire' && e.key === lock && e.type === 'ok' && typeof e.value === 'number') {
      grants.push({ process: e.process, token: e.value, invoke: inv.i, complete: i });
    }
    if (e.f === 'write' && e.key === counter) {
      if (e.type === 'ok') writes.push({ process: e.process, value: inv.e.value, index: i, token: inv.e.token });
      if (e.type === 'info') infoWrites++;
    }
  });
  const problems: string[] = [];
  // Unique tokens: the same token may come back to the same process (an idempotent retry), never to another.
  const byToken = new Map<number, Grant>();
  for (const g of grants) {
    const prior = byToken.get(g.token);
    if (prior && prior.process !== g.process)
      problems.push(`token ${g.token} granted to process ${String(prior.process)} and to process ${String(g.process)}`);
    else if (!prior) byToken.set(g.token, g);
  }
  // Real-time order: sweep grants by request time, keeping the highest token among grants completed earlier.
  const byComplete = [...grants].sort((a, b) => a.complete - b.complete);
  const byInvoke = [...grants].sort((a, b) => a.invoke - b.invoke);
  let k = 0;
  let maxDone: Grant | undefined;
  for (const g of byInvoke) {
    while (k < byComplete.length && byComplete[k].complete < g.invoke) {
      if (!maxDone || byComplete[k].token > maxDone.token) maxDone = byComplete[k];
      k++;
    }
    if (maxDone && maxDone.process !== g.process && g.token <= maxDone.token) {
      problems.push(
        `token ${g.token} (process ${String(g.process)}) ` +
          `was granted after token ${maxDone.token} (process ${String(maxDone.process)}) had been granted`,
      );
    }
  }
  // Lost updates: equal values among successful writes.
  const seen = new Map<string, { process: unknown; index: number }>();
  // Positions of the events the problems cite, for whoever wants the moment it went wrong (first-violation.ts).
  const cited: number[] = [];
  for (const w of writes) {
    const key = JSON.stringify(w.value);
    const prior = seen.get(key);
    if (prior) {
      problems.push(
        `lost update: processes ${String(prior.process)} and ${String(w.process)} ` +
          `both wrote ${key} (event ${prior.index} and ${w.index})`,
      );
      cited.push(prior.index, w.index);
    } else seen.set(key, { process: w.process, index: w.index });
  }
  const values = writes.map((w) => w.value).filter((v): v is number => typeof v === 'number');
  const max = values.length > 0 ? Math.max(...values) : 0;
  if (max > writes.length + infoWrites)
    problems.push(
      `the counter reached ${max} with only ${writes.length} successful and ${infoWrites} indeterminate increments`,
    );
  return {
    checker: 'fenced-counter',
    valid: problems.length === 0,
    ops: grants.length + writes.length,
    ms: performance.now() - t0,
    details: {
      grants: grants.length,
      okWrites: writes.length,
      infoWrites,
      finalMax: max,
      problems: problems.slice(0, 50),
      problemCount: problems.length,
      events: cited.slice(0, 100),
    },
  };
}

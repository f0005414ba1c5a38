import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks } from '../../../harness/check/pipeline.js';
import type { HistoryEvent } from '../../../harness/history/op.js';
import { firstViolationS } from '../../../harness/check/first-violation.js';

const s = 1e9;
/** Linearizability with one register per key, then stats: what a kv run is checked with. */
const KV = { model: 'kv-register', checkers: ['linearizable', 'stats'], timeoutMs: 10_000 };
let index = 0;
const ev = (o: Partial<HistoryEvent> & Pick<HistoryEvent, 'type' | 'process' | 'f'>): HistoryEvent =>
  ({ index: index++, ...o }) as HistoryEvent;

test('the earliest completion among the operations the checker names, from the first client operation', () => {
  index = 0;
  const events: HistoryEvent[] = [
    ev({ type: 'invoke', process: 'nemesis', f: 'start-partition', time: 1 * s }),
    ev({ type: 'invoke', process: 0, f: 'write', key: 'a', value: 1, time: 2 * s }),
    ev({ type: 'ok', process: 0, f: 'write', key: 'a', value: 1, time: 2.5 * s }),
    ev({ type: 'invoke', process: 1, f: 'read', key: 'b', value: null, time: 3 * s }),
    ev({ type: 'ok', process: 1, f: 'read', key: 'b', value: null, time: 3.2 * s }),
    // A stale read of key a, observed at 9 s: 7 s after the load's first operation.
    ev({ type: 'invoke', process: 1, f: 'read', key: 'a', value: null, time: 8 * s }),
    ev({ type: 'ok', process: 1, f: 'read', key: 'a', value: 0, time: 9 * s }),
  ];
  const r = runChecks(events, KV);
  assert.is(r.valid, false);
  const t = firstViolationS(events, r);
  assert.ok(t !== undefined && Math.abs(t - 7) < 1e-9, `got ${t}`);
});

test('a valid run has no violation; a workload checker citing events is read too', () => {
  index = 0;
  const events: HistoryEvent[] = [
    ev({ type: 'invoke', process: 0, f: 'write', key: 'a', value: 1, time: 1 * s }),
    ev({ type: 'ok', process: 0, f: 'write', key: 'a', value: 1, time: 2 * s }),
    ev({ type: 'invoke', process: 1, f: 'write', key: 'c', value: 1, time: 3 * s }),
    ev({ type: 'ok', process: 1, f: 'write', key: 'c', value: 1, time: 4.5 * s }),
  ];
  const r = runChecks(events, KV);
  assert.is(firstViolationS(events, r), undefined);
  const cited = {
    valid: false as const,
    checkers: [
      {
        checker: 'fenced-counter',
        valid: false as const,
        ops: 2,
        ms: 0,
        details: { problems: ['lost update: processes 0 and 1 both wrote c (event 3 and 1)'], events: [3, 1] },
      },
    ],
  };
  assert.is(firstViolationS(events, cited), 1);
  assert.is(firstViolationS([], cited), undefined);
});

test.run();

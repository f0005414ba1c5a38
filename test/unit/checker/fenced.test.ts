import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkFencedCounter } from '../../../harness/checker/fenced.js';
import type { HistoryEvent } from '../../../harness/history/op.js';

type E = Omit<HistoryEvent, 'index'>;
const h = (list: E[]): HistoryEvent[] => list.map((e, index) => ({ index, ...e }) as HistoryEvent);
const cycle = (p: number, token: number, read: number): E[] => [
  { type: 'invoke', process: p, f: 'acquire', key: 'L' },
  { type: 'ok', process: p, f: 'acquire', key: 'L', value: token },
  { type: 'invoke', process: p, f: 'read', key: 'C', value: { token } },
  { type: 'ok', process: p, f: 'read', key: 'C', value: read },
  { type: 'invoke', process: p, f: 'write', key: 'C', value: read + 1, token },
  { type: 'ok', process: p, f: 'write', key: 'C', value: read + 1 },
  { type: 'invoke', process: p, f: 'release', key: 'L' },
  { type: 'ok', process: p, f: 'release', key: 'L', value: token },
];

test('sequential holders with increasing tokens and increments: valid', () => {
  const r = checkFencedCounter(h([...cycle(0, 5, 0), ...cycle(1, 9, 1), ...cycle(0, 12, 2)]), 'L', 'C');
  assert.is(r.valid, true, JSON.stringify(r.details));
});

test('two holders writing the same value: a lost update', () => {
  const r = checkFencedCounter(h([...cycle(0, 5, 0), ...cycle(1, 9, 0)]), 'L', 'C');
  assert.is(r.valid, false);
  assert.match(JSON.stringify(r.details), /lost update/);
});

test('a token reused by another process, and a token lower than an earlier grant, are violations', () => {
  const reused = checkFencedCounter(h([...cycle(0, 5, 0), ...cycle(1, 5, 1)]), 'L', 'C');
  assert.match(JSON.stringify(reused.details), /token 5 granted to process 0 and to process 1/);
  const backwards = checkFencedCounter(h([...cycle(0, 9, 0), ...cycle(1, 5, 1)]), 'L', 'C');
  assert.match(JSON.stringify(backwards.details), /token 5 .* was granted after token 9/);
});

test('a fenced-out write (fail) is not an update', () => {
  const stale: E[] = [
    { type: 'invoke', process: 0, f: 'acquire', key: 'L' },
    { type: 'ok', process: 0, f: 'acquire', key: 'L', value: 5 },
    { type: 'invoke', process: 0, f: 'read', key: 'C' },
    { type: 'ok', process: 0, f: 'read', key: 'C', value: 0 },
    ...cycle(1, 9, 0),
    { type: 'invoke', process: 0, f: 'write', key: 'C', value: 1, token: 5 },
    { type: 'fail', process: 0, f: 'write', key: 'C', value: 1, error: 'fenced' },
  ];
  assert.is(checkFencedCounter(h(stale), 'L', 'C').valid, true);
});

test.run();

// The transactional shrinker (harness/shrink/txn-shrink.ts): whole transactions removed while the first anomaly
// type stays, down to the anomaly's own transactions; a history with nothing wrong is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTxn } from '../../../harness/checker/txn/check.js';
import { NotInvalidError } from '../../../harness/shrink/shrink.js';
import { shrinkTxnHistory } from '../../../harness/shrink/txn-shrink.js';
import { eventsOf, noise, paperExample, readEachOther, txn } from '../../helpers/txn-history.js';

/** The ok transactions' micro-ops, as JSON, for comparing what was kept. */
const oks = (events: { type: string; value?: unknown }[]): string[] =>
  events.filter((e) => e.type === 'ok').map((e) => JSON.stringify(e.value));

test('a paper-example G-single among 40 noise transactions shrinks to the 3 transactions of its cycle', () => {
  const paper = paperExample();
  const events = eventsOf([...noise('list-append', 2, 20, 'a'), ...paper, ...noise('list-append', 2, 20, 'b')]);
  for (const seed of [true, false]) {
    const r = shrinkTxnHistory(events, 'list-append', {}, { seed });
    assert.is(r.anomaly, 'G-single-item');
    assert.is(r.before.txns, 44);
    assert.is(r.after.txns, 3, `seed ${seed}`);
    assert.is(r.events.length, 6);
    assert.is(r.stoppedBy, undefined);
    // Exactly the cycle's members: the paper's last three transactions, in their order, re-indexed from 0.
    assert.equal(oks(r.events), oks(eventsOf(paper)).slice(1));
    assert.equal(
      r.events.map((e) => e.index),
      [0, 1, 2, 3, 4, 5],
    );
    assert.equal(r.result.anomalyTypes, ['G-single-item']);
    assert.is(r.result.anomalies['G-single-item'].length, 1);
  }
});

test('G1c (two transactions that read each other) among noise shrinks to those two', () => {
  const cycle = readEachOther('list-append');
  const events = eventsOf([...noise('list-append', 2, 15, 'a'), ...cycle, ...noise('list-append', 2, 15, 'b')]);
  for (const seed of [true, false]) {
    const r = shrinkTxnHistory(events, 'list-append', {}, { seed });
    assert.is(r.anomaly, 'G1c');
    assert.is(r.after.txns, 2, `seed ${seed}`);
    assert.equal(oks(r.events), oks(eventsOf(cycle)));
  }
});

test("G0 keeps the read that orders the appends: the cycle's two writers and their reader, 3 of 33", () => {
  // Elle's g0 case: T1 and T2 append to x and y; a read shows x as [1 2] and y as [2 1].
  const g0 = [
    ...txn(0, [
      ['append', 'x', 1],
      ['append', 'y', 1],
    ]),
    ...txn(0, [
      ['append', 'x', 2],
      ['append', 'y', 2],
    ]),
    ...txn(0, [
      ['r', 'x', [1, 2]],
      ['r', 'y', [2, 1]],
    ]),
  ];
  const events = eventsOf([...noise('list-append', 2, 15, 'a'), ...g0, ...noise('list-append', 2, 15, 'b')]);
  // The cycle alone (without its reader) shows no G0, so the seed does not help and ddmin does the work.
  const r = shrinkTxnHistory(events, 'list-append', { consistencyModels: ['read-uncommitted'] });
  assert.is(r.anomaly, 'G0');
  assert.is(r.before.txns, 33);
  assert.is(r.after.txns, 3);
  assert.equal(oks(r.events), oks(eventsOf(g0)));
});

test('rw-register: a G1c of two writers reading each other shrinks to those two', () => {
  const cycle = readEachOther('rw-register');
  const events = eventsOf([...noise('rw-register', 2, 12, 'a'), ...cycle, ...noise('rw-register', 2, 12, 'b')]);
  const r = shrinkTxnHistory(events, 'rw-register', {}, { seed: false });
  assert.is(r.anomaly, 'G1c');
  assert.is(r.after.txns, 2);
  assert.equal(oks(r.events), oks(eventsOf(cycle)));
});

test('the same options decide: a G-single allowed by read-committed is not shrunk for it', () => {
  const events = eventsOf([...noise('list-append', 2, 6, 'a'), ...paperExample()]);
  assert.throws(
    () => shrinkTxnHistory(events, 'list-append', { consistencyModels: ['read-committed'] }),
    (e: Error) =>
      e instanceof NotInvalidError &&
      e.message === 'the history is valid as list-append; only an invalid history can be shrunk',
  );
});

test('a history with nothing wrong is refused with a one-line message', () => {
  const events = eventsOf(noise('list-append', 2, 10, 'a'));
  assert.is(checkTxn(events, 'list-append').valid, true);
  assert.throws(
    () => shrinkTxnHistory(events, 'list-append', {}),
    (e: Error) => e instanceof NotInvalidError && !e.message.includes('\n') && /is valid/.test(e.message),
  );
});

test('a budget of checks stops early with the smallest history so far, still showing the anomaly, and says so', () => {
  const events = eventsOf([...noise('list-append', 2, 30, 'a'), ...paperExample()]);
  const r = shrinkTxnHistory(events, 'list-append', {}, { seed: false, maxChecks: 4 });
  assert.is(r.stoppedBy, 'checks');
  assert.ok(r.checks <= 5, String(r.checks)); // the budget, plus the check of what is returned
  assert.ok(r.after.txns < r.before.txns && r.after.txns > 3, String(r.after.txns));
  assert.ok(r.result.anomalyTypes.includes('G-single-item'));
  const timed = shrinkTxnHistory(events, 'list-append', {}, { seed: false, budgetMs: 0 });
  assert.is(timed.stoppedBy, 'time');
  assert.is(timed.after.txns, timed.before.txns);
});

test.run();

// The lost-append check (harness/checker/txn/lost-append.ts): an acknowledged append missing from a committed
// read begun after it. Each history below is built op by op in real-time order; `txn` adds an invoke and its
// completion, `open`/`close` split them so that transactions overlap.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTxn } from '../../../harness/checker/txn/check.js';
import { indexTxns } from '../../../harness/checker/txn/history-index.js';
import { lostAppends } from '../../../harness/checker/txn/lost-append.js';
import type { HistoryEvent } from '../../../harness/history/op.js';

type Mop = [string, unknown, unknown];

class H {
  readonly events: HistoryEvent[] = [];
  private i = 0;
  open(process: number, value: Mop[]): void {
    const v = value.map((m) => [m[0], m[1], m[0] === 'r' ? null : m[2]]);
    this.events.push({ index: this.i++, type: 'invoke', process, f: 'txn', value: v, time: this.i });
  }
  close(process: number, type: 'ok' | 'fail' | 'info', value: Mop[]): void {
    this.events.push({ index: this.i++, type, process, f: 'txn', value, time: this.i });
  }
  txn(process: number, value: Mop[], type: 'ok' | 'fail' | 'info' = 'ok'): void {
    this.open(process, value);
    this.close(process, type, value);
  }
}

const lost = (h: H) => lostAppends(indexTxns(h.events));

test('an acknowledged append no read ever shows is lost: named, with the read that missed it', () => {
  const h = new H();
  h.txn(0, [['append', 'x', 1]]);
  h.txn(1, [['append', 'x', 2]]); // acknowledged, then lost
  h.txn(0, [['r', 'x', [1]]]);
  const cs = lost(h);
  assert.is(cs.length, 1);
  assert.is(cs[0].type, 'lost-append');
  assert.equal(cs[0].ops, [3, 5]);
  assert.equal(cs[0].data, { element: 2, read: [1], neverRead: true });
  assert.match(cs[0].text, /op 3 appended 2 to key "x" and was acknowledged before op 5 began/);
  assert.match(cs[0].text, /no read ever showed 2/);
});

test('a stale read misses an append others saw: reported once, at the first read that missed it', () => {
  const h = new H();
  h.txn(0, [['append', 'x', 1]]);
  h.txn(0, [['append', 'x', 2]]);
  h.txn(1, [['r', 'x', [1]]]); // began after 2 was acknowledged: stale
  h.txn(2, [['r', 'x', [1]]]); // misses it again: not a second case
  h.txn(1, [['r', 'x', [1, 2]]]);
  const cs = lost(h);
  assert.is(cs.length, 1);
  assert.equal(cs[0].ops, [3, 5]);
  assert.is((cs[0].data as { neverRead: boolean }).neverRead, false);
  assert.match(cs[0].text, /a stale read/);
});

test('a read concurrent with the append, failed and unknown appends, and uncommitted reads are no loss', () => {
  const h = new H();
  h.open(0, [['append', 'x', 1]]);
  h.txn(1, [['r', 'x', []]]); // began before the append was acknowledged
  h.close(0, 'ok', [['append', 'x', 1]]);
  h.txn(2, [['append', 'x', 2]], 'fail');
  h.txn(3, [['append', 'x', 3]], 'info');
  h.txn(4, [['r', 'x', null]], 'info'); // an unknown read witnesses nothing
  h.txn(5, [['r', 'x', [1]]]);
  assert.equal(lost(h), []);
});

test('a read of nil misses every append acknowledged before it', () => {
  const h = new H();
  h.txn(0, [['append', 'y', 7]]);
  h.txn(1, [['r', 'y', null]]);
  const cs = lost(h);
  assert.is(cs.length, 1);
  assert.equal(cs[0].data, { element: 7, read: null, neverRead: true });
  assert.match(cs[0].text, /read key "y" as nil/);
});

test('a read that is not a prefix of the longest is tested element by element', () => {
  const h = new H();
  h.txn(0, [['append', 'z', 1]]);
  h.txn(0, [['append', 'z', 2]]);
  h.txn(1, [['r', 'z', [1, 2]]]);
  h.txn(2, [['r', 'z', [2]]]); // not a prefix (incompatible order): it shows 2 but misses 1
  const cs = lost(h);
  assert.is(cs.length, 1);
  assert.equal((cs[0].data as { element: unknown }).element, 1);
  assert.equal(cs[0].ops, [1, 7]);
});

test('keys are independent, and every lost element of a key is reported', () => {
  const h = new H();
  h.txn(0, [
    ['append', 'a', 1],
    ['append', 'b', 1],
  ]);
  h.txn(0, [['append', 'a', 2]]);
  h.txn(1, [
    ['r', 'a', []],
    ['r', 'b', [1]],
  ]);
  const cs = lost(h);
  assert.equal(cs.map((c) => [c.key, (c.data as { element: unknown }).element]).sort(), [
    ['a', 1],
    ['a', 2],
  ]);
});

test('the checker reports it when asked, under strict serializability, and rules out strong SI and stronger', () => {
  const h = new H();
  h.txn(0, [['append', 'x', 1]]);
  h.txn(1, [['append', 'x', 2]]);
  h.txn(2, [['r', 'x', [1]]]);
  const asked = checkTxn(h.events, 'list-append', { lostAppends: true });
  assert.is(asked.valid, false);
  assert.ok(asked.anomalyTypes.includes('lost-append'), asked.anomalyTypes.join(' '));
  assert.is(asked.counts['lost-append'], 1);
  assert.equal(asked.not, ['strong-snapshot-isolation']);
  assert.equal(asked.alsoNot, ['strong-serializable'], "Elle's friendly name for strict serializability");
  // Elle's own analysis finds the same real-time cycle here (the unread append follows the last element read):
  assert.ok(asked.anomalyTypes.includes('G-single-item-realtime'), asked.anomalyTypes.join(' '));
  // Off by default (Elle has no such check), and never a reason to reject a merely serializable history.
  assert.not.ok(checkTxn(h.events, 'list-append').found.includes('lost-append'));
  const ser = checkTxn(h.events, 'list-append', { lostAppends: true, consistencyModels: ['serializable'] });
  assert.is(ser.valid, true);
  assert.ok(ser.found.includes('lost-append'));
});

test('with the realtime search out of budget, the lost append is still named', () => {
  const h = new H();
  h.txn(0, [['append', 'x', 1]]);
  h.txn(1, [['append', 'x', 2]]);
  h.txn(2, [['r', 'x', [1]]]);
  const r = checkTxn(h.events, 'list-append', { lostAppends: true, cycleSearchSteps: 0 });
  assert.is(r.valid, false);
  assert.ok(r.anomalyTypes.includes('lost-append'));
});

test.run();

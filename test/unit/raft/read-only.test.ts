// ReadIndex bookkeeping (system/raft/read-only.ts; diss. §6.4): reads wait for a heartbeat round that a quorum
// answers, one round confirms every read registered before it, and reads come out in the order they went in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvariantError } from '../../../system/raft/invariant.js';
import { ReadOnly } from '../../../system/raft/read-only.js';

test('diss. §6.4 step 3: a round confirms the read it carries and every earlier one, oldest first', () => {
  const ro = new ReadOnly();
  ro.add('a', 5, 'n1');
  ro.add('b', 5, 'n1');
  ro.add('c', 7, 'n1');
  assert.ok(ro.takeRoundDue(), 'registering a read owes a round');
  assert.not.ok(ro.roundOwed());
  assert.is(ro.lastCtx(), 'c', 'the round carries the newest context');
  assert.equal([...(ro.recvAck('n2', 'b') ?? [])].sort(), ['n1', 'n2'], 'this server counts itself');
  assert.equal(ro.advance('b'), [
    { index: 5, ctx: 'a' },
    { index: 5, ctx: 'b' },
  ]);
  assert.is(ro.lastCtx(), 'c');
  assert.is(ro.recvAck('n2', 'a'), undefined, 'a released read takes no more answers');
  assert.equal(ro.advance('a'), []);
});

test('diss. §6.4 step 1: reads made before the leader committed in its term wait, then come out in order', () => {
  const ro = new ReadOnly();
  ro.defer('x');
  ro.defer('y');
  assert.ok(ro.hasDeferred());
  assert.not.ok(ro.idle());
  assert.equal(ro.takeDeferred(), ['x', 'y']);
  assert.ok(ro.idle());
});

test('a lost leadership drops every read it was confirming', () => {
  const ro = new ReadOnly();
  ro.add('a', 1, 'n1');
  ro.defer('b');
  ro.reset();
  assert.ok(ro.idle());
  assert.is(ro.lastCtx(), undefined);
  assert.is(ro.recvAck('n2', 'a'), undefined);
});

test('reads are registered in commit order: one registered below an earlier one fires', () => {
  const ro = new ReadOnly();
  ro.add('a', 6, 'n1');
  assert.throws(
    () => ro.add('b', 5, 'n1'),
    (e: Error) =>
      e instanceof InvariantError &&
      e.message ===
        'raft invariant broken: ReadIndex reads are registered in commit order (ctx b, index 5, previousIndex 6)',
  );
});

test.run();

// The transactional state machine of a shard (system/txn/machine.ts): the fast path, prepare with no-wait
// locks, resolve, the coordinator's record (first decision wins, no record means abort), tombstones, snapshots,
// and the two planted isolation bugs showing their anomaly on the machine itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ShardMachine, type ShardCommand } from '../../../system/shard/machine.js';
import { TxnMachine, type TxnCommand } from '../../../system/txn/machine.js';
import type { LogOp } from '../../../system/txn/ops.js';

const ops = (...o: [string, string, unknown][]): LogOp[] => o.map(([f, k, v], i) => [i, f, k, v] as LogOp);
const prepare = (id: string, o: LogOp[], parts?: number[]): TxnCommand =>
  parts ? { op: 'prepare', id, coord: 0, ops: o, parts } : { op: 'prepare', id, coord: 1, ops: o };

test('one: appends, writes and reads in the client order; a read sees the transaction’s own writes', () => {
  const m = new TxnMachine();
  const r = m.apply({
    op: 'one',
    id: 't1',
    ops: ops(
      ['r', 'x', null],
      ['append', 'x', 1],
      ['append', 'x', 2],
      ['r', 'x', null],
      ['w', 'y', 'a'],
      ['r', 'y', null],
    ),
  });
  assert.equal(r, {
    ok: true,
    txn: 'committed',
    reads: [
      [0, null],
      [3, [1, 2]],
      [5, 'a'],
    ],
  });
  assert.equal(m.read('x'), [1, 2]);
  assert.equal(m.read('y'), 'a');
  assert.is(m.lockCount(), 0);
});

test('a key keeps the type of its first write: append to a register or write to a list aborts, nothing changes', () => {
  const m = new TxnMachine();
  m.apply({ op: 'one', id: 't1', ops: ops(['append', 'l', 1], ['w', 'r', 5]) });
  const a = m.apply({ op: 'one', id: 't2', ops: ops(['append', 'l', 2], ['append', 'r', 1]) });
  assert.equal(
    [a.ok, !a.ok && a.error === 'aborted' && a.reason, !a.ok && 'key' in a && a.key],
    [false, 'wrong-type', 'r'],
  );
  assert.equal(m.read('l'), [1], 'the append before the bad op did not happen either');
  const b = m.apply({ op: 'one', id: 't3', ops: ops(['w', 'l', 3]) });
  assert.equal(!b.ok && b.error === 'aborted' && b.reason, 'wrong-type');
  const c = m.apply({ op: 'one', id: 't4', ops: ops(['w', 'n', 1], ['append', 'n', 2]) });
  assert.equal(
    !c.ok && c.error === 'aborted' && c.reason,
    'wrong-type',
    'the type set earlier in the same transaction',
  );
  assert.is(m.read('n'), null);
});

test('prepare takes locks without waiting: write-write and read-write conflicts vote no, read-read shares', () => {
  const m = new TxnMachine();
  assert.equal(m.apply(prepare('a', ops(['r', 'x', null], ['append', 'y', 1]))), {
    ok: true,
    txn: 'prepared',
    reads: [[0, null]],
  });
  const ww = m.apply(prepare('b', ops(['append', 'y', 2])));
  assert.equal(!ww.ok && ww.error === 'aborted' && [ww.reason, ww.key], ['conflict', 'y']);
  const rw = m.apply(prepare('c', ops(['w', 'x', 2])));
  assert.equal(!rw.ok && rw.error === 'aborted' && [rw.reason, rw.key], ['conflict', 'x'], 'x is read-locked by a');
  const wr = m.apply({ op: 'one', id: 'd', ops: ops(['r', 'y', null]) });
  assert.equal(!wr.ok && wr.error === 'aborted' && wr.reason, 'conflict', 'no read of an uncommitted write');
  assert.equal(m.apply(prepare('e', ops(['r', 'x', null]))).ok, true, 'two readers share x');
  assert.is(m.prepared().length, 2);
  // A repeated prepare (a retry) gets the same vote and changes nothing.
  assert.equal(m.apply(prepare('a', ops(['r', 'x', null], ['append', 'y', 1]))), {
    ok: true,
    txn: 'prepared',
    reads: [[0, null]],
  });
  assert.equal(m.read('y'), null, 'reads see the committed state while a is prepared');
});

test('resolve commit keeps the in-place writes, abort restores the before-images; both release every lock', () => {
  const m = new TxnMachine();
  m.apply({ op: 'one', id: 't0', ops: ops(['append', 'x', 0]) });
  m.apply(prepare('a', ops(['append', 'x', 1], ['w', 'z', 9])));
  m.apply(prepare('b', ops(['append', 'y', 7])));
  assert.equal(m.apply({ op: 'resolve', id: 'a', commit: false }), { ok: true, txn: 'resolved', commit: false });
  assert.equal(m.apply({ op: 'resolve', id: 'b', commit: true }), { ok: true, txn: 'resolved', commit: true });
  assert.equal([m.read('x'), m.read('z'), m.read('y')], [[0], null, [7]]);
  assert.is(m.lockCount(), 0);
  assert.is(m.prepared().length, 0);
  // Tombstones answer retries: a late prepare votes no, a repeated resolve is the same answer.
  const late = m.apply(prepare('a', ops(['append', 'x', 1])));
  assert.equal(!late.ok && late.error === 'aborted' && late.reason, 'resolved');
  assert.equal(m.apply({ op: 'resolve', id: 'b', commit: true }), { ok: true, txn: 'resolved', commit: true });
  // The opposite resolution of a resolved transaction is refused (it would break atomicity).
  assert.equal(m.apply({ op: 'resolve', id: 'b', commit: false }).ok, false);
  assert.equal(m.read('y'), [7]);
});

test('an abort that overtakes its prepare is remembered: the late prepare votes no and locks nothing', () => {
  const m = new TxnMachine();
  assert.equal(m.apply({ op: 'resolve', id: 'a', commit: false }), { ok: true, txn: 'resolved', commit: false });
  const late = m.apply(prepare('a', ops(['append', 'x', 1])));
  assert.equal(!late.ok && late.error === 'aborted' && late.reason, 'resolved');
  assert.is(m.lockCount(), 0);
  assert.equal(m.apply({ op: 'resolve', id: 'never', commit: true }).ok, false, 'commit of a never-prepared one');
});

test('the record: made by the coordinator group’s yes vote; the first decision wins; none means abort', () => {
  const m = new TxnMachine();
  assert.equal(m.apply({ op: 'decide', id: 'ghost', commit: true }), { ok: true, txn: 'decided', commit: false });
  m.apply(prepare('a', ops(['append', 'x', 1]), [3, 5]));
  assert.equal(m.record('a'), { parts: [3, 5], decision: null });
  assert.equal(m.apply({ op: 'forget', id: 'a' }).ok, false, 'an undecided record cannot be forgotten');
  // Recovery's abort reaches the log first; the coordinator's commit then gets the abort that won.
  assert.equal(m.apply({ op: 'decide', id: 'a', commit: false }), { ok: true, txn: 'decided', commit: false });
  assert.equal(m.apply({ op: 'decide', id: 'a', commit: true }), { ok: true, txn: 'decided', commit: false });
  assert.equal(m.read('x'), null, 'the own part was undone by the decision');
  assert.is(m.lockCount(), 0);
  assert.equal(m.apply({ op: 'forget', id: 'a' }), { ok: true, txn: 'forgotten' });
  assert.is(m.record('a'), undefined);
  // And the other order: commit first, a late recovery abort changes nothing.
  m.apply(prepare('b', ops(['append', 'x', 2]), [3]));
  assert.equal(m.apply({ op: 'decide', id: 'b', commit: true }).ok, true);
  assert.equal(m.apply({ op: 'decide', id: 'b', commit: false }), { ok: true, txn: 'decided', commit: true });
  assert.equal(m.read('x'), [2]);
});

test('an abort decided before the record arrives: the late record votes no and creates nothing', () => {
  const m = new TxnMachine();
  assert.equal(m.apply({ op: 'decide', id: 'late', commit: false }), { ok: true, txn: 'decided', commit: false });
  const r = m.apply(prepare('late', ops(['append', 'x', 1]), [2]));
  assert.equal(!r.ok && r.error === 'aborted' && r.reason, 'resolved');
  assert.is(m.record('late'), undefined);
  assert.equal(m.apply({ op: 'decide', id: 'late', commit: true }).ok && m.record('late'), undefined);
  assert.is(m.lockCount(), 0);
});

test('a coordinator group’s no vote creates no record', () => {
  const m = new TxnMachine();
  m.apply(prepare('a', ops(['append', 'x', 1])));
  const no = m.apply(prepare('b', ops(['append', 'x', 2]), [4]));
  assert.equal(no.ok, false);
  assert.is(m.record('b'), undefined);
});

test('snapshot and restore keep data, locks, prepared parts, records and tombstones', () => {
  const a = new TxnMachine();
  a.apply({ op: 'one', id: 't0', ops: ops(['append', 'x', 0], ['w', 'r', 'v']) });
  a.apply(prepare('p', ops(['append', 'x', 1], ['r', 'y', null])));
  a.apply(prepare('q', ops(['append', 'z', 1]), [2]));
  a.apply({ op: 'resolve', id: 'gone', commit: false });
  const b = new TxnMachine();
  b.restore(JSON.parse(JSON.stringify(a.snapshot())));
  assert.equal(b.snapshot(), a.snapshot());
  const conflict = b.apply(prepare('c', ops(['w', 'y', 1])));
  assert.equal(!conflict.ok && conflict.error === 'aborted' && conflict.reason, 'conflict', 'read lock survived');
  b.apply({ op: 'resolve', id: 'p', commit: false });
  assert.equal(b.read('x'), [0], 'the before-image survived');
  assert.equal(b.apply({ op: 'decide', id: 'q', commit: true }), { ok: true, txn: 'decided', commit: true });
  assert.equal(b.apply(prepare('gone', ops(['append', 'x', 1]))).ok, false, 'the tombstone survived');
});

test('through the shard machine: txn commands are validated and never throw; the snapshot carries them', () => {
  const m = new ShardMachine();
  const bad: unknown[] = [
    { kind: 'txn', op: 'one', id: 'x', ops: [] },
    { kind: 'txn', op: 'one', id: 'x', ops: [[0, 'append', 'k']] },
    { kind: 'txn', op: 'one', id: 'x', ops: [[0, 'r', 'k', 5]] },
    { kind: 'txn', op: 'prepare', id: 'x', coord: -1, ops: [[0, 'r', 'k', null]] },
    { kind: 'txn', op: 'decide', id: 'x', commit: 'yes' },
    { kind: 'txn', op: 'zap', id: 'x' },
    { kind: 'txn', op: 'forget' },
  ];
  for (const c of bad) assert.equal(m.apply(c as ShardCommand, 1).ok, false, JSON.stringify(c));
  m.apply({ kind: 'txn', op: 'one', id: 'a', ops: [[0, 'append', 'k', 1]] }, 2);
  m.apply({ kind: 'kv', op: 'write', key: 'k', value: 'kv' }, 3);
  const n = new ShardMachine();
  n.restore(m.snapshot());
  assert.equal([n.txn.read('k'), n.read('k')], [[1], 'kv'], 'two keyspaces: /txn and /kv never share a key');
});

// ---- planted bugs, on the machine ----

test('planted txn-read-uncommitted-lock: write skew (G2-item) commits where locking refuses it', () => {
  // T1: read x and y, write x; T2: read x and y, write y (Berenson et al. 1995, A5B). Serializable executions
  // let at most one of them see the other's key unchanged.
  const run = (bugs: boolean) => {
    const m = new TxnMachine({ readUncommitted: bugs });
    m.apply({ op: 'one', id: 't0', ops: ops(['w', 'x', 0], ['w', 'y', 0]) });
    const t1 = m.apply(prepare('t1', ops(['r', 'x', null], ['r', 'y', null], ['w', 'x', 1])));
    const t2 = m.apply(prepare('t2', ops(['r', 'x', null], ['r', 'y', null], ['w', 'y', 1])));
    return { t1, t2, m };
  };
  const ok = run(false);
  assert.equal(ok.t1.ok, true);
  assert.equal(!ok.t2.ok && ok.t2.error === 'aborted' && ok.t2.reason, 'conflict');
  const bad = run(true);
  assert.equal(bad.t1, {
    ok: true,
    txn: 'prepared',
    reads: [
      [0, 0],
      [1, 0],
    ],
  });
  assert.equal(
    bad.t2,
    {
      ok: true,
      txn: 'prepared',
      reads: [
        [0, 0],
        [1, 0],
      ],
    },
    'T2 read x past T1’s write lock',
  );
  bad.m.apply({ op: 'resolve', id: 't1', commit: true });
  bad.m.apply({ op: 'resolve', id: 't2', commit: true });
  assert.equal(
    [bad.m.read('x'), bad.m.read('y')],
    [1, 1],
    'both committed: each read the other’s key before its write',
  );
});

test('planted txn-read-uncommitted-lock: a reader does not hold off a writer (read skew, G-single)', () => {
  // T1 reads x (prepared, holding nothing), T2 then writes x and commits, and T1 commits having read the old x.
  const m = new TxnMachine({ readUncommitted: true });
  m.apply({ op: 'one', id: 't0', ops: ops(['append', 'x', 0]) });
  assert.equal(m.apply(prepare('t1', ops(['r', 'x', null]))).ok, true);
  assert.equal(m.apply({ op: 'one', id: 't2', ops: ops(['append', 'x', 1]) }).ok, true, 'no read lock stopped it');
  const locked = new TxnMachine();
  locked.apply(prepare('t1', ops(['r', 'x', null])));
  assert.equal(locked.apply({ op: 'one', id: 't2', ops: ops(['append', 'x', 1]) }).ok, false);
});

test('planted 2pc-unlock-before-decision: a dirty read of a write that then aborts (G1a), and a lost write', () => {
  const m = new TxnMachine({ unlockAtVote: true });
  m.apply({ op: 'one', id: 't0', ops: ops(['append', 'x', 0]) });
  m.apply(prepare('t1', ops(['append', 'x', 1])));
  assert.is(m.lockCount(), 0, 'the participant let go of its locks at its vote');
  const t2 = m.apply({ op: 'one', id: 't2', ops: ops(['r', 'x', null], ['append', 'x', 2]) });
  assert.equal(t2, { ok: true, txn: 'committed', reads: [[0, [0, 1]]] }, 'T2 read T1’s uncommitted append');
  m.apply({ op: 'resolve', id: 't1', commit: false });
  assert.equal(m.read('x'), [0], 'T1’s abort restored its before-image: T2 read an aborted write, its own is lost');
  const correct = new TxnMachine();
  correct.apply(prepare('t1', ops(['append', 'x', 1])));
  assert.equal(correct.apply({ op: 'one', id: 't2', ops: ops(['r', 'x', null]) }).ok, false);
});

test.run();

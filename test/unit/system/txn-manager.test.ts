// The two-phase commit driver (system/txn/manager.ts) over a fake cluster whose groups replicate instantly
// (test/helpers/txn-fake.ts): commit across shards, the one-entry fast path, no-wait conflicts that never hang,
// a participant that does not vote, crashes of the coordinator at each step with recovery through the log,
// and the planted 2pc-early-ack losing an acknowledged transaction.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TXN_STEPS, type TxnStep } from '../../../system/txn/manager.js';
import type { ClientOp } from '../../../system/txn/ops.js';
import { FakeTxnCluster, type FakeOptions } from '../../helpers/txn-fake.js';

const NODES = ['a', 'b', 'c'];
const fake = (o: Partial<FakeOptions> = {}) => new FakeTxnCluster({ nodes: NODES, shards: 3, ...o });

/** Shard 0 is led by a, 1 by b, 2 by c; keys name their shard. */
const T: ClientOp[] = [
  ['append', '0:x', 1],
  ['r', '1:y', null],
  ['append', '2:z', 1],
  ['r', '0:x', null],
];

test('a transaction over three shards commits: reads filled in, writes everywhere, nothing left behind', () => {
  const c = fake();
  c.submit('b', [['append', '1:y', 'old']]); // the anchor is 1:y: b leads shard 1
  c.drain();
  const h = c.submit('a', T);
  c.drain();
  assert.equal(h.outcome, {
    kind: 'committed',
    id: 'a.1.0',
    ops: [
      ['append', '0:x', 1],
      ['r', '1:y', ['old']],
      ['append', '2:z', 1],
      ['r', '0:x', [1]],
    ],
    shards: [0, 1, 2],
  });
  assert.equal([c.machines[0].read('0:x'), c.machines[2].read('2:z')], [[1], [1]]);
  c.tick(5); // the coordinator forgets the record once both participants confirmed
  assert.ok(c.quiet(), 'no prepared transaction, record or lock is left');
  assert.equal(c.violations, []);
});

test('a stale question after the record was forgotten: presumed abort; the tombstone keeps the commit', () => {
  const c = fake();
  const h = c.submit('a', [
    ['append', '0:x', 1],
    ['append', '1:y', 1],
  ]);
  c.drain();
  c.tick(5);
  assert.ok(h.outcome?.kind === 'committed' && c.quiet());
  // b asked about it while it was prepared; the question arrives now.
  c.managers.get('a')!.onMessage('b', { t: 'status', id: h.outcome.id, g: 1, coord: 0 });
  c.drain();
  assert.equal(c.applied.at(-1)?.cmd, { op: 'decide', id: h.outcome.id, commit: false }, 'answered through the log');
  assert.equal([c.machines[0].read('0:x'), c.machines[1].read('1:y')], [[1], [1]]);
  assert.equal(c.violations, []);
});

test('a single-shard transaction is one entry in one log (the fast path)', () => {
  const c = fake();
  const h = c.submit('b', [
    ['append', '1:k', 1],
    ['r', '1:k', null],
    ['append', '1:j', 2],
  ]);
  c.drain();
  assert.is(h.outcome?.kind, 'committed');
  assert.equal(
    c.applied.map((a) => [a.g, a.cmd.op]),
    [[1, 'one']],
  );
  const elsewhere = c.submit('a', [['r', '1:k', null]]);
  assert.equal(elsewhere.outcome, { kind: 'not-leader', shard: 1 }, 'only the anchor shard’s leader takes it');
});

test('no-wait: two transactions that lock in opposite orders both end, at least one aborted, none hangs', () => {
  const c = fake();
  const t1 = c.submit('a', [
    ['append', '0:x', 1],
    ['append', '1:y', 1],
  ]);
  const t2 = c.submit('b', [
    ['append', '1:y', 2],
    ['append', '0:x', 2],
  ]);
  c.drain();
  c.tick(30);
  const kinds = [t1.outcome?.kind, t2.outcome?.kind];
  assert.ok(
    kinds.every((k) => k === 'committed' || k === 'aborted'),
    JSON.stringify(kinds),
  );
  assert.ok(kinds.includes('aborted'), 'each held the lock the other needed');
  const loser = t1.outcome?.kind === 'aborted' ? t1.outcome : t2.outcome;
  assert.equal(loser?.kind === 'aborted' && loser.reason, 'conflict');
  assert.ok(c.quiet());
  // All or nothing per transaction.
  const x = c.machines[0].read('0:x') as number[] | null;
  const y = c.machines[1].read('1:y') as number[] | null;
  for (const v of [1, 2]) assert.is(!!x?.includes(v), !!y?.includes(v), `transaction ${v} is all or nothing`);
});

test('a participant that never votes: the coordinator aborts (timeout) and the abort reaches it after healing', () => {
  const c = fake({ voteTicks: 10 });
  c.cut.add('b>a'); // b's votes never reach a
  const h = c.submit('a', [
    ['append', '0:x', 1],
    ['append', '1:y', 1],
  ]);
  c.tick(12);
  assert.equal(h.outcome?.kind === 'aborted' && h.outcome.reason, 'timeout');
  assert.equal(
    c.applied.filter((a) => a.g === 1).map((a) => a.cmd.op),
    ['prepare', 'resolve'],
    'b prepared (its vote was lost) and then applied the abort',
  );
  assert.not.ok(c.quiet(), 'the record stays until b’s confirmation arrives');
  c.cut.clear();
  c.tick(10);
  assert.ok(c.quiet(), 'confirmed once healed: the record is forgotten');
  assert.equal([c.machines[0].read('0:x'), c.machines[1].read('1:y')], [null, null]);
});

/**
 * Crash the coordinator (a, leading shard 0) at a step of a cross-shard transaction, let b take over shard 0,
 * heal, and check the end state: the same decision everywhere, nothing prepared, no record.
 */
function crashCoordinatorAt(step: TxnStep, o: Partial<FakeOptions> = {}) {
  let crashed = false;
  let id = '';
  const steps: string[] = [];
  const c: FakeTxnCluster = fake({
    ...o,
    onStep: (node, s, txn) => {
      steps.push(`${node} ${s}`);
      if (!crashed && node === 'a' && s === step && txn === id) {
        crashed = true;
        c.crash('a', 'b');
      }
    },
  });
  id = 'a.1.0';
  const h = c.submit('a', [
    ['append', '0:x', 1],
    ['append', '1:y', 1],
    ['append', '2:z', 1],
  ]);
  c.drain();
  c.tick(60);
  const applied = [c.machines[0].read('0:x'), c.machines[1].read('1:y'), c.machines[2].read('2:z')];
  return { c, h, crashed, applied, steps };
}

const COORDINATOR_STEPS = TXN_STEPS.filter(
  (s) => !['prepare-proposed', 'vote-sent', 'resolve-proposed', 'resolved-sent', 'status-sent'].includes(s),
);

test('the coordinator crashes at each of its steps: all or nothing, and every lock is resolved through the log', () => {
  for (const step of COORDINATOR_STEPS) {
    if (step === 'recovery-proposed') continue; // happens only after a crash
    const { c, h, crashed, applied } = crashCoordinatorAt(step);
    assert.ok(crashed, `the transaction reached ${step}`);
    const all = applied.every((v) => JSON.stringify(v) === '[1]');
    const none = applied.every((v) => v === null);
    assert.ok(all || none, `${step}: ${JSON.stringify(applied)}`);
    if (h.outcome?.kind === 'committed') assert.ok(all, `${step}: acknowledged, so applied`);
    if (h.outcome?.kind === 'aborted') assert.ok(none, `${step}: refused, so not applied`);
    assert.ok(c.quiet(), `${step}: something stayed prepared or undecided`);
    assert.equal(c.violations, [], step);
    // Steps after the decision is in the log keep the commit; steps before it lose the transaction.
    const decided = TXN_STEPS.indexOf(step) >= TXN_STEPS.indexOf('decide-applied');
    assert.is(all, decided, `${step}: ${all ? 'committed' : 'aborted'}`);
  }
});

test('a participant asks about a transaction whose coordinator died: the new leader of its group aborts it', () => {
  // a dies having proposed its record and sent one prepare; the record was not yet applied, so it is lost with
  // a (an uncommitted entry). Shard 1, led by b, prepares and after the in-doubt time asks shard 0's new leader
  // (b again), which answers through shard 0's log: no record, so abort (presumed abort).
  const { c, steps } = crashCoordinatorAt('prepare-sent');
  assert.ok(steps.includes('b status-sent'), 'the participant asked');
  assert.ok(steps.includes('b recovery-proposed'), 'the abort went through the coordinator group’s log');
  assert.equal(c.applied.filter((a) => a.g === 0 && a.cmd.op === 'decide').length >= 1, true);
  assert.ok(c.quiet());
});

test('planted 2pc-early-ack: told committed, the coordinator dies before its decision is logged: aborted', () => {
  const bad = crashCoordinatorAt('answered', { earlyAck: true });
  assert.is(bad.h.outcome?.kind, 'committed', 'acknowledged before the decision was in the log');
  assert.equal(bad.applied, [null, null, null], 'the acknowledged transaction never happened');
  assert.ok(bad.c.quiet());
  const good = crashCoordinatorAt('answered');
  assert.is(good.h.outcome?.kind, 'committed');
  assert.equal(good.applied, [[1], [1], [1]], 'answered after the decision: the commit survives the crash');
});

test.run();

// The transactional workloads (workloads/txn): the seeded stream of transactions keeps its promises (sizes,
// a window of active keys, values unique per key and at most max-writes-per-key of them, fresh keys), the final
// reads cover every key once, the flags are checked, and a run's spec checks the history with Elle's analysis
// under the run's consistency models.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks, specForWorkload, specFromRecord } from '../../../harness/check/pipeline.js';
import { checkTxnArgs, txnRunFields } from '../../../harness/commands/txn-run-args.js';
import { Random } from '../../../harness/generator/random.js';
import type { HistoryEvent } from '../../../harness/history/op.js';
import type { MicroOp } from '../../../harness/history/txn.js';
import { getWorkload } from '../../../workloads/index.js';
import { sessionOf } from '../../../workloads/session.js';
import { DEFAULT_TXN_SHAPE, txnShape } from '../../../workloads/txn/shape.js';
import { TxnStream } from '../../../workloads/txn/stream.js';
import { FINAL_KEYS_PER_TXN, finalReads } from '../../../workloads/txn/workload.js';

const ctx = (worker: number, count: number) => ({ worker, count, rnd: new Random(worker), elapsed: 0 });

test('the stream: 1-4 micro-ops, a window of 8 keys, values 1..32 per key, then a fresh key', () => {
  const s = new TxnStream(DEFAULT_TXN_SHAPE, 'append', 42);
  const writes = new Map<number, number[]>();
  const sizes = new Set<number>();
  let reads = 0;
  let mops = 0;
  const window: number[][] = [];
  for (let i = 0; i < 5000; i++) {
    const t = s.next();
    sizes.add(t.length);
    const keys = new Set(t.map((m) => m[1] as number));
    window.push([...keys]);
    for (const [f, k, v] of t) {
      mops++;
      if (f === 'r') {
        reads++;
        assert.is(v, null);
        continue;
      }
      assert.is(f, 'append');
      const l = writes.get(k as number) ?? [];
      l.push(v as number);
      writes.set(k as number, l);
    }
  }
  assert.equal([...sizes].sort(), [1, 2, 3, 4]);
  assert.ok(Math.abs(reads / mops - 0.5) < 0.03, `reads ${reads} of ${mops}`);
  for (const [k, vs] of writes) {
    assert.equal(
      vs,
      vs.map((_, i) => i + 1),
      `key ${k}: values 1, 2, 3, ... in order`,
    );
    assert.ok(vs.length <= 32, `key ${k} took ${vs.length} writes`);
  }
  const full = [...writes.values()].filter((vs) => vs.length === 32).length;
  assert.ok(full > 50, `keys are written up to the limit and replaced (${full} full keys)`);
  // At most 8 keys are active at once: any 1 transaction's keys, and keys used in a short stretch, fit a window.
  assert.is(s.keysUsed(), Math.max(...writes.keys(), ...window.flat()) + 1);
  assert.is(s.transactions(), 5000);
});

test('the stream is a pure function of the seed and the shape', () => {
  const a = new TxnStream(DEFAULT_TXN_SHAPE, 'w', 7);
  const b = new TxnStream(DEFAULT_TXN_SHAPE, 'w', 7);
  const c = new TxnStream(DEFAULT_TXN_SHAPE, 'w', 8);
  const take = (s: TxnStream) => Array.from({ length: 200 }, () => s.next());
  const ta = take(a);
  assert.equal(ta, take(b));
  assert.not.equal(ta, take(c));
  assert.ok(ta.flat().every((m) => m[0] === 'r' || m[0] === 'w'));
});

test('the window: keys in use at once never exceed --keys', () => {
  const shape = { minOps: 4, maxOps: 4, keys: 3, maxWritesPerKey: 2 };
  const s = new TxnStream(shape, 'append', 3);
  // A key is active from its first appearance until its second write; count overlaps of those intervals.
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (let i = 0; i < 300; i++)
    for (const [, k] of s.next()) {
      if (!first.has(k as number)) first.set(k as number, i);
      last.set(k as number, i);
    }
  for (let i = 0; i < 300; i++) {
    const live = [...first.keys()].filter((k) => first.get(k)! < i && last.get(k)! > i);
    assert.ok(live.length <= 3, `transaction ${i}: ${live.length} keys live`);
  }
});

test('final reads: every key the load used, once, in transactions of at most 8 reads shared by the workers', () => {
  const s = new TxnStream(DEFAULT_TXN_SHAPE, 'append', 1);
  for (let i = 0; i < 2000; i++) s.next();
  const g = finalReads(s, 10);
  const seen: number[] = [];
  for (let w = 0; w < 10; w++)
    for (let c = 0; ; c++) {
      const op = g(ctx(w, c));
      if (op === undefined) break;
      assert.ok(typeof op === 'object' && op.f === 'txn');
      const ops = (op as { value: MicroOp[] }).value;
      assert.ok(ops.length >= 1 && ops.length <= FINAL_KEYS_PER_TXN);
      for (const [f, k, v] of ops) {
        assert.equal([f, v], ['r', null]);
        seen.push(k as number);
      }
    }
  assert.equal(
    seen.sort((a, b) => a - b),
    Array.from({ length: s.keysUsed() }, (_, i) => i),
  );
});

test('sessionOf: a workload without a session performs its finalOp once per worker', () => {
  const s = sessionOf(getWorkload('kv'), { seed: 1, concurrency: 2, opTimeoutMs: 1000 });
  assert.equal(s.final({ ...ctx(0, 0), lastKey: 'k3' }), { f: 'read', key: 'k3' });
  assert.is(s.final({ ...ctx(0, 1), lastKey: 'k3' }), undefined);
  const t = sessionOf(getWorkload('list-append'), { seed: 1, concurrency: 2, opTimeoutMs: 1000 });
  const op = t.generator(ctx(0, 0));
  assert.ok(typeof op === 'object' && op.f === 'txn' && Array.isArray(op.value));
});

test('flags: --txn-ops, --keys, --max-writes-per-key and --consistency-model, checked in one line each', () => {
  assert.equal(txnShape({ txnOps: '2-6', keys: 16, maxWritesPerKey: 4 }), {
    minOps: 2,
    maxOps: 6,
    keys: 16,
    maxWritesPerKey: 4,
  });
  assert.equal(txnShape({ txnOps: '3' }), { ...DEFAULT_TXN_SHAPE, minOps: 3, maxOps: 3 });
  assert.throws(() => txnShape({ txnOps: '4-1' }), /minimum is above the maximum/);
  assert.throws(() => txnShape({ txnOps: 'x' }), /--txn-ops must be N or MIN-MAX/);
  assert.throws(() => txnShape({ txnOps: '0-2' }), /--txn-ops must be an integer from 1 to 256/);
  assert.throws(() => txnShape({ keys: 0 }), /--keys must be an integer/);
  assert.throws(() => txnShape({ maxWritesPerKey: 1.5 }), /--max-writes-per-key must be an integer/);
  assert.equal(txnRunFields({}, 'list-append'), {
    txnOps: '1-4',
    keys: 8,
    maxWritesPerKey: 32,
    consistencyModel: ['strict-serializable'],
  });
  assert.equal(txnRunFields({}, 'kv'), {});
  assert.equal(txnRunFields({ keys: 4 }, 'kv'), {}, 'a matrix of test-all may mix workloads: kv takes none');
  assert.throws(() => checkTxnArgs({ keys: 4 }, ['kv']), /--keys applies to the list-append and rw-register/);
  assert.not.throws(() => checkTxnArgs({ keys: 4 }, ['kv', 'list-append']));
  assert.throws(() => checkTxnArgs({ keys: 0 }, ['kv', 'list-append']), /--keys must be an integer/);
  assert.throws(() => txnRunFields({ 'consistency-model': ['nope'] }, 'rw-register'), /unknown --consistency-model/);
  assert.equal(txnRunFields({ 'consistency-model': ['serializable'] }, 'rw-register').consistencyModel, [
    'serializable',
  ]);
});

/** T1 appends and is acknowledged; T2, begun later, reads the key without it: stale, under real time. */
function staleHistory(): HistoryEvent[] {
  const ev: HistoryEvent[] = [];
  const t = (process: number, value: unknown[]) => {
    const inv = (value as MicroOp[]).map((m) => [m[0], m[1], m[0] === 'r' ? null : m[2]]);
    ev.push({ index: ev.length, type: 'invoke', process, f: 'txn', value: inv, time: ev.length });
    ev.push({ index: ev.length, type: 'ok', process, f: 'txn', value, time: ev.length });
  };
  ev.push({ index: 0, type: 'invoke', process: 'nemesis', f: 'start-kill', time: 0 });
  ev.push({ index: 1, type: 'info', process: 'nemesis', f: 'start-kill', value: { nodes: ['n1'] }, time: 1 });
  t(0, [['append', 1, 1]]);
  t(1, [['append', 1, 2]]);
  t(2, [['r', 1, [1]]]);
  return ev;
}

test("a run's spec: the workload's named check with the run's consistency models, reproduced from the record", () => {
  const strict = specForWorkload('list-append', 60, { consistencyModels: ['strict-serializable'] });
  assert.equal(strict.checkers, ['list-append', 'stats']);
  assert.is(strict.model, undefined, 'no linearizability checker');
  const r = runChecks(staleHistory(), strict);
  assert.is(r.valid, false);
  const txn = r.checkers.find((c) => c.checker === 'txn')!;
  const d = txn.details as { problems: string[]; anomalyTypes: string[]; events: number[] };
  assert.ok(d.anomalyTypes.includes('lost-append'), d.anomalyTypes.join(' '));
  assert.ok(
    d.problems.some((p) => p.startsWith('lost-append: op 5 appended 2 to key 1')),
    d.problems.join('\n'),
  );
  assert.equal(d.events.includes(5) && d.events.includes(7), true, 'cited events are history positions');
  const ser = specForWorkload('list-append', 60, { consistencyModels: ['serializable'] });
  assert.is(runChecks(staleHistory(), ser).valid, true, 'serializable allows ordering the stale reader first');
  // What a run records is what a re-check uses.
  const again = specFromRecord({ checks: JSON.parse(JSON.stringify(ser)) }, () => 'cas-register');
  assert.equal(again.args, { consistencyModels: ['serializable'] });
  assert.is(runChecks(staleHistory(), again).valid, true);
});

test.run();

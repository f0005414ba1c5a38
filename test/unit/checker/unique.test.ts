// The unique-values decision procedure (harness/checker/unique/unique-register.ts) against the general search, on
// thousands of seeded histories with unique values: linearizable ones, and the same with one or two small changes
// (a read answering another written value, a cas flipped between ok and failed, an indeterminate op made ok),
// with and without indeterminate operations. Every verdict must agree; the seed is in each failure message.
import { test } from 'uvu';
import type { OpSpec } from '../../../harness/generator/generator.js';
import * as assert from 'uvu/assert';
import {
  casRegisterModel,
  registerOperations,
  type RegisterInput,
  type RegisterOutput,
} from '../../../harness/checker/models/cas-register.js';
import { getModel } from '../../../harness/checker/models/registry.js';
import { checkOperations } from '../../../harness/checker/porcupine/index.js';
import type { Operation } from '../../../harness/checker/porcupine/types.js';
import { decideUniqueRegister } from '../../../harness/checker/unique/unique-register.js';
import type { HistoryEvent } from '../../../harness/history/op.js';
import { perturbHistory, syntheticRegisterHistory } from '../../fixtures/synthetic-history.js';
import { workerRandom, type Generator } from '../../../harness/generator/generator.js';
import { kvGenerator } from '../../../workloads/kv/workload.js';
import { registerOp } from '../../../workloads/register/workload.js';

type Ops = Operation<RegisterInput, RegisterOutput>[];
const searchOnly = { ...casRegisterModel(null), decide: undefined };

function sorted(events: HistoryEvent[]): Ops {
  return registerOperations(events, undefined, false).sort((a, b) => a.call - b.call || a.ret - b.ret);
}

function searchVerdict(ops: Ops): string {
  return checkOperations(searchOnly, ops, { computeInfo: false, timeoutMs: 20_000 }).verdict;
}

/** A witness must be a legal partial linearization: legal steps, real time respected, no op twice. */
function assertLegalPrefix(ops: Ops, order: number[], what: string): void {
  const model = casRegisterModel(null);
  let state = model.init();
  const seen = new Set<number>();
  for (const i of order) {
    assert.ok(!seen.has(i), `${what}: op ${i} appears twice`);
    seen.add(i);
    const [ok, next] = model.step(state, ops[i].input, ops[i].output);
    assert.ok(ok, `${what}: op ${i} is not legal after the prefix`);
    state = next;
  }
  // Closed under real-time predecessors: an op that returned before a placed op was called is placed, earlier.
  const pos = new Float64Array(ops.length).fill(Infinity);
  order.forEach((i, k) => {
    pos[i] = k;
  });
  const byRet = ops.map((_, j) => j).sort((a, b) => ops[a].ret - ops[b].ret);
  const byCall = [...order].sort((a, b) => ops[a].call - ops[b].call);
  let r = 0,
    maxPos = -1,
    maxOp = -1;
  for (const i of byCall) {
    while (r < byRet.length && ops[byRet[r]].ret < ops[i].call) {
      if (pos[byRet[r]] > maxPos) {
        maxPos = pos[byRet[r]];
        maxOp = byRet[r];
      }
      r++;
    }
    assert.ok(maxPos < pos[i], `${what}: op ${maxOp} precedes op ${i} in real time but is not placed before it`);
  }
}

interface Tally {
  ok: number;
  illegal: number;
}

function compare(events: HistoryEvent[], what: string, tally: Tally): void {
  const ops = sorted(events);
  const d = decideUniqueRegister(ops, null);
  assert.ok(d, `${what}: unique values, so the decision procedure applies`);
  const expected = searchVerdict(ops);
  assert.is(d!.verdict, expected, `${what}: decided ${d!.verdict}, search says ${expected} (${d!.reason ?? ''})`);
  tally[d!.verdict]++;
  if (d!.verdict === 'illegal') {
    assert.ok(d!.offending && d!.offending.length > 0, `${what}: names the ops involved`);
    assertLegalPrefix(ops, d!.order!, what);
  }
}

test('small histories: 3,000 seeds × (linearizable, one change, two changes) agree with the search', () => {
  const tally: Tally = { ok: 0, illegal: 0 };
  for (let seed = 1; seed <= 3000; seed++) {
    const ops = 1 + (seed % 12);
    const clients = 1 + (seed % 4);
    const infoRate = [0, 0.15, 0.4][seed % 3];
    const h = syntheticRegisterHistory({ seed, ops, clients, keys: 0, infoRate, unique: true, gap: seed % 2 ? 1 : 3 });
    compare(h, `seed ${seed}`, tally);
    const once = perturbHistory(h, seed);
    compare(once, `seed ${seed} changed once`, tally);
    compare(perturbHistory(once, seed + 7919), `seed ${seed} changed twice`, tally);
  }
  // Both verdicts must be well represented, or the comparison proves little.
  assert.ok(tally.ok > 2000 && tally.illegal > 2000, JSON.stringify(tally));
});

test('medium histories: 300 seeds of 30-80 ops, heavy overlap, agree with the search', () => {
  const tally: Tally = { ok: 0, illegal: 0 };
  for (let seed = 5001; seed <= 5300; seed++) {
    const h = syntheticRegisterHistory({
      seed,
      ops: 30 + (seed % 51),
      clients: 3 + (seed % 4),
      keys: 0,
      infoRate: seed % 2 ? 0.1 : 0,
      unique: true,
      gap: 1,
      length: 6,
    });
    compare(h, `seed ${seed}`, tally);
    compare(perturbHistory(h, seed), `seed ${seed} changed`, tally);
  }
  assert.ok(tally.ok > 200 && tally.illegal > 100, JSON.stringify(tally));
});

test('kv-register: the model decides unique partitions itself, with the same verdicts and report shape', () => {
  const { model, toOperations } = getModel('kv-register').create({});
  for (let seed = 1; seed <= 60; seed++) {
    const h = syntheticRegisterHistory({ seed, ops: 300, clients: 6, keys: 8, infoRate: 0.05, unique: true });
    for (const events of [h, perturbHistory(h, seed), perturbHistory(perturbHistory(h, seed), seed + 1)]) {
      const ops = toOperations(events);
      const fast = checkOperations(model, ops);
      const slow = checkOperations({ ...model, decide: undefined }, ops);
      assert.is(fast.verdict, slow.verdict, `seed ${seed}`);
      assert.ok(
        fast.partitions.every((p) => p.method === 'decide'),
        'every key was decided without search',
      );
      if (fast.verdict === 'illegal') {
        const p = fast.partitions.find((x) => x.verdict === 'illegal')!;
        assert.ok(
          p.longest && p.longest.length > 0 && p.offending && p.offending.length > 0,
          'prefix and offending op, as the search gives',
        );
      }
    }
  }
});

// Hand-written edge cases, each checked both ways.
type E = Omit<HistoryEvent, 'index'>;
const ev = (list: E[]): HistoryEvent[] => list.map((e, index) => ({ index, ...e }) as HistoryEvent);
const inv = (process: number, f: string, value?: unknown): E => ({ type: 'invoke', process, f, value });
const ok = (process: number, f: string, value?: unknown): E => ({ type: 'ok', process, f, value });
const fail = (process: number, f: string, value?: unknown): E => ({ type: 'fail', process, f, value });
const info = (process: number, f: string, value?: unknown): E => ({ type: 'info', process, f, value });

const cases: [string, E[], 'ok' | 'illegal'][] = [
  [
    'stale read of the initial value',
    [inv(0, 'write', 1), ok(0, 'write', 1), inv(1, 'read'), ok(1, 'read', null)],
    'illegal',
  ],
  ['read of a value never written', [inv(1, 'read'), ok(1, 'read', 7)], 'illegal'],
  ['read of a failed write', [inv(0, 'write', 1), fail(0, 'write', 1), inv(1, 'read'), ok(1, 'read', 1)], 'illegal'],
  [
    'cas chain read in order',
    [
      inv(0, 'write', 1),
      ok(0, 'write', 1),
      inv(0, 'cas', [1, 2]),
      ok(0, 'cas', [1, 2]),
      inv(1, 'read'),
      ok(1, 'read', 2),
    ],
    'ok',
  ],
  [
    'read of the cas source after the cas',
    [
      inv(0, 'write', 1),
      ok(0, 'write', 1),
      inv(0, 'cas', [1, 2]),
      ok(0, 'cas', [1, 2]),
      inv(1, 'read'),
      ok(1, 'read', 1),
    ],
    'illegal',
  ],
  [
    'two ok cas from the same value',
    [
      inv(0, 'write', 1),
      ok(0, 'write', 1),
      inv(0, 'cas', [1, 2]),
      inv(1, 'cas', [1, 3]),
      ok(0, 'cas', [1, 2]),
      ok(1, 'cas', [1, 3]),
    ],
    'illegal',
  ],
  [
    'an unread info cas from the same value is dropped',
    [
      inv(0, 'write', 1),
      ok(0, 'write', 1),
      inv(0, 'cas', [1, 2]),
      inv(1, 'cas', [1, 3]),
      ok(0, 'cas', [1, 2]),
      info(1, 'cas', [1, 3]),
    ],
    'ok',
  ],
  [
    'a read info cas must have happened: then the ok one cannot',
    [
      inv(0, 'write', 1),
      ok(0, 'write', 1),
      inv(0, 'cas', [1, 2]),
      inv(1, 'cas', [1, 3]),
      ok(0, 'cas', [1, 2]),
      info(1, 'cas', [1, 3]),
      inv(2, 'read'),
      ok(2, 'read', 3),
    ],
    'illegal',
  ],
  [
    'info write read later happened',
    [inv(0, 'write', 1), info(0, 'write', 1), inv(1, 'read'), ok(1, 'read', 1), inv(1, 'read'), ok(1, 'read', 1)],
    'ok',
  ],
  [
    'info write read, then the initial value again',
    [inv(0, 'write', 1), info(0, 'write', 1), inv(1, 'read'), ok(1, 'read', 1), inv(1, 'read'), ok(1, 'read', null)],
    'illegal',
  ],
  [
    'info cas chain from an info write, read at the end',
    [
      inv(0, 'write', 1),
      info(0, 'write', 1),
      inv(1, 'cas', [1, 2]),
      info(1, 'cas', [1, 2]),
      inv(2, 'read'),
      ok(2, 'read', 2),
    ],
    'ok',
  ],
  [
    'cas from the initial value',
    [inv(0, 'cas', [null, 1]), ok(0, 'cas', [null, 1]), inv(1, 'read'), ok(1, 'read', 1)],
    'ok',
  ],
  [
    'concurrent writes read in both orders by sequential readers',
    [
      inv(0, 'write', 1),
      inv(1, 'write', 2),
      ok(0, 'write', 1),
      ok(1, 'write', 2),
      inv(2, 'read'),
      ok(2, 'read', 1),
      inv(2, 'read'),
      ok(2, 'read', 2),
      inv(2, 'read'),
      ok(2, 'read', 1),
    ],
    'illegal',
  ],
  ['pending write read before its call', [inv(1, 'read'), ok(1, 'read', 3), inv(0, 'write', 3)], 'illegal'],
  ['a cas from its own new value', [inv(0, 'cas', [1, 1]), ok(0, 'cas', [1, 1])], 'illegal'],
  [
    'cas ring with no first write',
    [inv(0, 'cas', [1, 2]), inv(1, 'cas', [2, 1]), ok(0, 'cas', [1, 2]), ok(1, 'cas', [2, 1])],
    'illegal',
  ],
];

for (const [name, list, expected] of cases) {
  test(`edge case: ${name} → ${expected}`, () => {
    const ops = sorted(ev(list));
    assert.is(searchVerdict(ops), expected, 'the search agrees with the expectation');
    assert.is(decideUniqueRegister(ops, null)?.verdict, expected);
  });
}

test('repeated values, or a write of the initial value, fall back to the search', () => {
  assert.is(
    decideUniqueRegister(
      sorted(ev([inv(0, 'write', 1), ok(0, 'write', 1), inv(0, 'write', 1), ok(0, 'write', 1)])),
      null,
    ),
    undefined,
  );
  assert.is(decideUniqueRegister(sorted(ev([inv(0, 'write', null), ok(0, 'write', null)])), null), undefined);
  assert.is(
    decideUniqueRegister(
      sorted(ev([inv(0, 'write', 1), ok(0, 'write', 1), inv(0, 'cas', [1, 1]), ok(0, 'cas', [1, 1])])),
      null,
    ),
    undefined,
  );
  const { model, toOperations } = getModel('cas-register').create({});
  const r = checkOperations(model, toOperations(syntheticRegisterHistory({ seed: 3, ops: 50, clients: 3, keys: 0 })));
  assert.is(r.partitions[0].method, 'search');
});

test('a decided illegal partition reports the same longest prefix as the search, when small', () => {
  const { model, toOperations } = getModel('cas-register').create({});
  const events = ev(cases[0][1]);
  const fast = checkOperations(model, toOperations(events));
  const slow = checkOperations({ ...model, decide: undefined }, toOperations(events));
  assert.is(fast.partitions[0].method, 'decide');
  assert.equal(fast.partitions[0].longest, slow.partitions[0].longest);
  assert.equal(fast.partitions[0].offending, slow.partitions[0].offending);
});

test(
  'a large illegal history gets its witness from the decision procedure: ' + 'a legal prefix and the ops involved',
  () => {
    const h = syntheticRegisterHistory({ seed: 77, ops: 20_000, clients: 20, keys: 0, infoRate: 0.02, unique: true });
    const { model, toOperations } = getModel('cas-register').create({});
    let illegal = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const bad = perturbHistory(h, seed);
      const ops = sorted(bad);
      const d = decideUniqueRegister(ops, null)!;
      const r = checkOperations(model, toOperations(bad), { timeoutMs: 20_000 });
      assert.is(r.verdict, d.verdict);
      assert.is(r.partitions[0].method, 'decide');
      if (d.verdict !== 'illegal') continue;
      illegal++;
      assertLegalPrefix(ops, d.order!, `seed ${seed}`);
      assert.equal(
        r.partitions[0].offending,
        d.offending,
        "too large for the witness search: the procedure's own witness is reported",
      );
    }
    assert.ok(illegal >= 3, `${illegal} of 6 changes made the history illegal`);
  },
);

test('the register and kv workloads write values unique per key, so their histories take the fast path', () => {
  for (const [name, gen] of [
    ['register', registerOp()],
    ['kv', kvGenerator(50)],
  ] as [string, Generator][]) {
    const written = new Map<unknown, Set<unknown>>();
    let cas = 0;
    for (let w = 0; w < 50; w++) {
      const rnd = workerRandom(9, w);
      for (let count = 0; count < 400; count++) {
        const op = gen({ worker: w, count, rnd, elapsed: 0 }) as OpSpec;
        if (op.f === 'read') continue;
        const to = op.f === 'write' ? op.value : (op.value as unknown[])[1];
        if (op.f === 'cas') cas++;
        let set = written.get(op.key);
        if (!set) {
          set = new Set();
          written.set(op.key, set);
        }
        assert.ok(!set.has(to), `${name}: value ${String(to)} written twice to ${String(op.key)}`);
        assert.ok(to !== null, `${name}: null is the initial value`);
        set.add(to);
      }
    }
    assert.ok(cas > 1000, `${name} still issues cas operations`);
  }
});

test.run();

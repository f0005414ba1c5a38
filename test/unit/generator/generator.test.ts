import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  limitPerWorker,
  mix,
  PENDING,
  phases,
  staggerMs,
  timeLimit,
  workerRandom,
  type Generator,
  type OpSpec,
} from '../../../harness/generator/generator.js';
import { Random } from '../../../harness/generator/random.js';
import { kvGenerator, kvKey, OPS_PER_KEY, THREADS_PER_KEY } from '../../../workloads/kv/workload.js';

function drive(gen: Generator, seed: number, workers: number, perWorker: number): OpSpec[][] {
  return Array.from({ length: workers }, (_, w) => {
    const rnd = workerRandom(seed, w);
    const out: OpSpec[] = [];
    for (let count = 0; count < perWorker; count++) {
      const op = gen({ worker: w, count, rnd, elapsed: 0 });
      if (!op || op === PENDING) break;
      out.push(op);
    }
    return out;
  });
}

test('Random: same seed, same stream; different seeds differ', () => {
  const a = new Random(42),
    b = new Random(42),
    c = new Random(43);
  const xs = Array.from({ length: 5 }, () => a.nextU32());
  assert.equal(
    Array.from({ length: 5 }, () => b.nextU32()),
    xs,
  );
  assert.not.equal(
    Array.from({ length: 5 }, () => c.nextU32()),
    xs,
  );
  for (let i = 0; i < 1000; i++) {
    const v = a.int(3, 7);
    assert.ok(v >= 3 && v < 7);
  }
});

test('same seed and options give the same schedule per worker, regardless of interleaving', () => {
  const g1 = drive(kvGenerator(10), 7, 10, 50);
  const g2 = drive(kvGenerator(10), 7, 10, 50);
  assert.equal(g1, g2);
  const g3 = drive(kvGenerator(10), 8, 10, 50);
  assert.not.equal(g1, g3);
});

test('kv keys rotate: groups of workers share a key, then move on', () => {
  assert.is(kvKey(0, 0, 10), kvKey(THREADS_PER_KEY - 1, 0, 10));
  assert.is.not(kvKey(0, 0, 10), kvKey(THREADS_PER_KEY, 0, 10));
  assert.is.not(kvKey(0, 0, 10), kvKey(0, OPS_PER_KEY, 10));
  const keys = new Set(
    drive(kvGenerator(10), 1, 10, OPS_PER_KEY * 3)
      .flat()
      .map((o) => o.key),
  );
  assert.is(keys.size, 2 * 3);
});

test('limitPerWorker, timeLimit, phases, mix', () => {
  const w: Generator = () => ({ f: 'write', value: 1 });
  const r: Generator = () => ({ f: 'read' });
  assert.is(drive(limitPerWorker(3, w), 1, 2, 10)[1].length, 3);
  const rnd = new Random(1);
  assert.ok(timeLimit(5, w)({ worker: 0, count: 0, rnd, elapsed: 4.9 }));
  assert.is(timeLimit(5, w)({ worker: 0, count: 0, rnd, elapsed: 5 }), undefined);
  const ph = drive(phases(limitPerWorker(2, w), limitPerWorker(1, r)), 1, 1, 10)[0];
  assert.equal(
    ph.map((o) => o.f),
    ['write', 'write', 'read'],
  );
  const m = drive(limitPerWorker(400, mix([w, r])), 1, 1, 400)[0];
  const writes = m.filter((o) => o.f === 'write').length;
  assert.ok(writes > 150 && writes < 250, `mix is roughly even (${writes} writes of 400)`);
});

test('stagger: mean delay = concurrency / rate', () => {
  const rnd = new Random(3);
  const xs = Array.from({ length: 4000 }, () => staggerMs(rnd, 100, 10));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 100) < 5, `mean ${mean}`);
  assert.is(staggerMs(rnd, 0, 10), 0);
});

test.run();

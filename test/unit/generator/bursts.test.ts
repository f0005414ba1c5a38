import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { burstRate } from '../../../harness/generator/bursts.js';
import { PENDING } from '../../../harness/generator/generator.js';
import { barrier, oncePerWorker } from '../../../harness/generator/phases.js';
import { Random } from '../../../harness/generator/random.js';

test('burst rate inside [T - s, T + s] of each transition, base rate elsewhere', () => {
  const r = burstRate([10, 30], { rate: 100, burstRate: 400, burstSeconds: 2 });
  assert.is(r(0), 100);
  assert.is(r(7.9), 100);
  assert.is(r(8), 400);
  assert.is(r(10), 400);
  assert.is(r(12), 400);
  assert.is(r(12.1), 100);
  assert.is(r(29), 400);
  assert.is(r(33), 100);
});

test('no bursts when the window is 0, the burst rate is not higher, or the rate is unlimited', () => {
  assert.is(burstRate([10], { rate: 100, burstRate: 400, burstSeconds: 0 })(10), 100);
  assert.is(burstRate([10], { rate: 100, burstRate: 100, burstSeconds: 2 })(10), 100);
  assert.is(burstRate([10], { rate: 0, burstRate: 400, burstSeconds: 2 })(10), 0);
});

test('barrier: PENDING for each worker until opened, reached once all arrived; oncePerWorker', async () => {
  const b = barrier(2);
  const rnd = new Random(1);
  let reached = false;
  void b.reached.then(() => (reached = true));
  assert.is(b.gen({ worker: 0, count: 0, rnd, elapsed: 0 }), PENDING);
  await Promise.resolve();
  assert.not.ok(reached);
  assert.is(b.gen({ worker: 1, count: 0, rnd, elapsed: 0 }), PENDING);
  await b.reached;
  b.open();
  assert.is(b.gen({ worker: 0, count: 1, rnd, elapsed: 0 }), undefined);
  const once = oncePerWorker((k, w) => (k ? { f: 'read', key: `${k}/${w}` } : undefined));
  assert.equal(once({ worker: 3, count: 0, rnd, elapsed: 0, lastKey: 'x' }), { f: 'read', key: 'x/3' });
  assert.is(once({ worker: 3, count: 1, rnd, elapsed: 0, lastKey: 'x' }), undefined);
  assert.is(once({ worker: 4, count: 0, rnd, elapsed: 0 }), undefined);
});

test.run();

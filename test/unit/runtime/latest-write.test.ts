// LatestWrite (harness/runtime/latest-write.ts): writes never overlap, the last value asked for is the last
// written, values overtaken while a write is under way are skipped, every caller resolves after its value or a
// newer one is written, and a failed write rejects its callers without wedging the next set().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LatestWrite } from '../../../harness/runtime/latest-write.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('a burst of sets while one write is slow: two writes, the first and the last value', async () => {
  const writes: number[] = [];
  let open = 0;
  const w = new LatestWrite<number>(async (v) => {
    assert.is(open++, 0, 'writes overlap');
    await tick();
    writes.push(v);
    open--;
  });
  const done: number[] = [];
  const all = [1, 2, 3, 4, 5].map((v) => w.set(v).then(() => done.push(v)));
  await Promise.all(all);
  assert.equal(writes, [1, 5]);
  assert.equal(done.sort(), [1, 2, 3, 4, 5]);
  await w.set(6);
  assert.equal(writes, [1, 5, 6]);
});

test('the same value asked for again is written again (a reset after a set of that value)', async () => {
  const writes: number[] = [];
  const w = new LatestWrite<number>(async (v) => {
    writes.push(v);
  });
  await w.set(0);
  await w.set(0);
  assert.equal(writes, [0, 0]);
});

test('a failed write rejects its callers; the next set writes again', async () => {
  let fail = true;
  const writes: number[] = [];
  const w = new LatestWrite<number>(async (v) => {
    if (fail) throw new Error('engine gone');
    writes.push(v);
  });
  let threw = false;
  await w.set(1).catch(() => (threw = true));
  assert.ok(threw);
  fail = false;
  await w.set(2);
  assert.equal(writes, [2]);
});

test.run();

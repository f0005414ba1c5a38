// The search's set-up: the entry list (makeEntries, ordered without a comparison sort) against the order its
// contract states, written here as the plain comparator sort it replaced; the buffer pool (a buffer given back
// twice is refused, what is kept is bounded); and searches drawing on the pool while others are still running,
// released early or given up on, still reaching the verdicts of searches run alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getModel } from '../../../harness/checker/models/registry.js';
import { giveBuffer, keptBytes, takeBuffer } from '../../../harness/checker/porcupine/buffers.js';
import { makeEntries } from '../../../harness/checker/porcupine/entries.js';
import { PartitionSearch } from '../../../harness/checker/porcupine/search.js';
import type { Model, Operation } from '../../../harness/checker/porcupine/types.js';
import { corruptOneRead, syntheticRegisterHistory } from '../../fixtures/synthetic-history.js';

/** The list order as specified: by time, calls before returns at equal times, ties in operation order; then each
 *  run of consecutive calls by return time (ties in operation order). Entry 2i is op i's call, 2i+1 its return. */
function referenceOrder(ops: readonly Operation[]): number[] {
  const time = (e: number) => (e & 1 ? ops[e >> 1].ret : ops[e >> 1].call);
  const order = Array.from({ length: 2 * ops.length }, (_, e) => e);
  order.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && (order[j] & 1) === 0) j++;
    const run = order.slice(i, j).sort((a, b) => ops[a >> 1].ret - ops[b >> 1].ret || a - b);
    order.splice(i, run.length, ...run);
    i = Math.max(j, i + 1);
  }
  return order;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomOps(seed: number, n: number, spread: number): Operation[] {
  const r = rng(seed);
  const ops: Operation[] = [];
  for (let i = 0; i < n; i++) {
    const call = Math.floor(r() * 2 * n);
    const ret = r() < 0.1 ? Infinity : call + Math.floor(r() * spread);
    ops.push({ clientId: i, input: null, output: null, call, ret });
  }
  return ops;
}

test('makeEntries: the list is the reference order, for sorted and unsorted ops, ties and open returns', () => {
  let checked = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const n = seed % 50 === 0 ? 3000 : seed % 40;
    const ops = randomOps(seed, n, [0, 3, 40][seed % 3]);
    if (seed % 2) ops.sort((a, b) => a.call - b.call || a.ret - b.ret);
    const l = makeEntries(ops);
    const want = referenceOrder(ops);
    const got: number[] = [];
    for (let node = l.next[0]; node !== -1; node = l.next[node]) {
      const call = l.match[node] !== -1;
      assert.ok(call ? l.callOf[node] === -1 : l.match[l.callOf[node]] === node, `seed ${seed}: match/callOf`);
      got.push(2 * l.opOf[node] + (call ? 0 : 1));
    }
    assert.equal(got, want, `seed ${seed}, ${n} ops`);
    const rets: number[] = [];
    for (let node = l.retNext[0]; node !== -1; node = l.retNext[node]) rets.push(node);
    assert.equal(
      rets,
      got.flatMap((e, i) => (e & 1 ? [i + 1] : [])),
      `seed ${seed}: the return list links the return nodes in order`,
    );
    checked++;
  }
  assert.is(checked, 400);
});

test('buffer pool: a buffer comes back for the next taker, twice given is refused, the kept bytes are bounded', () => {
  const a = takeBuffer(3000);
  assert.is(a.byteLength, 4096, 'sizes are powers of two');
  giveBuffer(a);
  assert.is(takeBuffer(4000), a, 'the same size class gets the buffer back');
  giveBuffer(a);
  assert.throws(() => giveBuffer(a), /given back twice/);
  assert.is(takeBuffer(4096), a);
  giveBuffer(new ArrayBuffer(100)); // not from the pool: ignored
  assert.is(takeBuffer(2 << 20).byteLength, 2 << 20, 'past the biggest size, an exact buffer');
  const many = Array.from({ length: 40 }, () => takeBuffer(1 << 20));
  for (const b of many) giveBuffer(b);
  assert.ok(keptBytes() <= 8 << 20, `kept ${keptBytes()} bytes`);
});

test('a search gives its buffer back once over, and refuses to run after release', () => {
  const model = { ...getModel('cas-register').create({}).model, decide: undefined } as Model;
  const ops = getModel('cas-register')
    .create({})
    .toOperations(syntheticRegisterHistory({ seed: 3, ops: 200, clients: 5, keys: 0, infoRate: 0.1, maxValue: 3 }));
  ops.sort((a, b) => a.call - b.call || a.ret - b.ret);
  const s = new PartitionSearch(model, ops);
  s.run(1);
  s.release();
  s.release(); // idempotent: the buffer is given back once
  assert.throws(() => s.run(10), /after release/);
});

test('searches interleaved on pooled buffers, some released early, reach the verdicts of searches run alone', () => {
  const spec = getModel('cas-register');
  const model = { ...spec.create({}).model, decide: undefined } as Model;
  const cases: Operation[][] = [];
  for (let seed = 1; seed <= 40; seed++) {
    const h = syntheticRegisterHistory({ seed, ops: 20 + (seed % 60), clients: 2 + (seed % 5), keys: 0, maxValue: 3 });
    const events = seed % 2 ? h : corruptOneRead(h, seed);
    const ops = spec.create({}).toOperations(events);
    cases.push(ops.sort((a, b) => a.call - b.call || a.ret - b.ret));
  }
  const alone = cases.map((ops) => new PartitionSearch(model, ops).run(1e8));
  assert.ok(alone.includes('ok') && alone.includes('illegal'), 'both verdicts occur');
  // All at once, a few steps each per round; every fourth one is abandoned half-way and replaced by a new one.
  const searches = cases.map((ops) => new PartitionSearch(model, ops));
  const verdicts: string[] = cases.map(() => 'running');
  for (let round = 0; verdicts.includes('running'); round++) {
    searches.forEach((s, i) => {
      if (verdicts[i] !== 'running') return;
      if (round === 2 && i % 4 === 0) {
        s.release();
        searches[i] = new PartitionSearch(model, cases[i]);
        return;
      }
      verdicts[i] = s.run(7);
    });
    assert.ok(round < 1e6, 'terminates');
  }
  assert.equal(verdicts, alone);
});

test.run();

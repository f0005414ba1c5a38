import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { place, replicasOf, shardOf, shardsOn } from '../../../system/shard/placement.js';

const nodes = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);

test('shardOf is stable and spreads keys evenly (each of 8 shards within ±10% of 1/8 of 80,000 keys)', () => {
  const counts = new Array(8).fill(0);
  for (let i = 0; i < 80_000; i++) counts[shardOf(`k${i}`, 8)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 1000, `shard count ${c}`);
  assert.is(shardOf('hello', 8), shardOf('hello', 8));
});

test(
  'placement: R distinct replicas per shard; ' +
    'replicas per node within [S·R/N − 3, S·R/N + 3] for 64 shards on 5 nodes',
  () => {
    const p = place(nodes(5), 64, 3);
    for (const rs of p.replicas) assert.is(new Set(rs).size, 3);
    const expected = (64 * 3) / 5;
    for (const n of nodes(5)) {
      const k = shardsOn(p, n).length;
      assert.ok(Math.abs(k - expected) <= 6, `${n} holds ${k} replicas, expected about ${expected}`);
    }
  },
);

test('adding a node moves only the shards whose top R changes, and only onto the new node', () => {
  const before = place(nodes(5), 64, 3),
    after = place(nodes(6), 64, 3);
  let moved = 0;
  before.replicas.forEach((rs, s) => {
    const now = after.replicas[s];
    const gone = rs.filter((n) => !now.includes(n));
    const added = now.filter((n) => !rs.includes(n));
    if (gone.length > 0) moved++;
    assert.ok(gone.length <= 1 && added.every((n) => n === 'n6'), `shard ${s}: ${rs} → ${now}`);
  });
  // Expected fraction R/(N+1) = 1/2 of shards gain the new node; allow a wide statistical margin.
  assert.ok(moved > 16 && moved < 48, `${moved} of 64 shards moved`);
});

test('bad parameters are refused', () => {
  assert.throws(() => place(nodes(3), 0, 1), /shards must be a positive integer/);
  assert.throws(() => place(nodes(3), 4, 4), /replication 4 exceeds the 3 nodes/);
  assert.equal(replicasOf(0, nodes(3), 3).sort(), nodes(3));
});

test.run();

// The node-level pieces of Multi-Raft that are pure functions of their inputs: failure detection by node
// beats (liveness.ts) and the rebalancing rule (rebalance.ts). The coordinator as a whole runs in the
// multi-group simulation (test/sim/multi-scenarios.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Liveness } from '../../../system/node/liveness.js';
import { pickTransfer } from '../../../system/node/rebalance.js';

test('liveness: a peer silent for the timeout is suspected once, and recovers when heard again', () => {
  const l = new Liveness(['b', 'c'], 5);
  for (let t = 1; t <= 4; t++) {
    l.heard('b');
    assert.equal(l.tick(), { suspected: [], recovered: [] }, `tick ${t}`);
  }
  l.heard('b');
  assert.equal(l.tick(), { suspected: ['c'], recovered: [] }, 'c silent for 5 ticks');
  assert.ok(l.suspected('c'));
  assert.is(l.silentFor('c'), 5);
  l.heard('b');
  assert.equal(l.tick(), { suspected: [], recovered: [] }, 'suspected once, not every tick');
  assert.is(l.heard('c'), true, 'heard() tells that the peer was suspected');
  assert.equal(l.tick(), { suspected: [], recovered: ['c'] });
  assert.not.ok(l.suspected('c'));
  assert.is(l.heard('zz'), false, 'unknown ids are ignored');
});

test('rebalance: hands a group to the least-loaded caught-up follower, only across a gap of two or more', () => {
  const leads = new Map([
    ['a', 4],
    ['b', 3],
    ['c', 1],
    ['d', 2],
  ]);
  const of = (n: string): number => leads.get(n) ?? Infinity;
  const led = [
    { id: '5', candidates: ['b', 'd'] },
    { id: '2', candidates: ['c'] },
    { id: '7', candidates: [] },
  ];
  assert.equal(pickTransfer(4, led, of), { group: '2', to: 'c' });
  assert.equal(pickTransfer(3, led, of), { group: '2', to: 'c' }, 'gap 3 - 1 = 2');
  assert.is(pickTransfer(2, led, of), undefined, 'a gap of one is balanced enough: no ping-pong');
  assert.is(pickTransfer(4, [{ id: '1', candidates: ['zz'] }], of), undefined, 'a node never heard from is no target');
  assert.equal(
    pickTransfer(
      4,
      [
        { id: '9', candidates: ['d'] },
        { id: '3', candidates: ['d'] },
      ],
      of,
    ),
    { group: '3', to: 'd' },
    'ties go to the lowest group id',
  );
});

test('rebalance: repeated transfers level any start within one where placement allows', () => {
  // 4 nodes, 8 groups on every node (full placement): from all-on-one, transfers converge to 2 each.
  const nodes = ['a', 'b', 'c', 'd'];
  const leader = new Map(Array.from({ length: 8 }, (_, g) => [String(g), 'a']));
  for (let step = 0; step < 50; step++) {
    let moved = false;
    for (const n of nodes) {
      const count = (x: string): number => [...leader.values()].filter((l) => l === x).length;
      const led = [...leader]
        .filter(([, l]) => l === n)
        .map(([g]) => ({ id: g, candidates: nodes.filter((x) => x !== n) }));
      const pick = pickTransfer(led.length, led, count);
      if (pick) {
        leader.set(pick.group, pick.to);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const counts = nodes.map((n) => [...leader.values()].filter((l) => l === n).length);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts}`);
});

test.run();

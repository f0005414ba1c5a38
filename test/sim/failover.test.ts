// Quiescence must not slow failure detection (issue 11): over many seeds, the ticks from a leader node's
// crash until every group it led has a new leader are about the same with idle groups quiesced as with every
// group heartbeating. Both runs use the same seeds, cluster shape and Coordinator.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MultiCluster } from './multi.js';

function failoverTicks(seed: number, quiesce: boolean): number {
  const c = new MultiCluster({ seed, nodes: 5, groups: 8, quiesce, rebalance: false });
  if (!c.until(() => c.allHaveLeaders(), 600)) throw new Error(`seed ${seed}: no leaders`);
  for (const g of c.groupIds) c.one(g, `w${g}`, 3);
  c.run(60); // idle: with quiescence on, every group is quiesced by now
  if (quiesce)
    assert.ok(
      c.groupIds.every((g) => c.replica(c.leaderOf(g)!, g)!.raft.quiesced),
      `seed ${seed}: not all quiesced`,
    );
  const victim = [...c.leadCounts()].sort((a, b) => b[1] - a[1])[0][0];
  const led = c.groupIds.filter((g) => c.leaderOf(g) === victim);
  c.crash(victim);
  const t0 = c.now;
  if (!c.until(() => led.every((g) => c.leaderOf(g) !== undefined), 1000)) throw new Error(`seed ${seed}: no failover`);
  return c.now - t0;
}

test('a quiesced group elects after its leader dies about as fast as an active one', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
  const mean = (q: boolean): number => seeds.reduce((a, s) => a + failoverTicks(s, q), 0) / seeds.length;
  const active = mean(false);
  const quiesced = mean(true);
  // Election timeout 10 ticks, randomized in [10, 20): allow half an election timeout of difference.
  assert.ok(
    quiesced <= active + 5,
    `mean failover: quiesced ${quiesced.toFixed(1)} ticks vs active ${active.toFixed(1)} ticks`,
  );
  assert.ok(
    quiesced >= 10,
    `a quiesced group elected after ${quiesced.toFixed(1)} ticks: ` +
      'faster than an election timeout means it did not wait for the leader to be suspected',
  );
  console.log(
    `failover over ${seeds.length} seeds: quiesced ${quiesced.toFixed(1)} ticks, active ${active.toFixed(1)} ticks ` +
      '(election timeout 10)',
  );
});

test.run();

// Planted bugs that live in the node (system/node), outside the Raft core the simulation drives: each is shown
// to break its promise here, and the same steps without the bug keep it. The harness finds them end to end
// (bench/bugs.ts); these tests pin down the mechanism.
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodeHost } from '../../../system/node/host.js';
import { testHost } from '../../helpers/node-host.js';

/**
 * Node a of a three-member, one-shard cluster whose peers never answer (an isolated leader): it wins an election
 * with one vote handed in by hand, then nothing it sends arrives anywhere, so nothing it proposes can commit.
 */
function isolatedLeader(bugs: string[]): { host: NodeHost; dir: string } {
  const { host, dir } = testHost({ bugs });
  const g = host.groups.get(0)!;
  g.raft.forceCampaign();
  g.stepAll([{ type: 'VoteResp', from: 'b', to: 'a', term: g.raft.term }]);
  assert.is(g.raft.role, 'leader');
  return { host, dir };
}

test('planted early-ack: an isolated leader acknowledges a write no follower holds', async () => {
  const { host, dir } = isolatedLeader(['early-ack']);
  try {
    const g = host.groups.get(0)!;
    const r = await g.propose({ kind: 'kv', op: 'write', key: 'x', value: 1 }, 1000);
    assert.equal(r, { ok: true, index: g.raft.log.lastIndex() });
    assert.ok(g.raft.log.committed < g.raft.log.lastIndex(), 'acknowledged, yet not committed');
  } finally {
    host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without early-ack the same write waits for a majority (and times out alone)', async () => {
  const { host, dir } = isolatedLeader([]);
  try {
    const g = host.groups.get(0)!;
    const r = await g.propose({ kind: 'kv', op: 'write', key: 'x', value: 1 }, 300).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    assert.is(r, 'timeout');
  } finally {
    host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('early-ack leaves cas and fenced writes alone: their answer depends on the applied state', async () => {
  const { host, dir } = isolatedLeader(['early-ack']);
  try {
    const g = host.groups.get(0)!;
    const cas = await g.propose({ kind: 'kv', op: 'cas', key: 'x', from: null, to: 1 }, 300).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    const fenced = await g
      .propose({ kind: 'kv', op: 'write', key: 'x', value: 1, fence: { lock: 'L', token: 3 } }, 300)
      .then(
        () => 'answered',
        (e: Error) => e.message,
      );
    assert.equal([cas, fenced], ['timeout', 'timeout']);
  } finally {
    host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

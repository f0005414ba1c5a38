// Each planted bug the simulation can see makes at least one scenario fail with a safety violation, and the
// same scenarios pass without it. (stale-read lives in the node's read path, outside the core: the harness
// catches it with the linearizability checker; early-ack is in test/unit/node/planted-bugs.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SafetyViolation, SimCluster } from './cluster.js';
import { scenarios } from './scenarios.js';

const CASES: { bug: string; scenario: string; property: RegExp }[] = [
  { bug: 'old-term-commit', scenario: 'figure8Story', property: /State Machine Safety|Leader Completeness/ },
  { bug: 'vote-twice', scenario: 'persistVote', property: /Election Safety/ },
  {
    bug: 'no-fsync',
    scenario: 'persist2',
    property: /Leader Completeness|Log Matching|State Machine Safety|Election Safety/,
  },
  {
    bug: 'conf-concurrent',
    scenario: 'concurrentChanges',
    property: /Leader Completeness|State Machine Safety|Election Safety/,
  },
  // Two-phase commit (txn-cluster.ts's checks). txn-read-uncommitted-lock breaks serializability only, which
  // needs a cycle search over the history (Elle's); the machine's unit tests show its write skew.
  { bug: '2pc-early-ack', scenario: 'txnCrashMatrix', property: /acknowledged as committed, never applied/ },
  {
    bug: '2pc-unlock-before-decision',
    scenario: 'txnPartitionChurn',
    // Dirty reads of writes later undone, or an abort's before-image erasing a committed append.
    property: /not atomic|a committed read .* saw|told aborted, yet applied|twice|acknowledged as committed, never/,
  },
];

for (const { bug, scenario, property } of CASES) {
  test(`planted bug ${bug} is caught by ${scenario}`, () => {
    const caught: string[] = [];
    for (let seed = 1; seed <= 20 && caught.length === 0; seed++) {
      try {
        scenarios[scenario]({ seed, bugs: [bug] });
      } catch (e) {
        if (e instanceof SafetyViolation) caught.push(`seed ${seed}: ${e.message}`);
      }
    }
    assert.ok(caught.length > 0, `${bug} survived ${scenario} on 20 seeds`);
    assert.match(caught[0], property);
  });

  test(`${scenario} passes without ${bug}`, () => {
    for (let seed = 1; seed <= 20; seed++) scenarios[scenario]({ seed });
  });
}

/**
 * Planted bug "read-no-heartbeat" (diss. §6.4 step 3 skipped): the old leader, cut off from the majority and not
 * yet aware of it, is asked for a read after the new leader committed a write. Check quorum is off here, so the
 * old leader stays unaware for as long as the test likes; the node has it on, which narrows the window to an
 * election timeout but does not close it. Returns the read index it served, or undefined when it served none.
 */
function deposedLeaderRead(seed: number, bugs: string[]): { served: number | undefined; newerWrite: number } {
  const c = new SimCluster({ seed, n: 3, bugs, checkQuorum: false });
  c.one('w1', 3);
  const old = c.checkOneLeader();
  c.partition([[old], c.others(old)]);
  let l2: string | undefined;
  assert.ok(
    c.until(() => {
      l2 = c.others(old).find((id) => c.raft(id).role === 'leader');
      return l2 !== undefined;
    }, 500),
    'the majority elected no leader',
  );
  const newer = c.propose('w2', l2)!;
  c.wait(newer, 2);
  assert.is(c.raft(old).role, 'leader', 'the old leader still believes it leads');
  c.raft(old).readIndex('late');
  c.run(100);
  return { served: c.readStates.find((r) => r.ctx === 'late')?.index, newerWrite: newer };
}

test('planted bug read-no-heartbeat: a deposed leader serves a read below a write the majority committed', () => {
  for (let seed = 1; seed <= 5; seed++) {
    const { served, newerWrite } = deposedLeaderRead(seed, ['read-no-heartbeat']);
    assert.ok(
      served !== undefined && served < newerWrite,
      `seed ${seed}: served ${served}, newer write at ${newerWrite}`,
    );
  }
});

test('without read-no-heartbeat the deposed leader confirms no read', () => {
  for (let seed = 1; seed <= 5; seed++) assert.is(deposedLeaderRead(seed, []).served, undefined, `seed ${seed}`);
});

test.run();

// The voters and the leader's view of them (system/raft/tracker.ts): what a quorum of the voters agrees on, for
// commitment (§5.3), elections (§5.2) and check quorum (diss. §6.2), counting voters of the latest configuration
// only (diss. §4.1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProgressTracker } from '../../../system/raft/tracker.js';

function leaderOf(voters: string[], matches: Record<string, number>): ProgressTracker {
  const t = new ProgressTracker(voters, 8);
  t.resetProgress(new Set([...voters, 'n1']), 'n1', 0);
  for (const [id, m] of Object.entries(matches)) t.progress.get(id)!.maybeUpdate(m);
  return t;
}

test('§5.3: committed() is the highest index a majority of the voters stores', () => {
  assert.is(leaderOf(['n1', 'n2', 'n3'], { n1: 9, n2: 4, n3: 2 }).committed(), 4);
  assert.is(leaderOf(['n1', 'n2', 'n3', 'n4', 'n5'], { n1: 9, n2: 8, n3: 3, n4: 7, n5: 1 }).committed(), 7);
  // Four voters: a majority is three.
  assert.is(leaderOf(['n1', 'n2', 'n3', 'n4'], { n1: 9, n2: 8, n3: 3, n4: 1 }).committed(), 3);
});

test('diss. §4.2.2: a leader outside the configuration does not count its own log', () => {
  const t = leaderOf(['n2', 'n3', 'n4'], { n1: 9, n2: 5, n3: 2, n4: 2 });
  assert.is(t.committed(), 2);
  assert.ok(t.progress.has('n1'), 'it still tracks itself');
});

test('§5.2 and diss. §4.1: an election counts the first answer of each voter, and voters only', () => {
  const t = new ProgressTracker(['n1', 'n2', 'n3'], 8);
  t.recordVote('n1', true);
  t.recordVote('n9', true);
  assert.is(t.tallyVotes(), 'pending', 'a vote from outside the configuration does not count');
  t.recordVote('n2', false);
  t.recordVote('n2', true);
  assert.is(t.tallyVotes(), 'pending', 'a second answer of n2 changes nothing');
  t.recordVote('n3', false);
  assert.is(t.tallyVotes(), 'lost');
  t.resetVotes();
  t.recordVote('n1', true);
  t.recordVote('n3', true);
  assert.is(t.tallyVotes(), 'won');
});

test('diss. §6.2 check quorum: a majority, self included, was heard from; each call starts a new round', () => {
  const t = leaderOf(['n1', 'n2', 'n3'], {});
  for (const pr of t.progress.values()) pr.recentActive = false;
  assert.not.ok(t.quorumActive('n1'));
  t.progress.get('n3')!.recentActive = true;
  assert.ok(t.quorumActive('n1'));
  assert.not.ok(t.quorumActive('n1'), 'nobody heard from since the last round');
});

test('a configuration change: new voters are tracked from the end of the log, removed ones forgotten', () => {
  const t = leaderOf(['n1', 'n2', 'n3'], { n2: 4 });
  t.voters = ['n1', 'n2', 'n4'];
  t.trackVoters(10);
  assert.is(t.progress.get('n4')!.next, 11);
  assert.is(t.progress.get('n2')!.match, 4, 'a voter already tracked keeps its progress');
  t.forgetNonVoters('n1');
  assert.equal([...t.progress.keys()].sort(), ['n1', 'n2', 'n4']);
  assert.ok(t.hasQuorum(new Set(['n2', 'n4', 'n3'])));
  assert.not.ok(t.hasQuorum(new Set(['n4', 'n3'])), 'n3 is no longer a voter');
});

test.run();

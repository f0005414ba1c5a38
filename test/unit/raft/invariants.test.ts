// The Raft core's assertions (system/raft/invariant.ts), one rule each, in the manner of etcd-raft's
// raft_paper_test.go: every test names the rule it checks, drives a core into the state that breaks it (a direct
// corruption of its state, or the message sequence a planted bug makes possible) and sees the assertion fire
// with its message. Where a planted bug breaks the rule on purpose, a second test shows the assertion standing
// aside under that bug, so that the harness, not the core, is what finds it. "§" is the extended Raft paper,
// "diss. §" Ongaro's dissertation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvariantError } from '../../../system/raft/invariant.js';
import { MemoryStorage } from '../../../system/raft/memory-storage.js';
import { Raft } from '../../../system/raft/raft.js';
import type { Entry, HardState, Ready } from '../../../system/raft/types.js';
import { conf, normal as entry } from '../../helpers/raft-entries.js';

const IDS = ['n1', 'n2', 'n3'];

/** A disk holding `entries` and `hs`, for a server of the group n1, n2, n3. */
function disk(entries: Entry[], hs: Partial<HardState> = {}): MemoryStorage {
  const s = new MemoryStorage(IDS);
  s.append(entries);
  s.setHardState({ term: 0, vote: null, commit: 0, ...hs });
  return s;
}

function core(storage = disk([]), bugs: string[] = [], applied?: number): Raft {
  return new Raft({
    id: 'n1',
    electionTick: 10,
    heartbeatTick: 1,
    preVote: false,
    checkQuorum: true,
    random: () => 0.5,
    storage,
    universe: IDS,
    bugs: new Set(bugs),
    ...(applied === undefined ? {} : { applied }),
  });
}

/** n1 campaigns and wins with n2's vote. */
function elect(r: Raft): Raft {
  r.forceCampaign();
  r.step({ type: 'VoteResp', from: 'n2', to: 'n1', term: r.term });
  assert.is(r.role, 'leader');
  return r;
}

/** What a runtime does with a Ready: persist (here, to the in-memory disk), then advance. */
function handle(r: Raft, s: MemoryStorage): Ready {
  const rd = r.ready();
  s.append(rd.entries);
  if (rd.hardState) s.setHardState(rd.hardState);
  r.advance(rd);
  return rd;
}

/** `f` throws the InvariantError for `invariant`, and its message shows `values`. */
function fires(f: () => void, invariant: string, values: RegExp): void {
  try {
    f();
  } catch (e) {
    assert.instance(e, InvariantError);
    assert.is((e as InvariantError).invariant, invariant);
    assert.ok((e as Error).message.startsWith(`raft invariant broken: ${invariant} (`), (e as Error).message);
    assert.match((e as Error).message, values);
    return;
  }
  assert.unreachable(`"${invariant}" did not fire`);
}

test('Figure 2 (AppendEntries rule 5): the commit index never passes the end of the log', () => {
  const r = core(disk([entry(1, 1), entry(2, 1)], { term: 1 }));
  fires(() => r.log.commitTo(5), 'commit <= last index', /node n1, commit 5, lastIndex 2\)/);
  // A commit index corrupted behind the core's back is found at the next step.
  r.log.committed = 4;
  fires(() => r.tick(), 'commit <= last index', /commit 4, lastIndex 2/);
});

test('Figure 2 (lastApplied): the runtime applies only what a Ready handed out, and that is committed', () => {
  const r = core(disk([entry(1, 1), entry(2, 1)], { term: 1, commit: 1 }));
  fires(
    () => r.advance({ entries: [], messages: [], committedEntries: [entry(1, 1), entry(2, 1)], readStates: [] }),
    'applied <= committed',
    /applied 2, commit 1/,
  );
  // A state machine restored ahead of the log it came from.
  fires(() => core(disk([entry(1, 1)], { term: 1, commit: 1 }), [], 3), 'applied <= committed', /applied 3, commit 1/);
});

test('Figure 2 (currentTerm increases monotonically): a term that went back is never handed out to persist', () => {
  const s = disk([]);
  const r = elect(core(s));
  handle(r, s);
  assert.is(r.term, 1);
  r.term = 0;
  fires(() => r.ready(), 'term never decreases', /node n1, term 0, persisted 1/);
});

test('Figure 2 (votedFor) and §5.2: one vote per term, across a restart', () => {
  // n1 voted for n2 in term 2 and restarted; its vote is on disk. Were the vote not read back (what the planted
  // bug vote-twice does), a request from n3 in the same term would be granted: the assertion refuses.
  const r = core(disk([], { term: 2, vote: 'n2' }));
  r.vote = null;
  fires(
    () => r.step({ type: 'Vote', from: 'n3', to: 'n1', term: 2, index: 0, logTerm: 0 }),
    'one vote per term',
    /term 2, votedFor n2, now n3/,
  );
});

test('one vote per term stands aside under the planted bug vote-twice: the harness must see two leaders', () => {
  const r = core(disk([], { term: 2, vote: 'n2' }), ['vote-twice']);
  r.step({ type: 'Vote', from: 'n3', to: 'n1', term: 2, index: 0, logTerm: 0 });
  const answer = r.ready().messages.find((m) => m.type === 'VoteResp');
  assert.ok(answer && !answer.reject, 'the second vote of term 2 went out');
  // Without the bug the disk's vote stands: n3 is refused and nothing fires.
  const correct = core(disk([], { term: 2, vote: 'n2' }));
  correct.step({ type: 'Vote', from: 'n3', to: 'n1', term: 2, index: 0, logTerm: 0 });
  assert.ok(correct.ready().messages.find((m) => m.type === 'VoteResp')?.reject);
});

test('Figure 3 (Leader Append-Only, §5.3): a leader never truncates its own log', () => {
  const r = elect(core());
  assert.ok(r.propose('x'));
  assert.is(r.log.lastIndex(), 2);
  fires(() => r.log.append([entry(2, 1, 'y')]), 'a leader never truncates its own log (§5.3)', /appendAt 2/);
  fires(
    () => r.log.restore({ meta: { index: 5, term: 1, peers: IDS }, data: '' }),
    'a leader never truncates its own log (§5.3)',
    /snapshotAt 5/,
  );
  // A follower may: §5.3, conflicting entries of a deposed leader are overwritten.
  const f = core(disk([entry(1, 1), entry(2, 1)], { term: 2 }));
  f.log.append([entry(2, 2)]);
  assert.is(f.log.term(2), 2);
});

test('Figure 3 (State Machine Safety, §5.4.3): a committed entry is never overwritten', () => {
  const r = core(disk([entry(1, 1), entry(2, 1)], { term: 2, commit: 2 }));
  fires(() => r.log.append([entry(2, 2)]), 'a committed entry is never overwritten', /appendAt 2, commit 2/);
  fires(
    () => r.log.maybeAppend(1, 1, 2, [entry(2, 2)]),
    'a committed entry is never overwritten',
    /conflictAt 2, commit 2/,
  );
  // The commit index never moves back, not even by a snapshot (§7: an older one is answered, not installed).
  fires(
    () => r.log.restore({ meta: { index: 1, term: 1, peers: IDS }, data: '' }),
    'the commit index never decreases',
    /snapshotAt 1, commit 2/,
  );
});

/**
 * Figure 8 (c): n1 leads in term 2 over entries 1 and 2 of term 1, uncommitted; n2 acknowledges them. They are
 * on a majority, yet of an older term.
 */
function figure8c(bugs: string[] = []): Raft {
  const r = elect(core(disk([entry(1, 1), entry(2, 1)], { term: 1 }), bugs));
  assert.is(r.term, 2);
  r.step({ type: 'AppResp', from: 'n2', to: 'n1', term: 2, index: 2 });
  return r;
}

test("§5.4.2 (Figure 8): a leader commits by counting only its own term's entries", () => {
  const r = figure8c();
  assert.is(r.log.committed, 0, 'entry 2 is on a majority but of term 1: not committed by counting');
  r.log.commitTo(2);
  fires(
    () => r.tick(),
    "a leader commits by counting only its own term's entries (§5.4.2)",
    /commit 2, firstIndexOfTerm 3/,
  );
});

test('the Figure 8 assertion stands aside under the planted bug old-term-commit: the harness must see the loss', () => {
  const r = figure8c(['old-term-commit']);
  assert.is(r.log.committed, 2, 'the bug commits the older-term entry by counting');
  r.tick();
  r.ready();
});

test('diss. §4.1: the voters are the latest configuration in the log, named by an entry still in it', () => {
  const r = core(disk([entry(1, 1), conf(2, 1, ['n1', 'n2'])], { term: 1, commit: 1 }));
  assert.equal(r.peers, ['n1', 'n2']);
  // The configuration entry is truncated behind the configuration tracking's back.
  r.log.append([entry(2, 2)]);
  fires(
    () => r.tick(),
    'the configuration in force is named by an entry of the log (diss. §4.1)',
    /confIndex 2, confTerm 1, termInLog 2/,
  );
  // The voters replaced behind its back (reaching into the core: no message can do this).
  const s = core(disk([entry(1, 1), conf(2, 1, ['n1', 'n2'])], { term: 1, commit: 1 }));
  (s as unknown as { tracker: { voters: string[] } }).tracker.voters = ['n1', 'n2'];
  fires(() => s.tick(), 'the voters are the latest configuration in the log (diss. §4.1)', /voters \["n1","n2"\]/);
});

test('no assertion fires in a correct run: an election, replication, a read and a step-down', () => {
  const s = disk([]);
  const r = elect(core(s));
  r.propose('x');
  r.step({ type: 'AppResp', from: 'n2', to: 'n1', term: 1, index: 2 });
  assert.is(r.log.committed, 2);
  assert.ok(r.readIndex('q'));
  handle(r, s);
  r.step({ type: 'HeartbeatResp', from: 'n2', to: 'n1', term: 1, context: 'q' });
  assert.equal(handle(r, s).readStates, [{ index: 2, ctx: 'q' }]);
  r.step({ type: 'App', from: 'n3', to: 'n1', term: 5, index: 2, logTerm: 1, entries: [entry(3, 5)], commit: 3 });
  assert.is(r.role, 'follower');
  assert.is(r.log.committed, 3);
});

test.run();

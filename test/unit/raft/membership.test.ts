// The Raft core's single-server membership changes (Ongaro's dissertation §4.1–4.2): the latest configuration
// in the log is in force whether committed or not and falls back when its entry is truncated; recovery and
// snapshots rebuild it; the leader's answers to change requests; a removed leader steps down once its removal
// commits and hands over at once; transfers only to voters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryStorage } from '../../../system/raft/memory-storage.js';
import { Raft } from '../../../system/raft/raft.js';
import { conf, noop } from '../../helpers/raft-entries.js';
import { SimCluster } from '../../sim/cluster.js';

const IDS = ['n1', 'n2', 'n3'];

function core(storage: MemoryStorage, universe = IDS): Raft {
  return new Raft({
    id: 'n1',
    electionTick: 10,
    heartbeatTick: 1,
    preVote: true,
    checkQuorum: true,
    random: () => 0.5,
    storage,
    universe,
  });
}

test('recovery: the latest configuration entry in the log is in force, committed or not', () => {
  const s = new MemoryStorage(IDS);
  s.append([
    noop(1, 1),
    conf(2, 1, ['n1', 'n2']),
    noop(3, 2),
    conf(
      4,
      2,
      ['n1', 'n2', 'n3'].filter((x) => x !== 'n2'),
    ),
  ]);
  s.setHardState({ term: 2, vote: null, commit: 2 });
  const r = core(s);
  assert.equal(r.peers, ['n1', 'n3']);
  assert.is(r.status().confPending, true);
  // The configuration at each index, for snapshots taken there.
  assert.equal(r.configAt(1), IDS);
  assert.equal(r.configAt(2), ['n1', 'n2']);
  assert.equal(r.configAt(3), ['n1', 'n2']);
  assert.equal(r.configAt(4), ['n1', 'n3']);
});

test('a snapshot carries the configuration; entries after it override it', () => {
  const s = new MemoryStorage(IDS);
  s.append([noop(1, 1), conf(2, 1, ['n1', 'n2']), noop(3, 1)]);
  s.createSnapshot(3, '', ['n1', 'n2']);
  s.setHardState({ term: 1, vote: null, commit: 3 });
  assert.equal(core(s).peers, ['n1', 'n2']);
  s.append([conf(4, 1, IDS)]);
  const r = core(s);
  assert.equal(r.peers, IDS);
  assert.equal(r.configAt(3), ['n1', 'n2']);
});

test('a truncated configuration entry no longer counts: the configuration falls back', () => {
  const c = new SimCluster({ seed: 1, n: 5 });
  c.one('x', 5);
  const l = c.checkOneLeader();
  const [a, b, d, e] = c.others(l);
  c.partition([
    [l, a],
    [b, d, e],
  ]);
  const res = c.changeMembership({ op: 'remove', node: b }, l);
  assert.ok(res.ok);
  c.run(5);
  assert.not.ok(c.raft(a).peers.includes(b), 'a follower uses the uncommitted configuration it holds');
  assert.ok(c.raft(a).status().confPending);
  // The majority elects its own leader, which overwrites the entry on a after the heal.
  c.run(100);
  c.connectAll();
  c.one('y', 5, true, 2000);
  assert.equal(c.raft(a).peers, [...c.ids].sort());
  assert.equal(c.raft(l).peers, [...c.ids].sort());
  assert.is(c.raft(a).status().confPending, false);
});

test(
  'the leader: not-leader on followers, unknown nodes refused, ' + 'unchanged when already so, one change at a time',
  () => {
    const c = new SimCluster({ seed: 2, n: 3 });
    c.one('x', 3);
    const l = c.checkOneLeader();
    const [f1, f2] = c.others(l);
    assert.equal(c.raft(f1).proposeConfChange({ op: 'remove', node: f2 }), { ok: false, reason: 'not-leader' });
    assert.equal(c.raft(l).proposeConfChange({ op: 'add', node: 'n9' }), { ok: false, reason: 'unknown-node' });
    assert.equal(c.raft(l).proposeConfChange({ op: 'add', node: f1 }), { ok: false, reason: 'unchanged' });
    c.disconnect(f1);
    c.disconnect(f2);
    const r1 = c.raft(l).proposeConfChange({ op: 'remove', node: f2 });
    assert.ok(r1.ok);
    assert.equal(c.raft(l).proposeConfChange({ op: 'add', node: f2 }), { ok: false, reason: 'pending' });
    assert.equal(c.raft(l).proposeConfChange({ op: 'remove', node: f2 }), { ok: false, reason: 'pending' });
    assert.is(c.raft(l).quiesce(), false);
    // A removed server is no transfer target.
    assert.is(c.raft(l).transferLeadership(f2), false);
  },
);

test('the planted bug conf-concurrent accepts a second change while one is uncommitted', () => {
  const c = new SimCluster({ seed: 2, n: 5, bugs: ['conf-concurrent'] });
  c.one('x', 5);
  const l = c.checkOneLeader();
  for (const f of c.others(l)) c.disconnect(f);
  const [a, b] = c.others(l);
  assert.ok(c.raft(l).proposeConfChange({ op: 'remove', node: a }).ok);
  assert.ok(c.raft(l).proposeConfChange({ op: 'remove', node: b }).ok);
});

test('a removed leader counts only the new voters, steps down once its removal commits, and hands over at once', () => {
  const c = new SimCluster({ seed: 3, n: 3 });
  c.one('x', 3);
  const l = c.checkOneLeader();
  const res = c.changeMembership({ op: 'remove', node: l }, l);
  assert.ok(res.ok);
  const idx = res.ok ? res.index : 0;
  assert.is(c.raft(l).role, 'leader', 'it manages the cluster until the removal commits');
  assert.ok(
    c.until(() => c.raft(l).role !== 'leader', 20),
    'the removed leader never stepped down',
  );
  assert.ok(c.raft(l).log.committed >= idx, 'stepped down before its removal committed');
  // The TimeoutNow it sent makes a voter campaign at once, well within an election timeout (10 ticks).
  const t0 = c.now;
  assert.ok(
    c.until(() => c.others(l).some((x) => c.raft(x).role === 'leader'), 8),
    'no voter took over promptly',
  );
  assert.ok(c.now - t0 < 8);
  // The removed server does not campaign.
  const term = c.raft(l).term;
  c.run(100);
  assert.is(c.raft(l).role, 'follower');
  assert.is(c.raft(l).term, term, 'the removed server started elections');
  assert.not.ok(c.raft(l).peers.includes(l));
});

test.run();

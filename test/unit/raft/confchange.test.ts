// Configuration tracking (system/raft/confchange.ts; diss. §4.1): the latest configuration entry in the log is in
// force, committed or not; a truncated one no longer counts; compaction folds entries into the base without
// changing the configuration at any index the log still holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { changeVoters, Configurations } from '../../../system/raft/confchange.js';
import { RaftLog } from '../../../system/raft/log.js';
import { MemoryStorage } from '../../../system/raft/memory-storage.js';
import { conf, noop } from '../../helpers/raft-entries.js';

const IDS = ['n1', 'n2', 'n3'];

test('diss. §4.1: the latest configuration entry is in force; a truncated one falls back to the one before', () => {
  const log = new RaftLog(new MemoryStorage(IDS));
  const c = new Configurations(['n3', 'n1', 'n2']);
  assert.equal(c.latest(), IDS, 'sorted');
  const ents = [noop(1, 1), conf(2, 1, ['n2', 'n1']), conf(3, 1, ['n1'])];
  log.append(ents);
  assert.ok(c.note(ents, log));
  assert.equal(c.latest(), ['n1']);
  assert.equal([c.at(1), c.at(2), c.at(3)], [IDS, ['n1', 'n2'], ['n1']]);
  assert.ok(c.pending(2));
  assert.not.ok(c.pending(3));
  // A new leader's entry replaces index 3: the configuration falls back to index 2's.
  log.append([noop(3, 2)]);
  assert.ok(c.note([noop(3, 2)], log));
  assert.equal(c.latest(), ['n1', 'n2']);
  assert.not.ok(c.note([], log), 'nothing changed');
});

test('§7: compacted configuration entries fold into the base; a snapshot restores its ConfState', () => {
  const s = new MemoryStorage(IDS);
  s.append([noop(1, 1), conf(2, 1, ['n1', 'n2']), noop(3, 1)]);
  const log = new RaftLog(s);
  const c = new Configurations(IDS);
  c.note(log.slice(1, 4)!, log);
  s.createSnapshot(3, '', c.at(3));
  const before = c.latest();
  assert.not.ok(c.note([], log), 'the configuration in force did not change');
  assert.is(c.latest(), before);
  assert.equal(c.at(3), ['n1', 'n2']);
  c.restore(['n3', 'n2']);
  assert.equal(c.latest(), ['n2', 'n3']);
});

test('diss. §4.1: a single-server change adds or removes one voter and keeps the set sorted', () => {
  assert.equal(changeVoters(['n1', 'n3'], { op: 'add', node: 'n2' }), IDS);
  assert.equal(changeVoters(IDS, { op: 'remove', node: 'n2' }), ['n1', 'n3']);
});

test.run();

// A Raft core that finds a broken invariant stops its node (crash-stop, which Raft tolerates), as a failed disk
// does: the node reports it once through onFatal (main.ts exits with one line) and nothing more is sent or applied.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodeHost } from '../../../system/node/host.js';
import { InvariantError } from '../../../system/raft/invariant.js';
import { testHost } from '../../helpers/node-host.js';

function withHost(run: (host: NodeHost, fatal: Error[]) => void): void {
  const fatal: Error[] = [];
  const t = testHost({ onFatal: (e) => fatal.push(e) });
  try {
    run(t.host, fatal);
  } finally {
    t.close();
  }
}

test('a broken invariant found on a tick stops the node once', () => {
  withHost((host, fatal) => {
    const g = host.groups.get(0)!;
    g.raft.log.committed = 7; // beyond the (empty) log: the core's next step must notice
    host.tick();
    assert.is(fatal.length, 1);
    assert.instance(fatal[0], InvariantError);
    assert.match(fatal[0].message, /^raft invariant broken: commit <= last index \(node a, commit 7, lastIndex 0\)$/);
    assert.ok(g.stopped, 'the group stopped');
    host.tick();
    assert.is(fatal.length, 1, 'reported once');
  });
});

test('a broken invariant found stepping a peer frame stops the node once', () => {
  withHost((host, fatal) => {
    host.groups.get(0)!.raft.log.committed = 7;
    host.deliver('b', { groups: { '0': [{ type: 'Heartbeat', from: 'b', to: 'a', term: 1, commit: 0 }] } });
    assert.is(fatal.length, 1);
    assert.match(fatal[0].message, /commit <= last index/);
  });
});

test.run();

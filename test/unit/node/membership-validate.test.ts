// POST /admin/membership bodies: every malformed one gets a one-line reason, and a node outside the shard's
// placement (voters are always a subset of it) is refused before anything reaches Raft.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateMembership } from '../../../system/node/membership.js';
import { place } from '../../../system/shard/placement.js';

const P = place(['n1', 'n2', 'n3', 'n4', 'n5'], 4, 3);
const inShard0 = P.replicas[0][0];
const outOfShard0 = P.nodes.find((n) => !P.replicas[0].includes(n))!;

test('a well-formed request for a placement replica passes', () => {
  assert.is(validateMembership({ op: 'remove', node: inShard0, shard: 0 }, P), undefined);
  assert.is(validateMembership({ op: 'add', node: inShard0, shard: 0 }, P), undefined);
});

test('malformed bodies are refused with a reason', () => {
  const cases: [unknown, RegExp][] = [
    [null, /JSON object/],
    [[1], /JSON object/],
    ['x', /JSON object/],
    [{ op: 'drop', node: inShard0, shard: 0 }, /op must be/],
    [{ op: 'add', node: '', shard: 0 }, /node must be/],
    [{ op: 'add', node: 3, shard: 0 }, /node must be/],
    [{ op: 'add', node: inShard0, shard: 4 }, /shard must be an integer in \[0, 4\)/],
    [{ op: 'add', node: inShard0, shard: 1.5 }, /shard must be/],
    [{ op: 'add', node: inShard0 }, /shard must be/],
    [{ op: 'add', node: inShard0, shard: 0, extra: 1 }, /unknown field "extra"/],
    [{ op: 'add', node: 'n9', shard: 0 }, /unknown node id "n9"/],
    [{ op: 'add', node: outOfShard0, shard: 0 }, /not a placement replica of shard 0/],
  ];
  for (const [body, re] of cases) {
    const why = validateMembership(body, P);
    assert.ok(why !== undefined, JSON.stringify(body));
    assert.match(why!, re);
    assert.not.match(why!, /\n/);
  }
});

test.run();

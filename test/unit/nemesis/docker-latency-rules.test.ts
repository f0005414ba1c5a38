// The docker latency steering as pure data: which dials go through the relay, and the OUTPUT rules for them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { steeredLinks, steeringRules } from '../../../harness/runtime/docker/latency.js';

test('a dial x → y is steered exactly when x or y has latency', () => {
  const links = steeredLinks(['n1', 'n2', 'n3'], new Set(['n2']));
  assert.equal(links, [
    ['n1', 'n2'],
    ['n2', 'n1'],
    ['n2', 'n3'],
    ['n3', 'n2'],
  ]);
  assert.equal(steeredLinks(['n1', 'n2', 'n3'], new Set()), []);
  assert.is(steeredLinks(['n1', 'n2', 'n3'], new Set(['n1', 'n2', 'n3'])).length, 6);
});

test(
  'per steered peer: a tagged DNAT to the relay port on the gateway, ' +
    'and a reset for pre-existing direct connections',
  () => {
    const rules = steeringRules({
      runId: 'r1',
      gateway: '10.213.4.1',
      to: [{ ip: '10.213.4.12', port: 7000, relayPort: 41000 }],
    });
    const tag = ['-m', 'comment', '--comment', 'faultline:r1:latency'];
    assert.equal(rules, [
      {
        table: 'nat',
        rule: [
          '-d',
          '10.213.4.12',
          '-p',
          'tcp',
          '--dport',
          '7000',
          ...tag,
          '-j',
          'DNAT',
          '--to-destination',
          '10.213.4.1:41000',
        ],
      },
      {
        table: 'filter',
        rule: [
          '-d',
          '10.213.4.12',
          '-p',
          'tcp',
          '--dport',
          '7000',
          ...tag,
          '-j',
          'REJECT',
          '--reject-with',
          'tcp-reset',
        ],
      },
    ]);
  },
);

test.run();

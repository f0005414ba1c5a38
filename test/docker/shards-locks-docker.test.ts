// The sharded cluster, locks and fenced data end to end in Docker (see test/helpers/run-cases.ts). Only the cases
// whose outcome depends on the runtime run here: the sharded kv under every fault the docker runtime injects, and
// the planted bug only clock faults reveal (the docker runtime writes the clock through the engine). The others
// (valid lock and fenced-counter runs, wrong-shard and lock-no-fence with no nemesis at all) test the cluster, not
// the runtime, and run on the local runtime in test/e2e/shards-locks-local.test.ts; running them twice cost CI
// about two minutes.
import { test } from 'uvu';
import { dockerTest } from '../helpers/docker.js';
import { runCase, SHARD_LOCK_CASES } from '../helpers/run-cases.js';

const RUNTIME_SENSITIVE = [/^kv on 5 nodes/, /^planted lease-local-clock/];

for (const c of SHARD_LOCK_CASES.filter((c) => RUNTIME_SENSITIVE.some((r) => r.test(c.name))))
  dockerTest(test, `docker: ${c.name}`, () => runCase('docker', c));

test('docker: the runtime-sensitive cases are still among the shared cases', () => {
  for (const r of RUNTIME_SENSITIVE) if (!SHARD_LOCK_CASES.some((c) => r.test(c.name))) throw new Error(`${r} gone`);
});

test.run();

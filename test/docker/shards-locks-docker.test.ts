// The sharded cluster, locks and fenced data end to end in Docker (see test/helpers/run-cases.ts).
import { test } from 'uvu';
import { dockerTest } from '../helpers/docker.js';
import { runCase, SHARD_LOCK_CASES } from '../helpers/run-cases.js';

for (const c of SHARD_LOCK_CASES) dockerTest(test, `docker: ${c.name}`, () => runCase('docker', c));

test.run();

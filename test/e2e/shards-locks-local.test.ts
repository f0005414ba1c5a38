// The sharded cluster, locks and fenced data end to end on the local runtime (see test/helpers/run-cases.ts).
import { test } from 'uvu';
import { runCase, SHARD_LOCK_CASES } from '../helpers/run-cases.js';

for (const c of SHARD_LOCK_CASES) test(`local: ${c.name}`, () => runCase('local', c));

test.run();

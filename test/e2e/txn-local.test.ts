// Transactions end to end on the local runtime (test/helpers/txn-run-cases.ts): list-append valid on the
// correct cluster under faults, and each planted transaction bug caught with its anomaly in the report.
import { test } from 'uvu';
import { runCase } from '../helpers/run-cases.js';
import { TXN_BUG_CASES, validListAppendRun } from '../helpers/txn-run-cases.js';

test('local: list-append under partition, kill and pause is strict serializable, mostly across shards', () =>
  validListAppendRun('local'));

for (const c of TXN_BUG_CASES) test(`local: ${c.name}`, () => runCase('local', c));

test.run();

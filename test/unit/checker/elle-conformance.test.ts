// Every case of ../shared/conformance/elle (Elle's own test suite and elle-cli's histories, transcribed with the
// verdicts Elle asserts): our transactional checker must agree on the verdict, the anomaly types (exactly, or at
// least those listed where the case says the list is a lower bound) and Elle's :not set where the source asserts
// one. The cases are read through the same readers as `faultline check` (EDN and elle-cli JSON).
//
// Where Elle is known to be wrong the case still decides (README: knownBug). rw-register/elle-cli-rw-register
// reads x = 3, which nobody wrote; Elle calls it valid (its own test "Read doesn't return what was just been
// written" says this is a bug), and so do we: rw-register infers nothing from a read without a writer. A stricter
// checker would report a garbage read (the Elle paper §6.1), which Elle's checker does not look for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTxn } from '../../../harness/checker/txn/check.js';
import type { TxnCheckOptions, TxnModel } from '../../../harness/checker/txn/types.js';
import { readHistoryFile } from '../../../harness/history/readers/index.js';
import { ELLE_CONFORMANCE_DIR } from '../../helpers/paths.js';

interface Case {
  model: TxnModel;
  valid: true | false | 'unknown';
  anomalies: string[];
  anomaliesAtLeast?: boolean;
  consistencyModels: string[] | null;
  options: Record<string, unknown>;
  notModels?: string[];
  knownBug?: boolean;
}

const cases = Object.entries(
  JSON.parse(readFileSync(join(ELLE_CONFORMANCE_DIR, 'expected.json'), 'utf8')) as Record<string, Case>,
);

/** A case's options as our checker takes them (Elle's keyword names, without the colon). */
export function caseOptions(c: Case): TxnCheckOptions {
  const o = c.options;
  return {
    consistencyModels: c.consistencyModels,
    anomalies: o.anomalies as string[] | undefined,
    linearizableKeys: o['linearizable-keys?'] === true,
    sequentialKeys: o['sequential-keys?'] === true,
    wfrKeys: o['wfr-keys?'] === true,
    transactionOrder: o['transaction-order'] as Record<string, number> | undefined,
  };
}

test('the manifest lists 57 cases', () => {
  assert.is(cases.length, 57);
});

// Each case is read both ways: micro-ops as values on the events, and in columns (what `check --model` reads).
for (const [rel, c] of cases) {
  test(`${rel}: ${JSON.stringify(c.valid)} ${c.anomalies.join(' ') || '(no anomalies)'}`, async () => {
    for (const txns of [false, true]) {
      const h = await readHistoryFile(join(ELLE_CONFORMANCE_DIR, rel), { txns });
      const r = checkTxn(h.events, c.model, caseOptions(c), rel, h.txns);
      const how = txns ? ' (columns)' : '';
      assert.is(r.valid, c.valid, `verdict${how}`);
      if (c.anomaliesAtLeast) for (const a of c.anomalies) assert.ok(r.anomalyTypes.includes(a), `${a} found${how}`);
      else assert.equal(r.anomalyTypes, c.anomalies, `anomaly types${how}`);
      if (c.notModels) assert.equal(r.not, [...c.notModels].sort(), `:not${how}`);
    }
  });
}

test.run();

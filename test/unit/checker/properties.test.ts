// Property tests: histories linearizable by construction pass; the same histories with one read changed to a
// value never written fail. Seeds are fixed so a failure is reproducible; the seed is in the test name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getModel } from '../../../harness/checker/models/registry.js';
import { checkOperations } from '../../../harness/checker/porcupine/index.js';
import type { HistoryEvent } from '../../../harness/history/op.js';
import { corruptOneRead, syntheticRegisterHistory } from '../../fixtures/synthetic-history.js';

function verdict(model: string, events: HistoryEvent[]) {
  const { model: m, toOperations } = getModel(model).create({});
  return checkOperations(m, toOperations(events), { timeoutMs: 20_000 });
}

for (let seed = 1; seed <= 40; seed++) {
  const clients = 2 + (seed % 5);
  const infoRate = seed % 3 === 0 ? 0.1 : 0;
  test(`cas-register seed ${seed}: linearizable by construction passes, one corrupted read fails`, () => {
    const h = syntheticRegisterHistory({ seed, ops: 60, clients, keys: 0, infoRate });
    assert.is(verdict('cas-register', h).verdict, 'ok');
    const bad = verdict('cas-register', corruptOneRead(h, seed));
    assert.is(bad.verdict, 'illegal');
    const p = bad.partitions.find((x) => x.verdict === 'illegal')!;
    assert.ok(p.longest && p.longest.length > 0, 'an illegal partition reports its longest linearizable prefix');
    assert.ok(p.offending && p.offending.length > 0, 'and the operation that could not be placed');
  });
}

for (let seed = 100; seed <= 115; seed++) {
  test(`kv-register seed ${seed}: per-key partitions, corrupted read fails`, () => {
    const h = syntheticRegisterHistory({ seed, ops: 400, clients: 8, keys: 10, infoRate: 0.05 });
    const good = verdict('kv-register', h);
    assert.is(good.verdict, 'ok');
    assert.ok(good.partitions.length > 1 && good.partitions.length <= 10);
    assert.is(verdict('kv-register', corruptOneRead(h, seed)).verdict, 'illegal');
  });
}

test('a timeout gives unknown, never a wrong verdict', () => {
  // A hard, large single-register history with many indeterminate writes.
  const h = syntheticRegisterHistory({ seed: 7, ops: 3000, clients: 30, keys: 0, infoRate: 0.3, maxValue: 3 });
  const { model, toOperations } = getModel('cas-register').create({});
  const r = checkOperations(model, toOperations(h), { timeoutMs: 1 });
  assert.ok(r.verdict === 'unknown' || r.verdict === 'ok', `got ${r.verdict}`);
});

test.run();

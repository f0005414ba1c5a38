// The general search's own guarantees: a bounded cache (a tiny budget empties the cache and refills it, never
// throws, and the verdicts stay right), the portfolio of candidate orders agreeing with each order alone, and
// read-only forcing and lazy info operations giving the same verdicts as a search without those hints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getModel } from '../../../harness/checker/models/registry.js';
import { checkOperations } from '../../../harness/checker/porcupine/index.js';
import { CacheBudget, ConfigCache, LinearizedSet } from '../../../harness/checker/porcupine/cache.js';
import { PartitionSearch } from '../../../harness/checker/porcupine/search.js';
import type { Model, Operation } from '../../../harness/checker/porcupine/types.js';
import {
  corruptOneRead,
  perturbHistory,
  syntheticKvHistory,
  syntheticRegisterHistory,
} from '../../fixtures/synthetic-history.js';
import type { HistoryEvent } from '../../../harness/history/op.js';

function searchOnly(): Model {
  return { ...getModel('cas-register').create({}).model, decide: undefined };
}
const opsOf = (events: ReturnType<typeof syntheticRegisterHistory>) =>
  getModel('cas-register').create({}).toOperations(events);

test('ConfigCache: a budget too small for the entries empties the cache instead of throwing', () => {
  const budget = new CacheBudget(64 * 1024);
  const set = new LinearizedSet(4000); // 125 words per entry
  const cache = new ConfigCache<number>(set.bits.length, {}, budget);
  let added = 0;
  for (let i = 0; i < 4000; i++) {
    set.toggle(i);
    if (cache.addIfAbsent(set, i)) added++;
  }
  assert.is(added, 4000, 'every new configuration is accepted');
  assert.ok(budget.evictions > 0, 'the cache was emptied at least once');
  assert.ok(budget.used <= budget.limit, `stays within the budget (${budget.used} bytes)`);
  cache.release();
  assert.is(budget.used, 0, 'release gives the memory back');
});

test('a search with a tiny cache budget still gets every verdict right', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const h = syntheticRegisterHistory({ seed, ops: 40, clients: 4, keys: 0, infoRate: 0.1 });
    for (const events of [h, corruptOneRead(h, seed)]) {
      const ops = opsOf(events);
      const free = checkOperations(searchOnly(), ops, { computeInfo: false }).verdict;
      const tight = checkOperations(searchOnly(), ops, { computeInfo: false, cacheBytes: 4096 });
      assert.is(tight.verdict, free, `seed ${seed}`);
    }
  }
});

test('a large hard history with a small budget: unknown at the deadline, never a crash, memory given back', () => {
  const ops = opsOf(syntheticRegisterHistory({ seed: 4, ops: 60_000, clients: 50, keys: 0, infoRate: 0.01 }));
  const r = checkOperations(searchOnly(), ops, { computeInfo: true, timeoutMs: 1500, cacheBytes: 8 * 1024 * 1024 });
  assert.ok(r.verdict === 'unknown' || r.verdict === 'ok', r.verdict);
  if (r.verdict === 'unknown') assert.ok((r.partitions[0].deepest ?? 0) > 0, 'reports how far it got');
});

test('urgent-first and plain order, with and without the read-only and lazy hints, agree on 600 histories', () => {
  const base = searchOnly();
  const bare: Model = { ...base, readOnly: undefined, alwaysLegal: undefined };
  for (let seed = 1; seed <= 300; seed++) {
    const h = syntheticRegisterHistory({
      seed,
      ops: 8 + (seed % 25),
      clients: 2 + (seed % 4),
      keys: 0,
      infoRate: [0, 0.2, 0.4][seed % 3],
      maxValue: 3,
    });
    for (const events of [h, perturbHistory(h, seed)]) {
      const ops = opsOf(events).sort((a, b) => a.call - b.call || a.ret - b.ret) as Operation[];
      const verdicts = [
        new PartitionSearch(base, ops, false, undefined, true),
        new PartitionSearch(base, ops, false, undefined, false),
        new PartitionSearch(bare, ops, false, undefined, false),
      ].map((s) => s.run(1e9));
      assert.ok(
        verdicts.every((v) => v === verdicts[2]),
        `seed ${seed}: ${verdicts.join(' ')}`,
      );
    }
  }
});

test('kv: abandoning hopeless gets gives the same verdicts as waiting for their returns, on 400 histories', () => {
  const spec = getModel('kv');
  let illegal = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const h = syntheticKvHistory({
      seed,
      ops: 10 + (seed % 30),
      clients: 2 + (seed % 4),
      keys: 1 + (seed % 2),
      infoRate: seed % 3 === 0 ? 0.2 : 0,
    });
    // The changed history: one get answers another get's value (often one that no longer fits).
    const gets = h.map((e, i) => [e, i] as const).filter(([e]) => e.type === 'ok' && e.f === 'get');
    const bad: HistoryEvent[] =
      gets.length < 2
        ? h
        : h.map((e, i) =>
            i === gets[seed % gets.length][1] ? { ...e, value: gets[(seed + 1) % gets.length][0].value } : e,
          );
    for (const events of [h, bad]) {
      const a = spec.create({});
      const b = spec.create({});
      const ops = a.toOperations(events);
      const withHint = checkOperations(a.model, ops, { computeInfo: false }).verdict;
      const without = checkOperations({ ...b.model, hopeless: undefined }, ops, { computeInfo: false }).verdict;
      assert.is(withHint, without, `seed ${seed}`);
      if (withHint === 'illegal') illegal++;
    }
  }
  assert.ok(illegal > 50, `${illegal} illegal histories among 400`);
});

test.run();

// The transactional checker's parts: Elle's model map, Tarjan, the bounded cycle search, list-append's version
// order, every non-cycle anomaly planted in a valid history, and the readers and writers of txn ops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PLANTS, serializableHistory, withPlant } from '../../../bench/txn-gen.js';
import { checkTxn } from '../../../harness/checker/txn/check.js';
import { boundary } from '../../../harness/checker/txn/consistency-model.js';
import { cycleStarts, searchCycle } from '../../../harness/checker/txn/cycle-search.js';
import { CYCLE_SPECS } from '../../../harness/checker/txn/cycle-specs.js';
import { buildCsr, EdgeList } from '../../../harness/checker/txn/graph.js';
import { indexTxns } from '../../../harness/checker/txn/history-index.js';
import { appendIndexes } from '../../../harness/checker/txn/list-append-indexes.js';
import { RW, WR, WW } from '../../../harness/checker/txn/rels.js';
import { tarjan } from '../../../harness/checker/txn/scc.js';
import type { HistoryEvent } from '../../../harness/history/op.js';
import { parseHistory } from '../../../harness/history/readers/index.js';
import { toEdn, toJsonArray, toJsonl } from '../../../harness/history/readers/write.js';

test("boundary: Elle's friendly-boundary-test cases", () => {
  assert.equal(boundary(['G-single-realtime']), {
    not: ['strong-snapshot-isolation'],
    alsoNot: ['strong-serializable'],
  });
  assert.equal(boundary(['internal']).not, ['read-atomic']);
  assert.equal(boundary(['lost-update']).not, ['cursor-stability', 'update-atomic']);
  assert.equal(boundary(['G1a']).not, ['read-committed']);
  assert.equal(boundary(['cyclic-versions']).not, ['read-uncommitted']);
  assert.equal(boundary([]), { not: [], alsoNot: [] });
});

test('tarjan: components of a graph, iteratively (a 200k-vertex cycle does not overflow the stack)', () => {
  const l = new EdgeList();
  l.add(0, 1, WW);
  l.add(1, 0, WR);
  l.add(1, 2, WW);
  l.add(3, 4, RW);
  l.add(4, 3, RW);
  const comps = tarjan(buildCsr(5, [l])).map((c) => [...c].sort());
  assert.equal(comps.sort(), [
    [0, 1],
    [3, 4],
  ]);
  assert.equal(tarjan(buildCsr(5, [l]), WW), [], 'no cycle of ww edges only');
  const n = 200_000;
  const big = new EdgeList();
  for (let i = 0; i < n; i++) big.add(i, (i + 1) % n, WW);
  assert.is(tarjan(buildCsr(n, [big]))[0].length, n);
});

test('cycle search: finds the pattern, and stops at its step budget', () => {
  const l = new EdgeList();
  l.add(0, 1, WW);
  l.add(1, 2, WR);
  l.add(2, 0, RW);
  const g = buildCsr(3, [l]);
  const spec = (t: string) => CYCLE_SPECS.find((s) => s.type === t)!;
  const budget = () => ({ steps: 1e6, deadline: performance.now() + 60_000, used: 0 });
  const r = searchCycle(g, spec('G-single-item'), budget(), () => true);
  assert.ok(r && 'cycle' in r && r.cycle.length === 3);
  assert.is(
    searchCycle(g, spec('G0'), budget(), () => true),
    undefined,
    'no all-ww cycle',
  );
  assert.is(
    searchCycle(g, spec('G2-item'), budget(), () => true),
    undefined,
    'only one rw edge',
  );
  const tiny = { steps: 1, deadline: performance.now() + 60_000, used: 0 };
  assert.equal(
    searchCycle(g, spec('G-single-item'), tiny, () => true),
    { exhausted: true },
  );
});

test('cycle starts: only vertices that can walk back to themselves in the pattern are searched from', () => {
  // A G-single cycle 0 -rw-> 1 -wr-> 2 -ww-> 0, and 3, 4 in the same component through ww edges only.
  const l = new EdgeList();
  l.add(0, 1, RW);
  l.add(1, 2, WR);
  l.add(2, 0, WW);
  l.add(2, 3, WW);
  l.add(3, 4, WW);
  l.add(4, 2, WW);
  const g = buildCsr(5, [l]);
  const spec = (t: string) => CYCLE_SPECS.find((s) => s.type === t)!;
  // A G-single walk must open with its rw edge: only 0 can start one.
  assert.equal([...cycleStarts(g, spec('G-single-item'))!], [1, 0, 0, 0, 0]);
  // ww-only cycles run through 2, 3 and 4.
  assert.equal([...cycleStarts(g, spec('G0'))!], [0, 0, 1, 1, 1]);
  // A closed walk may go round twice (two rw edges), so 0 may start a G2 walk; the search itself, which wants a
  // cycle, finds none.
  assert.equal([...cycleStarts(g, spec('G2-item'))!].slice(1), [0, 0, 0, 0]);
  const budget = { steps: 1e6, deadline: performance.now() + 60_000, used: 0 };
  assert.is(
    searchCycle(g, spec('G2-item'), budget, () => true),
    undefined,
  );
});

test('a search that runs out of budget never turns a cycle into silence', () => {
  const base = serializableHistory({ txns: 500, seed: 3 });
  for (const p of PLANTS.filter((x) => /^G/.test(x.expect))) {
    const r = checkTxn(withPlant(base, p, 0), 'list-append', { cycleSearchSteps: 1 });
    assert.is.not(r.valid, true, p.expect);
    if (!r.anomalyTypes.includes(p.expect) && !r.anomalyTypes.includes('G1a') && !r.anomalyTypes.includes('G1b'))
      assert.ok(r.anomalyTypes.includes('cycle-search-timeout'), `${p.expect}: ${r.anomalyTypes}`);
  }
});

const txn = (i: number, type: HistoryEvent['type'], p: number, value: unknown): HistoryEvent => ({
  index: i,
  type,
  process: p,
  f: 'txn',
  value,
});

test('list-append version order: the longest read, duplicates dropped; a lone append stands in for a read', () => {
  const x = indexTxns([
    txn(0, 'invoke', 0, [['append', 'k', 1]]),
    txn(1, 'ok', 0, [['append', 'k', 1]]),
    txn(2, 'invoke', 0, [
      ['r', 'k', null],
      ['append', 'j', 9],
    ]),
    txn(3, 'ok', 0, [
      ['r', 'k', [1, 2, 1]],
      ['append', 'j', 9],
    ]),
  ]);
  const { ix } = appendIndexes(x);
  const order = (k: number) => [...ix.order.subarray(ix.orderStart[k], ix.orderStart[k] + ix.orderLen[k])];
  assert.equal(
    order(0).map((v) => x.values[v]),
    [1, 2],
  );
  assert.equal(
    order(1).map((v) => x.values[v]),
    [9],
  );
});

test('a valid concurrent history is valid; each planted anomaly is found with its name', () => {
  const base = serializableHistory({ txns: 2000, clients: 10, keys: 10, writesPerKey: 20, seed: 5 });
  assert.is(checkTxn(base, 'list-append').valid, true);
  assert.is(checkTxn(serializableHistory({ txns: 500, model: 'rw-register', seed: 2 }), 'rw-register').valid, true);
  PLANTS.forEach((p, i) => {
    const r = checkTxn(withPlant(base, p, i), 'list-append');
    assert.is(r.valid, false, p.expect);
    assert.ok(r.anomalyTypes.includes(p.expect), `${p.expect} in ${r.anomalyTypes}`);
  });
});

test('a cycle is explained step by step with history indexes', () => {
  const base = serializableHistory({ txns: 200, seed: 9 });
  const r = checkTxn(withPlant(base, PLANTS[1], 0), 'list-append');
  const c = r.anomalies.G1c[0] as { steps: { text: string }[]; txns: { index: number }[] };
  assert.is(c.steps.length, 2);
  assert.match(c.steps[0].text, /read T\d's append of 1 to key "planted-0-[xy]", so T\d precedes T\d/);
  assert.ok(c.txns.every((t) => t.index > 0));
});

test('readers: EDN keywords stay distinct from strings; elle-cli JSON without "f"; export round trips', () => {
  const edn = parseHistory(
    '{:index 0 :type :invoke :process 0 :f :txn :value [[:append :x 1] [:r "x" nil] [:r 5]]}\n' +
      '{:index 1 :type :ok :process 0 :f :txn :value [[:append :x 1] [:r "x" [2]] [:r 5 nil]]}\n',
  );
  assert.equal(edn.events[1].value, [
    ['append', ':x', 1],
    ['r', 'x', [2]],
    ['r', 5, null],
  ]);
  const json = parseHistory(
    '[{"index":0,"process":1,"type":"invoke","value":[["append",1,2]]},\n' +
      '{"index":1,"process":1,"type":"ok","value":[["append",1,2]]}]',
  );
  assert.is(json.events[0].f, 'txn');
  for (const text of [toEdn(edn), toJsonArray(edn), toJsonl(edn)]) {
    const back = parseHistory(text);
    assert.equal(
      back.events.map((e) => e.value),
      edn.events.map((e) => e.value),
    );
  }
  assert.match(toEdn(edn), /\[:append :x 1\] \[:r "x" \[2\]\]/);
  const noProcess = parseHistory('{:type :ok, :value [[:append 1 2]]}');
  assert.is(noProcess.events[0].process, undefined, "Elle's files: not a client op");
});

test.run();

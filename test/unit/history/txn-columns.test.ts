// Transactions read into columns (what `check --model list-append|rw-register` reads) must be the transactions the
// general reader gives as values: the EDN fast path, its roll-backs (a transaction-shaped value whose :f is not txn,
// shapes it leaves to the general reader), and the JSONL and JSON readers feeding the same columns.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { indexTxns, txnValue } from '../../../harness/checker/txn/history-index.js';
import { HistoryError } from '../../../harness/history/op.js';
import { parseHistory, readHistoryFile } from '../../../harness/history/readers/index.js';
import { TaggedValue } from '../../../harness/history/tagged.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-cols-'));
let n = 0;

/** The history read both ways: [transactions from values, transactions from columns, events of the latter]. */
async function both(text: string, ext = 'edn') {
  const p = join(dir, `c${n++}.${ext}`);
  writeFileSync(p, text);
  const plain = await readHistoryFile(p);
  const cols = await readHistoryFile(p, { txns: true });
  const a = indexTxns(plain.events, p);
  const b = indexTxns(cols.events, p, cols.txns);
  const txns = (x: typeof a) => Array.from({ length: x.n }, (_, t) => txnValue(x, t));
  return { values: txns(a), columns: txns(b), events: cols.events, plain: plain.events };
}

const EDN = `[{:type :invoke, :f :txn, :value [[:append :x 1] [:r :x nil] [:r 7 nil]], :process 0, :index 0}
 {:type :ok, :f :txn, :value [[:append :x 1] [:r :x [1]] [:r 7 []]], :process 0, :index 1}
 {:type :invoke, :f :txn, :value ([:append "x" 2] (:r :y)), :process 1}
 {:type :ok, :f :txn, :value ([:append "x" 2] (:r :y [1 "two" :three 4N 123456789012345678901])), :process 1}
 {:type :invoke, :value [[r x nil] [append x 3]], :process 2}
 {:type :info, :value [[r x nil] [append x 3]], :process 2}
 {:type :invoke, :f :txn, :value [[:w [1 2] #inst "2024"] [:r {:a 1} 5]], :process 3}
 {:type :ok, :f :txn, :value [[:w [1 2] #inst "2024"] [:r {:a 1} 5]], :process 3}
 {:type :invoke, :f :txn, :value [[:append 9 1] #_ [:r 9 nil] [:r 9 nil]], :process 4}
 {:type :fail, :f :txn, :value [[:append 9 1] [:r 9 nil]], :process 4}
 {:value [[:append 9 2] [:r 9 [2]]], :type :invoke, :process 5, :f :txn}
 {:value [[:append 9 2] [:r 9 [2]]], :type :ok, :process 5, :f :txn, :time 99}]`;

test('EDN: the fast path reads the same transactions as the general reader, keys and values exactly', async () => {
  const { values, columns, events } = await both(EDN);
  assert.equal(columns, values);
  assert.is(columns.length, 6);
  assert.equal(columns[0], [
    ['append', ':x', 1],
    ['r', ':x', [1]],
    ['r', 7, []],
  ]);
  assert.equal(columns[1][1], ['r', ':y', [1, 'two', ':three', 4, 123456789012345678901n]]);
  assert.equal(columns[2], [
    ['r', 'x', null],
    ['append', 'x', 3],
  ]);
  assert.equal(columns[3][0], ['w', [1, 2], new TaggedValue('inst', '2024')]);
  assert.equal(columns[4], [
    ['append', 9, 1],
    ['r', 9, null],
  ]);
  // Events read into columns carry no value; everything else is as the general reader gives it.
  assert.is(events[1].value, undefined);
  assert.is(events[11].time, 99);
  assert.equal(events[11].sourceIndex, undefined);
  assert.equal(events[1].sourceIndex, 1);
});

test('EDN: a transaction-shaped value that is not a transaction (its :f) is read again as a plain value', async () => {
  const text =
    '{:process 0 :type :invoke :value [[:append :x 1]] :f :write}\n' +
    '{:process 0 :type :ok :value [[:append :x 1]] :f :write}\n' +
    '{:process 1 :type :invoke :f :txn :value [[:append :x 2]]}\n';
  const p = join(dir, 'notxn.edn');
  writeFileSync(p, text);
  const h = await readHistoryFile(p, { txns: true });
  assert.equal(h.events[0].value, [[':append', ':x', 1]]);
  assert.equal(h.events[1].value, [[':append', ':x', 1]]);
  assert.is(h.events[2].value, undefined);
  assert.equal(h.txns!.plainValue(2), [['append', ':x', 2]]);
  // ... and the checker refuses it as it refuses a non-transactional op from the general reader.
  assert.throws(
    () => indexTxns(h.events, p, h.txns),
    (e: unknown) =>
      e instanceof HistoryError && e.line === 1 && /operation "write" is not a transaction/.test(e.message),
  );
});

test('malformed transactions are refused with the same message and line either way', async () => {
  for (const [text, re] of [
    ['{:process 0 :type :invoke :f :txn :value [[:append :x nil]]}\n', /:1: append of :x needs a value, got nil/],
    [
      '{:process 0 :type :invoke :f :txn :value [[:r 1 nil]]}\n{:process 0 :type :ok :f :txn :value [[:frob 1 2]]}\n',
      /:2: micro-op function must be r, append or w, got ":frob"/,
    ],
    ['{:process 0 :type :invoke :f :txn :value 7}\n', /:1: a transaction's value must be a list of micro-ops, got 7/],
    ['{:process 0 :type :invoke :f :txn :value [[:r 1 nil 2 3]]}\n', /:1: micro-op must be \[f, key, value\]/],
  ] as const) {
    const p = join(dir, `bad${n++}.edn`);
    writeFileSync(p, text);
    for (const txns of [false, true]) {
      const h = await readHistoryFile(p, { txns });
      try {
        indexTxns(h.events, p, h.txns);
        assert.unreachable('should refuse');
      } catch (e) {
        assert.instance(e, HistoryError);
        assert.match((e as HistoryError).oneLine(), re);
      }
    }
  }
});

test('JSONL and elle-cli JSON feed the same columns', async () => {
  const lines = [
    '{"type":"invoke","process":0,"f":"txn","value":[["append","x",1],["r","x",null]]}',
    '{"type":"ok","process":0,"f":"txn","value":[["append","x",1],["r","x",[1]]]}',
    '{"type":"invoke","process":1,"f":"txn","value":[["r","x",null]]}',
    '{"type":"ok","process":1,"f":"txn","value":[["r","x",[1,9007199254740993]]]}',
  ];
  const jsonl = await both(`${lines.join('\n')}\n`, 'jsonl');
  assert.equal(jsonl.columns, jsonl.values);
  assert.equal(jsonl.columns[1], [['r', 'x', [1, 9007199254740993n]]]);
  const json = await both(`[${lines.join(',\n')}]\n`, 'json');
  assert.equal(json.columns, json.values);
  assert.equal(parseHistory(`${lines.join('\n')}\n`, { txns: true }).txns!.plainValue(1), jsonl.columns[0]);
});

test('EDN: a long history crosses many read chunks on the fast path and reads the same', async () => {
  const ops: string[] = [];
  for (let i = 0; i < 30_000; i++) {
    const k = i % 50;
    const read = Array.from({ length: (i % 40) + 1 }, (_, j) => j + 1).join(' ');
    ops.push(
      `{:type :invoke, :f :txn, :value [[:append ${k} ${i}] [:r ${k} nil]], :process ${i % 5}, :index ${2 * i}}`,
    );
    ops.push(`{:type :ok, :f :txn, :value [[:append ${k} ${i}] [:r ${k} [${read}]]], :process ${i % 5}}`);
  }
  const { values, columns } = await both(`${ops.join('\n')}\n`);
  assert.is(columns.length, 30_000);
  assert.equal(columns, values);
});

test.run();

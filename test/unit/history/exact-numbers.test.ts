// Issue 14 item 4: verdicts must not change because of how numbers are stored. Big integers stay exact through
// every reader and canon(); NaN equals NaN for a register; nesting beyond the stated depth is a clean error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canon } from '../../../harness/checker/models/values.js';
import { EdnReader } from '../../../harness/history/edn.js';
import { MAX_VALUE_DEPTH, parseJsonLine } from '../../../harness/history/json-exact.js';
import { HistoryError } from '../../../harness/history/op.js';
import { parseHistory } from '../../../harness/history/readers/index.js';
import { getModel } from '../../../harness/checker/models/registry.js';
import { checkOperations } from '../../../harness/checker/porcupine/index.js';
import { ednRegister, jsonlRegister } from '../../helpers/register.js';

function verdict(text: string, model = 'cas-register'): string {
  const h = parseHistory(text);
  const { model: m, toOperations } = getModel(model).create({});
  return checkOperations(m, toOperations(h.events.filter((e) => e.process !== 'nemesis'))).verdict;
}

test('JSONL: 9007199254740993 written, 9007199254740992 read is INVALID (it was called valid)', () => {
  assert.is(verdict(jsonlRegister('9007199254740993', '9007199254740992')), 'illegal');
  assert.is(verdict(jsonlRegister('9007199254740993', '9007199254740993')), 'ok');
  assert.is(verdict(jsonlRegister('[1,18446744073709551617]', '[1,18446744073709551616]')), 'illegal');
  assert.is(verdict(jsonlRegister('[1,18446744073709551617]', '[1,18446744073709551617]')), 'ok');
});

test('JSONL: big integers come back as BigInt, small ones and decimals as numbers', () => {
  assert.is((parseJsonLine('{"v":9007199254740993}') as { v: unknown }).v, 9007199254740993n);
  assert.equal(parseJsonLine('{"v":[9007199254740991,-9007199254740993,1.25,"12345678901234567890"]}'), {
    v: [9007199254740991, -9007199254740993n, 1.25, '12345678901234567890'],
  });
  // The exact parser agrees with JSON.parse wherever JSON.parse is exact.
  const same = '{"a":[1,2.5e3,-0.5,true,false,null,{"b":"x\\"y\\u0041"}],"__proto__":1,"n":1234567890123456}';
  assert.equal(parseJsonLine(same), JSON.parse(same));
  assert.throws(() => parseJsonLine('{"a":12345678901234567,}'), /expected a string key|unexpected/);
});

test('canon: equal integers are equal whether number or bigint, different ones differ', () => {
  assert.is(canon(9007199254740993n), canon(9007199254740993n));
  assert.is.not(canon(9007199254740993n), canon(9007199254740992n));
  assert.is(canon(2 ** 60), canon(2n ** 60n));
  assert.is(canon(5n), 5);
  assert.is(canon([1n, 2 ** 60]), canon([1, 2n ** 60n]));
  assert.is.not(canon(9007199254740993n), canon('9007199254740993'));
  assert.is.not(canon([NaN]), canon([null]));
});

test('EDN: 0/0 and ##NaN are NaN and NaN reads back as NaN: the valid history stays valid', () => {
  const edn = ednRegister;
  assert.is(verdict(edn('0/0', '0/0')), 'ok');
  assert.is(verdict(edn('##NaN', '0/0')), 'ok');
  assert.is(verdict(edn('##NaN', '1')), 'illegal');
  assert.is(verdict(edn('##Inf', '##Inf')), 'ok');
  assert.is(verdict(edn('##Inf', '##-Inf')), 'illegal');
  assert.is(verdict(edn('[1 ##NaN]', '[1 0/0]')), 'ok');
  assert.is(verdict(edn('9007199254740993', '9007199254740992')), 'illegal');
  assert.is(verdict(edn('9007199254740993N', '9007199254740993')), 'ok');
  assert.is(verdict(edn('4/2', '2')), 'ok');
});

test('EDN numbers: big integers, integral ratios, hex, symbolic values', () => {
  const v = new EdnReader('99999999999999999999 6/3 -0x10 ##-Inf 1/0 0x20000000000000').readAll();
  assert.equal(v.slice(0, 3), [99999999999999999999n, 2, -16]);
  assert.is(v[3], -Infinity);
  assert.is(v[4], Infinity);
  assert.is(v[5], 2n ** 53n);
});

test('depth: values nested beyond the limit are an error with the line, not a stack overflow', () => {
  const deep = '['.repeat(20_000) + ']'.repeat(20_000);
  for (const [text, re] of [
    [
      `{"type":"invoke","process":0,"f":"write","value":1}\n` +
        `{"type":"invoke","process":1,"f":"write","value":${deep}}\n`,
      /:2: value nested deeper than 500 levels/,
    ],
    [
      `{"type":"invoke","process":0,"f":"write","value":1}\n` +
        `{"type":"invoke","process":1,"f":"write","value":12345678901234567890,"v":${deep}}\n`,
      /:2: value nested deeper than 500 levels/,
    ],
    [
      `{:process 0 :type :invoke :f :write :value 1}\n{:process 1 :type :invoke :f :write :value ${deep}}`,
      /:2: EDN: value nested deeper than 500 levels/,
    ],
  ] as const) {
    try {
      parseHistory(text, { file: 'h' });
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, HistoryError);
      assert.match((e as HistoryError).oneLine(), re);
    }
  }
  // At the limit it still reads.
  const ok = '['.repeat(MAX_VALUE_DEPTH - 1) + ']'.repeat(MAX_VALUE_DEPTH - 1);
  assert.is(parseHistory(`{"type":"invoke","process":0,"f":"write","value":${ok}}\n`).events.length, 1);
});

test.run();

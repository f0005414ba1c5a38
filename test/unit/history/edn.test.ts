import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdnError, EdnList, EdnMap, EdnReader, Keyword, Tagged, toPlain } from '../../../harness/history/edn.js';
import { TaggedValue } from '../../../harness/history/tagged.js';

const read = (s: string) => new EdnReader(s).readAll();

test('scalars: nil, booleans, integers, floats, ratios, strings, keywords, symbols, characters', () => {
  const v = read('nil true false 42 -7 12N 1.5 2e3 3.0M 1/4 "a\\"b\\n\\u0041" :k :ns/k sym \\a \\newline');
  assert.equal(v.slice(0, 10), [null, true, false, 42, -7, 12, 1.5, 2000, 3, 0.25]);
  assert.is(v[10], 'a"b\nA');
  assert.ok(v[11] instanceof Keyword && v[11].name === 'k');
  assert.is((v[12] as Keyword).name, 'ns/k');
  assert.is(toPlain(v[13]), 'sym');
  assert.is(v[14], 'a');
  assert.is(v[15], '\n');
});

test('collections, commas as whitespace, comments and #_ discard', () => {
  const [m] = read('{:a [1 2], :b (3 4) ; a comment\n :c #{5} #_ :dropped :d {:e nil}}');
  assert.ok(m instanceof EdnMap);
  assert.equal(toPlain(m), { a: [1, 2], b: [3, 4], c: [5], d: { e: null } });
  assert.ok((m as EdnMap).get('a') instanceof EdnList);
});

test('tagged values and record literals keep their tag', () => {
  const [t] = read('#jepsen.independent.Tuple{:key 3, :value [1 2]}');
  assert.ok(t instanceof Tagged);
  assert.is((t as Tagged).tag, 'jepsen.independent.Tuple');
  const plain = toPlain(t);
  assert.instance(plain, TaggedValue);
  assert.is((plain as TaggedValue).tag, 'jepsen.independent.Tuple');
  assert.equal((plain as TaggedValue).value, { key: 3, value: [1, 2] });
});

test('line numbers follow maps spanning lines', () => {
  const forms = read('{:a 1}\n\n{:b\n 2}\n{:c 3}');
  assert.equal(
    forms.map((f) => (f as EdnMap).line),
    [1, 3, 5],
  );
});

for (const [src, msg, line] of [
  ['{:a 1', /unclosed "\{" opened on line 1/, 1],
  ['{:a 1 :b}', /odd number of forms/, 1],
  ['\n"abc', /unterminated string opened on line 2/, 2],
  ['[1 2)', /unexpected "\)"/, 1],
  ['"\\q"', /bad escape/, 1],
  ['1'.repeat(5000), /more than 4096 characters/, 1],
  ['##Foo', /unknown symbolic value/, 1],
  ['#_', /#_ at the end/, 1],
] as const) {
  test(`malformed: ${JSON.stringify(src)}`, () => {
    try {
      read(src);
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, EdnError);
      assert.match((e as Error).message, msg);
      assert.is((e as EdnError).line, line);
    }
  });
}

test.run();

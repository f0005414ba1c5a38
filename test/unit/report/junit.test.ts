// The JUnit writer: well-formed XML whatever the messages hold, counts that match the cases, a failure for an
// invalid run naming the offending operation, an error with the reason for unknown and for a failed run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { junitXml } from '../../../harness/report/junit.js';
import { parseXml } from '../../helpers/xml.js';

const cases = [
  { classname: 'faultline.kv', name: 'kv seed 1', timeS: 1.5, verdict: true as const },
  {
    classname: 'faultline.kv',
    name: 'kv seed 2',
    timeS: 2,
    verdict: false as const,
    message: 'key k3: client 4: read → 1',
    details: 'folder: a<b>&"c"',
  },
  {
    classname: 'faultline.kv',
    name: 'kv seed 3',
    timeS: 3,
    verdict: 'unknown' as const,
    message: 'linearizable: the checker ran out of time (budget 1 s)',
  },
  {
    classname: 'faultline.kv',
    name: 'kv seed 4',
    timeS: 0,
    verdict: 'error' as const,
    message: 'the run failed: \u0001\u001b[31mboom\ud800',
  },
];

test('counts, elements and messages', () => {
  const root = parseXml(junitXml('suite & co', cases));
  assert.is(root.name, 'testsuites');
  assert.is(root.attrs.tests, '4');
  assert.is(root.attrs.failures, '1');
  assert.is(root.attrs.errors, '2');
  const suite = root.children[0];
  assert.is(suite.name, 'testsuite');
  assert.is(suite.attrs.name, 'suite & co');
  assert.is(suite.children.length, 4);
  const [ok, bad, unknown, err] = suite.children;
  assert.ok(ok.children.every((c) => c.name !== 'failure' && c.name !== 'error'));
  assert.is(bad.children[0].name, 'failure');
  assert.is(bad.children[0].attrs.message, 'key k3: client 4: read → 1');
  assert.is(bad.children[0].text, 'folder: a<b>&"c"');
  assert.is(unknown.children[0].name, 'error');
  assert.match(unknown.children[0].attrs.message, /ran out of time/);
  assert.is(err.children[0].name, 'error');
  assert.is(err.children[0].attrs.type, 'run-error');
  assert.not.match(err.children[0].attrs.message, /[\u0001\u001b]/, 'control characters are replaced');
  assert.is(Number(suite.attrs.time), 6.5);
});

test('an empty matrix is still a valid document', () => {
  const root = parseXml(junitXml('empty', []));
  assert.is(root.attrs.tests, '0');
  assert.is(root.children[0].children.length, 0);
});

test('the test parser rejects what is not well-formed (so the assertions above mean something)', () => {
  assert.throws(() => parseXml('<a><b></a></b>'));
  assert.throws(() => parseXml('<a x="1" x="2"/>'));
  assert.throws(() => parseXml('<a>\u0001</a>'));
  assert.throws(() => parseXml('<a>&nope;</a>'));
});

test.run();

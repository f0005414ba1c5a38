// Each model's sequential semantics on small hand-written histories, including the edge cases that differ
// between Jepsen's cas-register and Porcupine's etcd model.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getModel, modelNames } from '../../../harness/checker/models/registry.js';
import { checkOperations } from '../../../harness/checker/porcupine/index.js';
import { HistoryError, type HistoryEvent } from '../../../harness/history/op.js';

type E = Omit<HistoryEvent, 'index'>;
const ev = (list: E[]): HistoryEvent[] => list.map((e, index) => ({ index, ...e }) as HistoryEvent);
const inv = (process: number, f: string, value?: unknown, key?: unknown): E => ({
  type: 'invoke',
  process,
  f,
  value,
  ...(key !== undefined ? { key } : {}),
});
const ok = (process: number, f: string, value?: unknown, key?: unknown): E => ({
  type: 'ok',
  process,
  f,
  value,
  ...(key !== undefined ? { key } : {}),
});
const fail = (process: number, f: string, value?: unknown): E => ({ type: 'fail', process, f, value });
const info = (process: number, f: string, value?: unknown): E => ({ type: 'info', process, f, value });

function check(model: string, list: E[], init?: unknown) {
  const { model: m, toOperations } = getModel(model).create({ init });
  return checkOperations(m, toOperations(ev(list)), {}).verdict;
}

test('registry: the names the CLI documents', () => {
  assert.equal(modelNames(), ['cas-register', 'etcd', 'kv', 'kv-no-partition', 'kv-register', 'mutex']);
  assert.throws(() => getModel('nope'), /unknown model "nope"; known models: cas-register/);
});

test('cas-register: sequential read-your-write; stale read is illegal', () => {
  assert.is(check('cas-register', [inv(0, 'write', 1), ok(0, 'write', 1), inv(1, 'read'), ok(1, 'read', 1)]), 'ok');
  assert.is(
    check('cas-register', [inv(0, 'write', 1), ok(0, 'write', 1), inv(1, 'read'), ok(1, 'read', null)]),
    'illegal',
  );
});

test('cas-register: initial value nil, or --init', () => {
  assert.is(check('cas-register', [inv(0, 'read'), ok(0, 'read', null)]), 'ok');
  assert.is(check('cas-register', [inv(0, 'read'), ok(0, 'read', 0)]), 'illegal');
  assert.is(check('cas-register', [inv(0, 'read'), ok(0, 'read', 0)], 0), 'ok');
  assert.is(check('cas-register', [inv(0, 'read'), ok(0, 'read', 'a')], 'a'), 'ok');
});

test('cas-register: a failed cas did not happen (Jepsen), an ok cas needs the old value', () => {
  assert.is(
    check('cas-register', [inv(0, 'cas', [1, 2]), fail(0, 'cas', [1, 2]), inv(0, 'read'), ok(0, 'read', null)]),
    'ok',
  );
  assert.is(check('cas-register', [inv(0, 'cas', [1, 2]), ok(0, 'cas', [1, 2])]), 'illegal');
  assert.is(
    check('cas-register', [
      inv(0, 'write', 1),
      ok(0, 'write', 1),
      inv(0, 'cas', [1, 2]),
      ok(0, 'cas', [1, 2]),
      inv(0, 'read'),
      ok(0, 'read', 2),
    ]),
    'ok',
  );
});

test('cas-register: info may have happened later, or never', () => {
  const base: E[] = [inv(0, 'write', 1), info(0, 'write', 1)];
  assert.is(check('cas-register', [...base, inv(1, 'read'), ok(1, 'read', 1)]), 'ok');
  assert.is(check('cas-register', [...base, inv(1, 'read'), ok(1, 'read', null)]), 'ok');
  // It cannot have happened before its invocation.
  assert.is(check('cas-register', [inv(1, 'read'), ok(1, 'read', 1), ...base]), 'illegal');
  // An info cas whose precondition never held does not block the history.
  assert.is(
    check('cas-register', [inv(0, 'cas', [5, 6]), info(0, 'cas', [5, 6]), inv(1, 'read'), ok(1, 'read', null)]),
    'ok',
  );
  // A pending (never completed) write is like info.
  assert.is(check('cas-register', [inv(0, 'write', 3), inv(1, 'read'), ok(1, 'read', 3)]), 'ok');
});

test('cas-register: concurrent ops may order either way, real-time order is respected', () => {
  assert.is(check('cas-register', [inv(0, 'write', 1), inv(1, 'read'), ok(1, 'read', 1), ok(0, 'write', 1)]), 'ok');
  assert.is(
    check('cas-register', [
      inv(0, 'write', 1),
      inv(1, 'write', 2),
      ok(0, 'write', 1),
      ok(1, 'write', 2),
      inv(0, 'read'),
      ok(0, 'read', 1),
    ]),
    'ok',
  );
  assert.is(
    check('cas-register', [
      inv(0, 'write', 1),
      ok(0, 'write', 1),
      inv(1, 'write', 2),
      ok(1, 'write', 2),
      inv(0, 'read'),
      ok(0, 'read', 1),
    ]),
    'illegal',
  );
});

test('cas-register: structured values compare by content; bad cas value and unknown f are errors', () => {
  assert.is(
    check('cas-register', [
      inv(0, 'write', { a: 1, b: [2] }),
      ok(0, 'write'),
      inv(0, 'read'),
      ok(0, 'read', { b: [2], a: 1 }),
    ]),
    'ok',
  );
  assert.throws(
    () => check('cas-register', [inv(0, 'cas', 5), ok(0, 'cas', 5)]),
    (e: unknown) => e instanceof HistoryError && /cas value must be a pair/.test(e.message),
  );
  assert.throws(
    () => check('cas-register', [inv(0, 'incr', 5), ok(0, 'incr', 5)]),
    /knows read, write and cas, not "incr"/,
  );
});

test('etcd: a failed cas happened and saw a different value', () => {
  assert.is(check('etcd', [inv(0, 'cas', [1, 2]), fail(0, 'cas', [1, 2])]), 'ok');
  // The register held 1, so "compare failed" is impossible.
  assert.is(
    check('etcd', [inv(0, 'write', 1), ok(0, 'write', 1), inv(0, 'cas', [1, 2]), fail(0, 'cas', [1, 2])]),
    'illegal',
  );
  assert.is(check('etcd', [inv(0, 'read'), ok(0, 'read', null)]), 'ok');
  assert.is(check('etcd', [inv(0, 'write', 4), info(0, 'write', 'timed-out'), inv(1, 'read'), ok(1, 'read', 4)]), 'ok');
  assert.throws(() => check('etcd', [inv(0, 'write', 'x'), ok(0, 'write', 'x')]), /must be an integer/);
});

test('kv: get/put/append per key, "" initially', () => {
  assert.is(
    check('kv', [
      inv(0, 'append', 'a', 'k'),
      ok(0, 'append', 'a', 'k'),
      inv(0, 'append', 'b', 'k'),
      ok(0, 'append', 'b', 'k'),
      inv(1, 'get', null, 'k'),
      ok(1, 'get', 'ab', 'k'),
      inv(1, 'get', null, 'j'),
      ok(1, 'get', '', 'j'),
    ]),
    'ok',
  );
  assert.is(
    check('kv', [inv(0, 'put', 'a', 'k'), ok(0, 'put', 'a', 'k'), inv(1, 'get', null, 'k'), ok(1, 'get', 'ba', 'k')]),
    'illegal',
  );
  assert.is(
    check('kv-no-partition', [
      inv(0, 'put', 'a', 'k'),
      ok(0, 'put', 'a', 'k'),
      inv(1, 'get', null, 'j'),
      ok(1, 'get', '', 'j'),
    ]),
    'ok',
  );
  assert.throws(() => check('kv', [inv(0, 'get'), ok(0, 'get', '')]), /has no key/);
});

test('kv-register: keys are independent registers', () => {
  assert.is(
    check('kv-register', [
      inv(0, 'write', 1, 'a'),
      ok(0, 'write', 1, 'a'),
      inv(1, 'read', null, 'b'),
      ok(1, 'read', null, 'b'),
      inv(1, 'read', null, 'a'),
      ok(1, 'read', 1, 'a'),
    ]),
    'ok',
  );
  assert.is(
    check('kv-register', [
      inv(0, 'write', 1, 'a'),
      ok(0, 'write', 1, 'a'),
      inv(1, 'read', null, 'b'),
      ok(1, 'read', 1, 'b'),
    ]),
    'illegal',
  );
});

test('mutex: two holders at once is illegal; release frees', () => {
  assert.is(
    check('mutex', [
      inv(0, 'acquire'),
      ok(0, 'acquire'),
      inv(0, 'release'),
      ok(0, 'release'),
      inv(1, 'acquire'),
      ok(1, 'acquire'),
    ]),
    'ok',
  );
  assert.is(check('mutex', [inv(0, 'acquire'), ok(0, 'acquire'), inv(1, 'acquire'), ok(1, 'acquire')]), 'illegal');
  assert.is(check('mutex', [inv(0, 'acquire'), fail(0, 'acquire'), inv(1, 'acquire'), ok(1, 'acquire')]), 'ok');
  assert.is(
    check('mutex', [
      inv(0, 'acquire', undefined, 'x'),
      ok(0, 'acquire', undefined, 'x'),
      inv(1, 'acquire', undefined, 'y'),
      ok(1, 'acquire', undefined, 'y'),
    ]),
    'ok',
  );
});

test.run();

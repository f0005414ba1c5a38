// Issue 14, item 1: one request with a deeply nested value killed every replica of a shard (the recursive
// equality of cas overflowed the stack inside apply) and every restart died again replaying the entry.
// These tests pin the three guarantees: the walks never recurse, apply never throws, and a command that cannot
// apply gets the same error result on every replica.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_VALUE_DEPTH, deeperThan, isJson, jsonEqual } from '../../../system/kv/json.js';
import { KvMachine } from '../../../system/kv/machine.js';
import { ShardMachine, type ShardCommand } from '../../../system/shard/machine.js';
import { commandOf, validateCommand, validateKv, validateLock } from '../../../system/shard/validate.js';
import type { Json } from '../../../system/node/api.js';

const nested = (depth: number, leaf: Json = 1): Json => {
  let v: Json = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

test('jsonEqual compares values 200,000 levels deep without recursion', () => {
  assert.ok(jsonEqual(nested(200_000), nested(200_000)));
  assert.not.ok(jsonEqual(nested(200_000, 1), nested(200_000, 2)));
  assert.not.ok(jsonEqual(nested(200_000), nested(199_999)));
  assert.ok(jsonEqual({ a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] }));
  assert.not.ok(jsonEqual({ a: 1 }, { b: 1 }));
  assert.not.ok(jsonEqual({ a: undefined } as unknown as Json, { b: 1 }));
  assert.not.ok(jsonEqual([1], { 0: 1 }));
});

test('deeperThan and isJson walk 200,000 levels and stop at the limit', () => {
  assert.not.ok(deeperThan(nested(MAX_VALUE_DEPTH), MAX_VALUE_DEPTH));
  assert.ok(deeperThan(nested(MAX_VALUE_DEPTH + 1), MAX_VALUE_DEPTH));
  assert.ok(deeperThan(nested(200_000), MAX_VALUE_DEPTH));
  assert.not.ok(deeperThan('scalar', 0));
  assert.ok(isJson(nested(200_000)));
  assert.not.ok(isJson([1, NaN]));
  assert.not.ok(isJson({ a: undefined }));
});

test('the KvMachine itself (no validation) compares a 3,200-deep cas without overflowing', () => {
  const m = new KvMachine();
  m.apply({ op: 'write', key: 'k', value: nested(3200) }, 1);
  assert.equal(m.apply({ op: 'cas', key: 'k', from: nested(3200), to: 2 }, 2), { ok: true, index: 2 });
  m.apply({ op: 'write', key: 'k', value: nested(50_000) }, 3);
  assert.equal(m.apply({ op: 'cas', key: 'k', from: nested(50_000, 2), to: 3 }, 4).ok, false);
});

test('the exact reproduction: a 3,200-deep write then cas get the same error result on every replica', () => {
  const replicas = [new ShardMachine(), new ShardMachine(), new ShardMachine()];
  const write = { kind: 'kv', op: 'write', key: 'k', value: nested(3200) } as ShardCommand;
  const cas = { kind: 'kv', op: 'cas', key: 'k', from: nested(3200), to: 1 } as ShardCommand;
  const results = replicas.map((m) => [m.apply(write, 1), m.apply(cas, 2)]);
  for (const r of results) {
    assert.equal(r, results[0]);
    assert.equal(r[0], {
      ok: false,
      error: 'invalid-command',
      message: `value nests deeper than ${MAX_VALUE_DEPTH} levels`,
    });
    assert.equal(r[1], {
      ok: false,
      error: 'invalid-command',
      message: `from nests deeper than ${MAX_VALUE_DEPTH} levels`,
    });
  }
  // Nothing was stored, and the machines still work and still snapshot.
  for (const m of replicas) {
    assert.is(m.read('k'), null);
    assert.equal(m.apply({ kind: 'kv', op: 'write', key: 'k', value: nested(MAX_VALUE_DEPTH) } as ShardCommand, 3), {
      ok: true,
      index: 3,
    });
    assert.equal(
      m.apply({ kind: 'kv', op: 'cas', key: 'k', from: nested(MAX_VALUE_DEPTH), to: 7 } as ShardCommand, 4),
      { ok: true, index: 4 },
    );
    const copy = new ShardMachine();
    copy.restore(m.snapshot());
    assert.is(copy.read('k'), 7);
  }
});

test('malformed commands from the log get an error result, never a throw or undefined', () => {
  const bad: unknown[] = [
    null,
    1,
    'x',
    [],
    {},
    { kind: 'kv' },
    { kind: 'kv', op: 'nope', key: 'k' },
    { kind: 'kv', op: 'write', key: '' },
    { kind: 'kv', op: 'write', key: 'k' },
    { kind: 'kv', op: 'cas', key: 'k', from: 1 },
    { kind: 'kv', op: 'read', key: 3 },
    { kind: 'kv', op: 'write', key: 'k', value: 1, fence: { lock: 'L' } },
    { kind: 'kv', op: 'write', key: 'k', value: 1, seq: 1.5 },
    { kind: 'lock', op: 'acquire', name: 'L', owner: 'o' },
    { kind: 'lock', op: 'release', name: 'L', owner: 'o' },
    { kind: 'lock', op: 'expire', name: 'L' },
    { kind: 'lock', op: 'steal', name: 'L' },
    { kind: 'other' },
  ];
  const m = new ShardMachine();
  for (const c of bad) {
    const r = m.apply(c as ShardCommand, 1);
    assert.is(r.ok, false, JSON.stringify(c));
    assert.is((r as { error: string }).error, 'invalid-command', JSON.stringify(c));
    assert.ok(validateCommand(c), JSON.stringify(c));
  }
  // An expire is internal: fine from the log, refused from a client.
  assert.is(validateCommand({ kind: 'lock', op: 'expire', name: 'L', token: 3 }), undefined);
});

test('the API validator refuses depth beyond the limit, including 20,000 deep', () => {
  assert.is(validateKv({ op: 'write', key: 'k', value: nested(MAX_VALUE_DEPTH) }), undefined);
  assert.match(validateKv({ op: 'write', key: 'k', value: nested(MAX_VALUE_DEPTH + 1) })!, /deeper than 64/);
  assert.match(
    validateKv({ op: 'write', key: 'k', value: JSON.parse('['.repeat(20_000) + ']'.repeat(20_000)) })!,
    /deeper than 64/,
  );
  assert.match(validateKv({ op: 'cas', key: 'k', from: 1, to: nested(100) })!, /to nests deeper/);
});

test('fields nobody reads are bounded too, and never reach the log (found by the API fuzz)', () => {
  const body = JSON.parse(
    `{"op":"write","key":"k","value":1,"__proto__":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
  ) as Record<string, unknown>;
  assert.match(validateKv(body)!, /body nests deeper than 64/);
  assert.match(
    validateLock({ op: 'acquire', name: 'n', owner: 'o', ttlMs: 5, key: nested(100) })!,
    /body nests deeper/,
  );
  assert.equal(commandOf('kv', { op: 'write', key: 'k', value: 1, extra: nested(100), client: 'c' }), {
    kind: 'kv',
    op: 'write',
    key: 'k',
    value: 1,
    client: 'c',
  });
  assert.equal(commandOf('lock', { op: 'release', name: 'n', owner: 'o', token: 3, value: 1 }), {
    kind: 'lock',
    op: 'release',
    name: 'n',
    owner: 'o',
    token: 3,
  });
});

test.run();

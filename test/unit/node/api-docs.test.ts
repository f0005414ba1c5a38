// The node API is declared once (system/node/api.ts): docs/node.md's table must be what the declarations render
// to (run `npm run docs:node` after changing them), and conforms() must tell declared shapes from others, since
// the integration tests hold the server's real answers to the declarations with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { API, MicroOpS, NodeStatusS, TxnAbortedS } from '../../../system/node/api.js';
import { renderApiTable, withApiTable } from '../../../system/node/api-table.js';
import { conforms, named, object, optional, string, integer, union, literal } from '../../../system/node/schema.js';
import { ROOT } from '../../helpers/paths.js';

test('docs/node.md holds the API table the declarations render to (npm run docs:node rewrites it)', () => {
  const file = readFileSync(join(ROOT, 'docs', 'node.md'), 'utf8');
  const current = withApiTable(file);
  assert.ok(current === file, 'docs/node.md is out of date: run `npm run docs:node`');
});

test('the table has a row per endpoint and defines every named shape it mentions', () => {
  const t = renderApiTable();
  for (const e of Object.values(API)) assert.ok(t.includes(`\`${e.method} ${e.path}\``), e.path);
  const mentioned = new Set([...t.matchAll(/\b([A-Z][A-Za-z]+)\b/g)].map((m) => m[1]));
  for (const name of ['NotLeader', 'TxnAborted', 'MicroOp', 'TxnKey', 'GroupStatus'])
    assert.ok(mentioned.has(name) && t.includes(`| \`${name}\``), `${name} is defined`);
});

test('a made-up endpoint renders its request, answers and nested named shapes once', () => {
  const Inner = named('Inner', 'the inner one', object({ n: integer() }));
  const t = renderApiTable({
    x: {
      method: 'POST',
      path: '/x',
      summary: 'a test',
      request: object({ a: Inner, b: optional(union(literal('p'), literal('q'))) }),
      responses: { 200: Inner, 400: string() },
    },
  });
  assert.match(t, '`{a: Inner, b?: "p" \\| "q"}`');
  assert.match(t, '200: `Inner`; 400: `string`');
  assert.is(t.split('| `Inner`').length, 2, 'Inner is defined once');
});

test('conforms accepts declared shapes and names the first place another value departs', () => {
  assert.is(conforms(MicroOpS.shape, ['append', 7, 3]), undefined);
  assert.is(conforms(MicroOpS.shape, ['r', 'k', [1, 2]]), undefined);
  assert.match(conforms(MicroOpS.shape, ['append', 7]) ?? '', /none of 3/);
  const aborted = { ok: false, error: 'aborted', reason: 'conflict', message: 'm', id: 'i', shards: [1, 2] };
  assert.is(conforms(TxnAbortedS.shape, aborted), undefined);
  assert.match(conforms(TxnAbortedS.shape, { ...aborted, reason: 'nope' }) ?? '', /\$\.reason/);
  assert.match(conforms(TxnAbortedS.shape, { ...aborted, shards: [1, 'x'] }) ?? '', /\$\.shards\[1\]/);
  assert.match(conforms(TxnAbortedS.shape, { ...aborted, id: undefined }) ?? '', /\$\.id: missing/);
  assert.match(conforms(NodeStatusS.shape, {}) ?? '', /missing/);
});

test.run();

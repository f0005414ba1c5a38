// The Target seam with a fake target: defineTarget's shape checks, loading a user's module from a project of
// its own (node_modules/faultline → this package, so `import { defineTarget } from 'faultline'` is exercised
// exactly as a user's project resolves it), --target-opt parsing and validation, and the up-front refusals.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defineTarget } from '../../../harness/target/define.js';
import { BUILTIN_TARGETS, loadTarget } from '../../../harness/target/load.js';
import { parseTargetOpts, resolveTargetOpts } from '../../../harness/target/options.js';
import { prepareTarget } from '../../../harness/target/prepare.js';
import type { Target } from '../../../harness/target/types.js';
import { ROOT } from '../../helpers/paths.js';

const fake = (over: Partial<Target> = {}): Target => ({
  name: 'fake',
  describe: 'a fake target',
  options: { mode: { describe: 'a choice', default: 'a', choices: ['a', 'b'] }, level: { describe: 'free text' } },
  cluster: () => ({ ports: [], node: () => ({ command: ['true'] }), health: async () => undefined, clockFaults: false }),
  clients: { register: () => ({ invoke: async () => ({ type: 'ok' }), close: () => undefined }) },
  ...over,
});

const throwsWith = (f: () => unknown, re: RegExp): void => {
  try {
    f();
  } catch (e) {
    assert.match((e as Error).message, re);
    assert.not.match((e as Error).message, /\n/);
    return;
  }
  assert.unreachable(`expected an error matching ${re}`);
};

test('defineTarget accepts a well-formed target and returns it unchanged', () => {
  const t = fake();
  assert.is(defineTarget(t), t);
});

test('defineTarget refuses malformed targets with one line naming the target', () => {
  throwsWith(() => defineTarget(fake({ name: 'has space' })), /name must be a short identifier/);
  throwsWith(() => defineTarget(fake({ cluster: undefined as never })), /"fake": cluster\(ctx\) must be a function/);
  throwsWith(() => defineTarget(fake({ clients: {} })), /clients must map at least one workload/);
  throwsWith(() => defineTarget(fake({ clients: { kv: 'nope' as never } })), /clients\.kv must be a function/);
  throwsWith(() => defineTarget(fake({ options: { Bad_Name: { describe: '' } } })), /option name "Bad_Name"/);
  throwsWith(() => defineTarget(fake({ options: { mode: { describe: '', default: 'c', choices: ['a', 'b'] } } })), /default "c" is not among its choices/);
});

test('target options: parsed, defaults filled, unknown names and values outside the choices refused', () => {
  assert.equal(parseTargetOpts(['mode=b', 'level= 3 ']), { mode: 'b', level: '3' });
  assert.equal(parseTargetOpts(['bug=x', 'bug=y']), { bug: 'x,y' });
  throwsWith(() => parseTargetOpts(['novalue']), /expects NAME=VALUE/);
  const t = fake();
  assert.equal(resolveTargetOpts(t, {}), { mode: 'a' });
  assert.equal(resolveTargetOpts(t, { mode: 'b', level: '7' }), { mode: 'b', level: '7' });
  throwsWith(() => resolveTargetOpts(t, { colour: 'red' }), /target fake has no option "colour"; known: mode, level/);
  throwsWith(() => resolveTargetOpts(t, { mode: 'z' }), /--target-opt mode=z: expected one of a, b/);
  throwsWith(() => resolveTargetOpts(fake({ validate: (o) => { if (o.level === '0') throw new Error('level must be > 0'); } }), { level: '0' }), /level must be > 0/);
});

// A user's project of its own: a folder with its own package.json and node_modules/faultline pointing here.
const project = mkdtempSync(join(tmpdir(), 'fl-user-project-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(ROOT, join(project, 'node_modules', 'faultline'));
writeFileSync(join(project, 'package.json'), '{"type":"module"}\n');
const mod = (file: string, text: string): string => {
  writeFileSync(join(project, file), text);
  return join(project, file);
};

test('a user module imports defineTarget from "faultline" and loads by path', async () => {
  const file = mod('mine.js', `import { defineTarget } from 'faultline';
export default defineTarget({ name: 'mine', describe: 'x', cluster: () => ({ ports: [], node: () => ({ command: ['true'] }), health: async () => undefined, clockFaults: false }),
  clients: { register: () => ({ invoke: async () => ({ type: 'ok' }), close() {} }) }, refuses: () => ({ clock: 'no clock here' }) });
`);
  const t = await loadTarget(file);
  assert.is(t.name, 'mine');
  assert.equal(Object.keys(t.clients), ['register']);
  const named = mod('named.mjs', `import { defineTarget } from 'faultline';\nexport const target = defineTarget(${'{'} name: 'named', describe: '', cluster: () => ({}), clients: { kv: () => ({}) } });\n`);
  assert.is((await loadTarget(named)).name, 'named');
});

test('loading refuses what is not a target with one line', async () => {
  const reject = async (spec: string, re: RegExp): Promise<void> => {
    try {
      await loadTarget(spec);
    } catch (e) {
      assert.match((e as Error).message, re);
      assert.not.match((e as Error).message, /\n/);
      return;
    }
    assert.unreachable(`${spec} loaded`);
  };
  await reject('nosuch', /unknown --target nosuch; built in: reference, etcd/);
  await reject(join(project, 'missing.js'), /no such file/);
  await reject(mod('empty.js', 'export const x = 1;\n'), /exports no target/);
  await reject(mod('broken.js', 'throw new Error("boom\\nsecond line");\n'), /the module failed to load: boom$/);
  await reject(mod('shapeless.js', 'export default { name: "s" };\n'), /cluster\(ctx\) must be a function/);
});

test('both built-in targets load by name', async () => {
  assert.equal(Object.keys(BUILTIN_TARGETS).sort(), ['etcd', 'reference']);
  assert.is((await loadTarget('etcd')).name, 'etcd');
  assert.is((await loadTarget('reference')).name, 'reference');
});

test('prepareTarget refuses an unsupported workload or fault before anything starts', async () => {
  const file = join(project, 'mine.js');
  const p = await prepareTarget(file, {}, 'register', ['partition', 'kill']);
  assert.is(p.target.name, 'mine');
  assert.type(p.client, 'function');
  try {
    await prepareTarget(file, {}, 'lock', []);
    assert.unreachable('lock accepted');
  } catch (e) {
    assert.match((e as Error).message, /target mine has no client for workload lock; it supports: register/);
  }
  try {
    await prepareTarget(file, {}, 'register', ['partition', 'clock']);
    assert.unreachable('clock accepted');
  } catch (e) {
    assert.is((e as Error).message, 'target mine cannot take --nemesis clock: no clock here');
  }
});

test.run();

// The public API as a user's project sees it: a folder of its own with node_modules/faultline pointing at this
// package, so `import { defineTarget } from 'faultline'` resolves through package.json "exports" exactly as
// after `npm install faultline`; the entry exports defineTarget (and nothing internal by accident); a module
// may export its target as default or as `target`; both built-in targets load by name.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILTIN_TARGETS, loadTarget } from '../../../targets/load.js';
import { prepareTarget } from '../../../targets/prepare.js';
import { ROOT } from '../../helpers/paths.js';
import { userProject } from '../../helpers/user-project.js';

const { mod } = userProject('fl-user-project-');
const CLUSTER =
  `cluster: () => ({ ports: [], node: () => ({ command: ['true'] }), ` +
  'health: async () => undefined, clockFaults: false })';

test('package.json exports the public entry, with its types', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, Record<string, string>>;
    types: string;
  };
  assert.is(pkg.exports['.'].default, './dist/harness/public.js');
  assert.is(pkg.exports['.'].types, pkg.types);
  assert.ok(existsSync(join(ROOT, 'dist', 'harness', 'public.js')));
});

test(
  'a user module imports defineTarget from "faultline" and loads by path; ' + 'the entry exports only defineTarget',
  async () => {
    const file = mod(
      'mine.js',
      `import * as api from 'faultline';
export const exported = Object.keys(api);
export default api.defineTarget({ name: 'mine', describe: 'x', ${CLUSTER},
  clients: { register: () => ({ invoke: async () => ({ type: 'ok' }), close() {} }) },
  refuses: () => ({ clock: 'no clock here' }) });
`,
    );
    const t = await loadTarget(file);
    assert.is(t.name, 'mine');
    assert.equal((await import(file)).exported, ['defineTarget']);
    const p = await prepareTarget(file, {}, 'register', ['kill']);
    assert.is(p.target, t);
  },
);

test('a module may export its target as `target`; a malformed one is refused by defineTarget at load', async () => {
  assert.is(
    (
      await loadTarget(
        mod(
          'named.mjs',
          `import { defineTarget } from 'faultline';\n` +
            `export const target = defineTarget({ name: 'named', describe: '', ${CLUSTER}, ` +
            `clients: { kv: () => ({}) } });\n`,
        ),
      )
    ).name,
    'named',
  );
  try {
    await loadTarget(mod('shapeless.js', 'export default { name: "s" };\n'));
    assert.unreachable('loaded');
  } catch (e) {
    assert.match((e as Error).message, /^target "s": cluster\(ctx\) must be a function/);
  }
});

test('both built-in targets load by name; an unknown name lists them', async () => {
  assert.equal(Object.keys(BUILTIN_TARGETS).sort(), ['etcd', 'reference']);
  assert.is((await loadTarget('etcd')).name, 'etcd');
  assert.is((await loadTarget('reference')).name, 'reference');
  try {
    await loadTarget('nosuch');
    assert.unreachable('loaded');
  } catch (e) {
    assert.is(
      (e as Error).message,
      'unknown --target nosuch; built in: reference, etcd, or a path to an ESM module that exports a target',
    );
  }
});

test.run();

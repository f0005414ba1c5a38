// `--target ./my-target.ts`: a TypeScript target module loads directly (tsx's loader, registered on first use),
// with its types, its own TypeScript imports and `import ... from 'faultline'` resolved from the user's project;
// a module that does not parse is one line naming the file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTarget, looksLikePath } from '../../../targets/load.js';
import { userProject } from '../../helpers/user-project.js';

const { mod } = userProject('fl-ts-project-');

test('a bare file name ending in .ts, .mts or .cts is a path, not a built-in name', () => {
  for (const s of ['my-target.ts', 'my-target.mts', 'my-target.cts']) assert.ok(looksLikePath(s), s);
  assert.not.ok(looksLikePath('reference'));
});

test('a TypeScript target with types, an enum and a TypeScript helper loads, and its client runs', async () => {
  mod(
    'helper.ts',
    `export enum Answer { Yes = 'ok' }
export function answer(value: number): { type: Answer; value: number } { return { type: Answer.Yes, value }; }
`,
  );
  const file = mod(
    'my-target.ts',
    `import { defineTarget, type Client, type Target } from 'faultline';
import { answer } from './helper.ts';
interface Counter { n: number }
const state: Counter = { n: 41 };
const client = (): Client => ({ invoke: async () => answer(++state.n) as never, close() {} });
const t: Target = defineTarget({
  name: 'typed',
  describe: 'written in TypeScript',
  cluster: () => ({
    ports: [], node: () => ({ command: ['true'] }), health: async () => undefined, clockFaults: false,
  }),
  clients: { register: client },
});
export default t;
`,
  );
  const t = await loadTarget(file);
  assert.is(t.name, 'typed');
  const c = await t.clients.register!({} as never);
  assert.equal(await c.invoke({ f: 'read', key: 0 } as never), { type: 'ok', value: 42 });
});

test('a TypeScript module that does not parse is one line naming the file', async () => {
  const file = mod('broken.ts', 'export default defineTarget({ name: "x", \n  let = ;\n');
  try {
    await loadTarget(file);
    assert.unreachable('loaded');
  } catch (e) {
    const m = (e as Error).message;
    assert.ok(m.startsWith(`--target ${file}: the module failed to load: `), m);
    assert.not.match(m, /\n/);
  }
});

test.run();

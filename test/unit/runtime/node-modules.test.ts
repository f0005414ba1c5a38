// The node image's packages found the way Node finds them: from an installed Faultline whose dependencies npm
// hoisted into the project (the layout that failed with "runtime dependency pino not found"), partly nested,
// through pnpm-style links, and refused when two copies of one package would collide in the image.
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodePackageFiles } from '../../../harness/runtime/host-files.js';
import { runtimeModules } from '../../../harness/runtime/node-modules.js';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'fl-node-modules-')));
let n = 0;

/** A fresh project folder with packages at the given paths (path → version and dependencies). */
function project(pkgs: Record<string, { deps?: string[]; optional?: string[] }>): string {
  const root = join(base, `p${n++}`);
  for (const [path, p] of Object.entries(pkgs)) {
    mkdirSync(join(root, path), { recursive: true });
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const deps = Object.fromEntries((p.deps ?? []).map((d) => [d, '*']));
    const optionalDependencies = Object.fromEntries((p.optional ?? []).map((d) => [d, '*']));
    writeFileSync(join(root, path, 'package.json'), JSON.stringify({ name, dependencies: deps, optionalDependencies }));
  }
  return root;
}

/** Where the installed faultline's node main lives in a project. */
const from = (root: string): string => {
  const dir = join(root, 'node_modules', 'faultline', 'dist', 'system', 'node');
  mkdirSync(dir, { recursive: true });
  return dir;
};

test('hoisted into the project, partly nested: every package found, nested copies travel with their parent', () => {
  const root = project({
    'node_modules/faultline': {},
    'node_modules/pino': { deps: ['sonic-boom', '@pinojs/redact'] },
    'node_modules/sonic-boom': {},
    'node_modules/@pinojs/redact': {},
    // Faultline's own yargs beside it (the project has another), its cliui hoisted, cliui's string-width nested.
    'node_modules/faultline/node_modules/yargs': { deps: ['cliui'] },
    'node_modules/yargs': {},
    'node_modules/cliui': { deps: ['string-width'] },
    'node_modules/cliui/node_modules/string-width': {},
    'node_modules/string-width': {},
  });
  const nm = join(root, 'node_modules');
  assert.equal(runtimeModules(from(root), ['pino', 'yargs']), {
    'node_modules/@pinojs/redact': join(nm, '@pinojs', 'redact'),
    'node_modules/cliui': join(nm, 'cliui'),
    'node_modules/pino': join(nm, 'pino'),
    'node_modules/sonic-boom': join(nm, 'sonic-boom'),
    'node_modules/yargs': join(nm, 'faultline', 'node_modules', 'yargs'),
  });
});

test('pnpm-style links are followed to the real folders, and dependencies are found from there', () => {
  const root = project({
    'node_modules/faultline': {},
    'node_modules/.pnpm/pino@10/node_modules/pino': { deps: ['sonic-boom'] },
    'node_modules/.pnpm/sonic-boom@4/node_modules/sonic-boom': {},
  });
  const store = join(root, 'node_modules', '.pnpm');
  symlinkSync(join(store, 'pino@10', 'node_modules', 'pino'), join(root, 'node_modules', 'pino'));
  symlinkSync(
    join(store, 'sonic-boom@4', 'node_modules', 'sonic-boom'),
    join(store, 'pino@10', 'node_modules', 'sonic-boom'),
  );
  assert.equal(runtimeModules(from(root), ['pino']), {
    'node_modules/pino': join(store, 'pino@10', 'node_modules', 'pino'),
    'node_modules/sonic-boom': join(store, 'sonic-boom@4', 'node_modules', 'sonic-boom'),
  });
});

test('a missing dependency is one line naming it; a missing optional one is left out', () => {
  const root = project({ 'node_modules/faultline': {}, 'node_modules/pino': { deps: ['thread-stream'] } });
  try {
    runtimeModules(from(root), ['pino']);
    assert.unreachable('a missing dependency must throw');
  } catch (e) {
    const m = (e as Error).message;
    assert.match(m, /^runtime dependency thread-stream is not installed where Node looks for it from /);
    assert.not.match(m, /\n/);
  }
  const ok = project({ 'node_modules/faultline': {}, 'node_modules/pino': { optional: ['fsevents'] } });
  assert.equal(Object.keys(runtimeModules(from(ok), ['pino'])), ['node_modules/pino']);
});

test('two copies of one package that would share node_modules/<name> in the image are refused, naming both', () => {
  const root = project({
    'node_modules/faultline': {},
    'node_modules/faultline/node_modules/yargs': { deps: ['y18n'] },
    'node_modules/faultline/node_modules/y18n': {},
    'node_modules/pino': { deps: ['y18n'] },
    'node_modules/y18n': {},
  });
  const nm = join(root, 'node_modules');
  assert.throws(
    () => runtimeModules(from(root), ['pino', 'yargs']),
    (e: Error) =>
      e.message.includes(join(nm, 'y18n')) &&
      e.message.includes(join(nm, 'faultline', 'node_modules', 'y18n')) &&
      e.message.includes('node_modules/y18n'),
  );
});

test('nodePackages (builder and installer): the closure from the package root, under the folder asked', () => {
  const root = project({
    'node_modules/faultline': {},
    'node_modules/pino': { deps: ['sonic-boom'] },
    'node_modules/sonic-boom': {},
  });
  const nm = join(root, 'node_modules');
  // The reference target passes the installed faultline's own folder (repoRoot), not its dist/system/node.
  assert.equal(nodePackageFiles(join(nm, 'faultline'), ['pino'], 'app/node_modules'), {
    'app/node_modules/pino': join(nm, 'pino'),
    'app/node_modules/sonic-boom': join(nm, 'sonic-boom'),
  });
});

test('the reference node resolves from this checkout: pino and yargs with their dependencies', () => {
  const mods = runtimeModules(dirname(fileURLToPath(import.meta.url)), ['pino', 'yargs']);
  for (const want of ['node_modules/pino', 'node_modules/yargs', 'node_modules/sonic-boom', 'node_modules/cliui'])
    assert.ok(mods[want], `${want} in ${Object.keys(mods).join(', ')}`);
});

test.run();

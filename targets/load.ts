// Finding the target `--target` names: a built-in one by name (the folders beside this file), or a user's ESM
// module by path (its default export, or an export named `target`, made with defineTarget). It lives with the
// built-in targets because it names them (docs/architecture.md: layers). A TypeScript module (.ts, .mts, .cts) is
// loaded through tsx's ESM loader, registered with module.register the first time one is asked for: types are
// stripped as it loads, not checked (the user's own tsc does that), and everything it imports may be TypeScript too.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEADLINES } from '../harness/target/deadlines.js';
import { importTargetModule } from '../harness/target/import.js';
import { defineTarget } from '../harness/target/define.js';
import type { Target } from '../harness/target/types.js';

/** Built-in targets, loaded on demand (so a run of one never loads the others' code). */
export const BUILTIN_TARGETS: Record<string, () => Promise<Target>> = {
  reference: async () => (await import('./reference/index.js')).referenceTarget,
  etcd: async () => (await import('./etcd/index.js')).etcdTarget,
};

const TYPESCRIPT = /\.(m|c)?ts$/;

export function looksLikePath(s: string): boolean {
  return s.startsWith('.') || s.startsWith('/') || /\.(m?js|cjs)$/.test(s) || TYPESCRIPT.test(s);
}

let tsxRegistered = false;

/** Registers tsx's loader once per process, or says in one line why a TypeScript target cannot be loaded. */
async function loadTypeScript(spec: string): Promise<void> {
  if (tsxRegistered) return;
  let api: { register: () => unknown };
  try {
    api = await import('tsx/esm/api');
  } catch (e) {
    throw new Error(
      `--target ${spec}: TypeScript targets are loaded with tsx, which is not installed here ` +
        `(${(e as Error).message.split('\n')[0]}); npm install tsx, or compile the target to .js with tsc`,
    );
  }
  api.register();
  tsxRegistered = true;
}

/** `importMs`: how long the module may take to load (a top-level await that never settles is cut off). */
export async function loadTarget(spec: string, importMs = DEADLINES.importMs): Promise<Target> {
  const builtin = BUILTIN_TARGETS[spec];
  if (builtin) return builtin();
  if (!looksLikePath(spec))
    throw new Error(
      `unknown --target ${spec}; built in: ${Object.keys(BUILTIN_TARGETS).join(', ')}, ` +
        'or a path to an ESM module that exports a target',
    );
  const file = resolve(spec);
  if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`--target ${spec}: no such file ${file}`);
  if (TYPESCRIPT.test(file)) await loadTypeScript(spec);
  const mod = await importTargetModule(spec, pathToFileURL(file).href, importMs);
  const t = (mod.default ?? mod.target) as Target | undefined;
  if (!t) throw new Error(`--target ${spec}: the module exports no target (export default defineTarget({...}))`);
  return defineTarget(t);
}

// Finding the target `--target` names: a built-in one by name, or a user's ESM module by path (its default
// export, or an export named `target`, made with defineTarget).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineTarget } from './define.js';
import type { Target } from './types.js';

/** Built-in targets, loaded on demand (so a run of one never loads the others' code). */
export const BUILTIN_TARGETS: Record<string, () => Promise<Target>> = {
  reference: async () => (await import('../../targets/reference/index.js')).referenceTarget,
  etcd: async () => (await import('../../targets/etcd/index.js')).etcdTarget,
};

export function looksLikePath(s: string): boolean {
  return s.startsWith('.') || s.startsWith('/') || /\.(m?js|cjs)$/.test(s);
}

export async function loadTarget(spec: string): Promise<Target> {
  const builtin = BUILTIN_TARGETS[spec];
  if (builtin) return builtin();
  if (!looksLikePath(spec))
    throw new Error(
      `unknown --target ${spec}; built in: ${Object.keys(BUILTIN_TARGETS).join(', ')}, ` +
        'or a path to an ESM module that exports a target',
    );
  const file = resolve(spec);
  if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`--target ${spec}: no such file ${file}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`--target ${spec}: the module failed to load: ${(e as Error).message.split('\n')[0]}`);
  }
  const t = (mod.default ?? mod.target) as Target | undefined;
  if (!t) throw new Error(`--target ${spec}: the module exports no target (export default defineTarget({...}))`);
  return defineTarget(t);
}

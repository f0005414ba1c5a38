// Host files for an image's build context: a binary with the shared libraries `ldd` lists for it (how etcd, or
// any user's Go or Rust program, becomes an image with no registry), and npm packages with their run-time
// dependency closure (the reference node's). The image builder hands these to targets (ImageBuilder.hostBinary,
// nodePackages); the public API exports them; the local base image (docker/base-image.ts) uses lddPaths.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Shared libraries `ldd` lists for a binary (the vdso has no file and is skipped). */
export function lddPaths(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const paths: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) paths.push(m[1]);
  }
  return paths;
}

/** `<dir>/<name>` (the binary's real file; its own name by default) and `<dir>/lib/<library>` for each library. */
export function hostBinaryFiles(path: string, dir: string, name = basename(path)): Record<string, string> {
  const files: Record<string, string> = { [`${dir}/${name}`]: realpathSync(path) };
  for (const lib of lddPaths(path)) files[`${dir}/lib/${basename(lib)}`] = lib;
  return files;
}

/** Run-time dependency closure: paths under the root's node_modules (a nested copy travels with its parent). */
export function runtimeModules(root: string, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string, from: string): void => {
    // Node's lookup: the nearest node_modules/<name> going up from the requiring package.
    let dir = from;
    let found: string | undefined;
    for (;;) {
      const cand = join(dir, 'node_modules', name);
      if (existsSync(join(cand, 'package.json'))) {
        found = cand;
        break;
      }
      if (dir === root || dirname(dir) === dir) break;
      dir = dirname(dir);
      if (dir.endsWith('/node_modules')) dir = dirname(dir);
    }
    if (!found) throw new Error(`runtime dependency ${name} not found under ${from}/node_modules (run npm install)`);
    if (seen.has(found)) return;
    seen.add(found);
    const pj = JSON.parse(readFileSync(join(found, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) {
      try {
        visit(dep, found);
      } catch (e) {
        if (!pj.optionalDependencies?.[dep]) throw e;
      }
    }
  };
  for (const r of roots) visit(r, root);
  // Keep only top-level packages: a nested node_modules/<a>/node_modules/<b> is inside <a>'s folder already.
  return [...seen]
    .map((p) => p.slice(join(root, 'node_modules').length + 1))
    .filter((p) => !p.includes('/node_modules/'))
    .sort();
}

/** `<dir>/<package>` for each package of the closure, from `<root>/node_modules`. */
export function nodePackageFiles(root: string, packages: readonly string[], dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const m of runtimeModules(root, packages)) files[`${dir}/${m}`] = join(root, 'node_modules', m);
  return files;
}

// Host files for an image's build context: a binary with the shared libraries `ldd` lists for it (how etcd, or
// any user's Go or Rust program, becomes an image with no registry), and npm packages with their run-time
// dependency closure (the reference node's). The image builder and the host installer hand these to targets
// (HostFiles.hostBinary, nodePackages); the public API exports them; the local base image uses lddPaths.
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { runtimeModules } from './node-modules.js';

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

/** `<dir>/<package>` for each package of the closure, found as Node resolves them from `root` (node-modules.ts). */
export function nodePackageFiles(root: string, packages: readonly string[], dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [dest, real] of Object.entries(runtimeModules(root, packages)))
    files[`${dir}/${dest.slice('node_modules/'.length)}`] = real;
  return files;
}

// The packages a Node program needs at run time, found as Node finds them and laid out for another machine (a
// docker image, an ssh host's bundle). Installed as a dependency, Faultline's own packages are rarely under its
// own folder: npm hoists them to the project's node_modules (or a workspace's), pnpm links them from its store.
// So every package is looked up the way Node resolves a bare specifier from the file that imports it (each
// node_modules folder from there up to the root, require.resolve.paths) and followed to its real folder, from
// which its own dependencies are looked up in turn.
//
// The layout shipped: every package found at the top of some node_modules folder goes to node_modules/<name>
// beside the program, whole (a copy nested inside it, node_modules/<a>/node_modules/<b>, travels with <a>, and
// Node finds it there first as it did on this machine). Flattening several node_modules folders into one is
// faithful exactly when no two packages of the closure share a name at that level; where two do (a project that
// needs one version of a package and Faultline another, both hoisted to different levels), this refuses with
// both paths rather than ship a program that would load the wrong one.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, sep } from 'node:path';

/** Limit on the closure's size: a walk that finds more has gone wrong (a cycle through links, a huge tree). */
const MAX_PACKAGES = 2000;

/** The real folder of package `name` as Node resolves it from a module in `fromDir`, or undefined. */
export function findPackage(name: string, fromDir: string): string | undefined {
  const lookups = createRequire(join(fromDir, 'noop.js')).resolve.paths(name) ?? [];
  for (const dir of lookups) {
    // resolve.paths ends with the global folders (~/.node_modules, <prefix>/lib/node) that import never reads.
    if (basename(dir) !== 'node_modules') continue;
    const cand = join(dir, name);
    if (existsSync(join(cand, 'package.json'))) return realpathSync(cand);
  }
  return undefined;
}

interface Found {
  name: string;
  dir: string;
}

/**
 * The closure of `names` as imported from a module in `fromDir`: destination inside the shipped program
 * (`node_modules/<name>`) → the package's real folder here. Throws one line when a package is missing or two
 * would share a destination.
 */
export function runtimeModules(fromDir: string, names: readonly string[]): Record<string, string> {
  const found = new Map<string, Found>(); // by real folder
  const visit = (name: string, from: string, optional: boolean): void => {
    const dir = findPackage(name, from);
    if (!dir) {
      if (optional) return;
      throw new Error(`runtime dependency ${name} is not installed where Node looks for it from ${from} (npm install)`);
    }
    if (found.has(dir)) return;
    if (found.size >= MAX_PACKAGES) throw new Error(`runtime dependencies: more than ${MAX_PACKAGES} packages`);
    found.set(dir, { name, dir });
    const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(pj.dependencies ?? {})) visit(dep, dir, !!pj.optionalDependencies?.[dep]);
    for (const dep of Object.keys(pj.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const n of names) visit(n, fromDir, false);

  const all = [...found.values()];
  const inside = (p: Found): boolean =>
    all.some((q) => q !== p && p.dir.startsWith(`${q.dir}${sep}node_modules${sep}`));
  const out: Record<string, string> = {};
  for (const p of all.filter((x) => !inside(x)).sort((a, b) => a.name.localeCompare(b.name))) {
    const dest = `node_modules/${p.name}`;
    if (out[dest] !== undefined)
      throw new Error(
        `runtime dependencies: two copies of ${p.name} (${out[dest]} and ${p.dir}) would both go to ${dest}; ` +
          `dedupe them (npm dedupe) or install ${p.name} once`,
      );
    out[dest] = p.dir;
  }
  return out;
}

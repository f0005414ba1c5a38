// Where tests find the repository, the built CLI and the shared conformance data, from dist/test/... or test/...
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root');
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot();
export const CLI = join(ROOT, 'bin', 'faultline.js');
/** ../shared/conformance/porcupine beside the clone, unless FAULTLINE_CONFORMANCE_DIR says otherwise. */
export const CONFORMANCE_DIR = process.env.FAULTLINE_CONFORMANCE_DIR ?? resolve(ROOT, '..', 'shared', 'conformance', 'porcupine');

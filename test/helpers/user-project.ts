// A user's project as the public-API tests need it: a folder of its own, ESM, with node_modules/faultline
// pointing at this package, so `import ... from 'faultline'` resolves through package.json "exports" as it does
// after an install (test/e2e/package-install installs the real tarball).
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface UserProject {
  dir: string;
  /** Writes `text` to `file` in the project and returns its path. */
  mod(file: string, text: string): string;
}

export function userProject(prefix: string): UserProject {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'faultline'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  return {
    dir,
    mod: (file, text) => {
      writeFileSync(join(dir, file), text);
      return join(dir, file);
    },
  };
}

// The folder `check --out` and `shrink` write results.json and report.html into: created when missing, refused
// (one line, exit 3) when it exists and is not a folder or cannot be made.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HistoryError } from '../history/op.js';
import { fail } from './errors.js';

export function outDir(path: string, flag = '--out'): string {
  const out = resolve(path);
  if (existsSync(out) && !statSync(out).isDirectory()) fail(new Error(`${flag} ${path}: exists and is not a folder`));
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    fail(
      new HistoryError(`cannot create the folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path),
    );
  }
  return out;
}

#!/usr/bin/env node
// The line limit: no line longer than 120 columns in the files Biome checks. Biome's formatter wraps code at
// 120 (biome.json's lineWidth) but never breaks a string, a template literal or a comment, so those can run
// past it unseen; this script finds them. The files are git's tracked JavaScript and TypeScript sources outside
// dist/, results/ and node_modules/ (the folders biome.json's files.includes leaves out), so a new file counts
// once it is added. A column is one Unicode code point (`→` is one). Prints `file:line: N columns` per offender
// and exits 1 when there is any; exits 2 when the file list cannot be had (not a git checkout).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIMIT = 120;
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const SKIPPED = /(?:^|\/)(?:dist|results|node_modules)\//;
// The repository this script lives in, wherever it is run from.
const root = fileURLToPath(new URL('..', import.meta.url));

let files;
try {
  files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .split('\0')
    .filter((f) => SOURCE.test(f) && !SKIPPED.test(f));
} catch (e) {
  const why = (e.stderr?.toString() || e.message).trim().split('\n')[0];
  process.stderr.write(`check-lines: cannot list the tracked files (git ls-files): ${why}\n`);
  process.exit(2);
}

let over = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch (e) {
    // Tracked but deleted in the work tree: nothing to check.
    if (e.code === 'ENOENT') continue;
    throw e;
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const columns = [...lines[i].replace(/\r$/, '')].length;
    if (columns > LIMIT) {
      process.stdout.write(`${file}:${i + 1}: ${columns} columns\n`);
      over++;
    }
  }
}
if (over > 0) {
  process.stderr.write(`check-lines: ${over} lines over ${LIMIT} columns (split strings, reflow comments)\n`);
  process.exit(1);
}
process.stdout.write(`check-lines: no line over ${LIMIT} columns in ${files.length} files\n`);

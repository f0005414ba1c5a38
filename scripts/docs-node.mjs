#!/usr/bin/env node
// npm run docs:node: rewrites the API table of docs/node.md from the declarations in system/node/api.ts (through
// the compiled dist/system/node/api-table.js). Prints whether the file changed; exit 3 with one line on error.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const file = join(root, 'docs', 'node.md');
try {
  const { withApiTable } = await import(join(root, 'dist', 'system', 'node', 'api-table.js'));
  const before = readFileSync(file, 'utf8');
  const after = withApiTable(before);
  if (after === before) console.log('docs/node.md: the API table is current');
  else {
    writeFileSync(file, after);
    console.log('docs/node.md: API table rewritten');
  }
} catch (e) {
  process.stderr.write(`docs:node: ${String(e?.message ?? e).split('\n')[0]}\n`);
  process.exit(3);
}

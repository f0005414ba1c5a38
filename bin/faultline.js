#!/usr/bin/env node
// The compiled CLI lives in dist/: built by `npm ci` in a clone (the prepare script) or `npm run build`, and
// shipped in the package (built on `npm pack`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// package.json's engines: zlib.crc32 (the reference node's WAL) and module.register (TypeScript targets).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 15)) {
  process.stderr.write(`faultline: needs Node.js 20.15 or later (this is ${process.version})\n`);
  process.exit(3);
}
const cli = new URL('../dist/harness/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'faultline: not built yet; in a clone of Faultline run `npm ci` (or `npm run build`) in its folder first\n',
  );
  process.exit(3);
}
await import(cli.href);

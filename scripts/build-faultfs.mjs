#!/usr/bin/env node
// Builds the disk-fault layer (harness/runtime/disk/*.c, C against libfuse3) into
// dist/harness/runtime/disk/faultfs, where harness/runtime/disk/availability.ts looks for it. Part of
// `npm run build`, `npm ci` (prepare) and `npm test`; quick when the binary is newer than every source. An
// installed package ships the sources and this script, not a binary: availability.ts runs it on first use.
//
// Where gcc or libfuse3's headers are missing it prints one line saying what to install, writes the reason to
// dist/harness/runtime/disk/faultfs.unavailable (the runtime refuses disk faults with it) and exits 0: the
// TypeScript build and everything but the disk faults work without the layer.
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'harness', 'runtime', 'disk');
const out = join(root, 'dist', 'harness', 'runtime', 'disk');
const bin = join(out, 'faultfs');
const unavailable = join(out, 'faultfs.unavailable');

function has(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function giveUp(reason) {
  mkdirSync(out, { recursive: true });
  rmSync(bin, { force: true });
  writeFileSync(unavailable, `${reason}\n`);
  console.log(`faultfs: not built: ${reason} (disk faults are unavailable; the rest of the build is unaffected)`);
  process.exit(0);
}

const sources = readdirSync(src)
  .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
  .map((f) => join(src, f));
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(new URL(import.meta.url)).mtimeMs);
if (existsSync(bin) && statSync(bin).mtimeMs >= newest) process.exit(0);

try {
  mkdirSync(out, { recursive: true });
  accessSync(out, constants.W_OK);
} catch (e) {
  console.error(`faultfs: cannot write ${out} (${e.code}): run \`node ${process.argv[1]}\` as the folder's owner`);
  process.exit(1);
}

if (!has('gcc', ['--version'])) giveUp('gcc is not installed (apt-get install gcc libfuse3-dev fuse3)');
// pkg-config gives the flags where it is installed; Debian's libfuse3-dev puts them here otherwise.
let cflags = ['-I/usr/include/fuse3'];
let libs = ['-lfuse3', '-lpthread'];
if (has('pkg-config', ['--exists', 'fuse3'])) {
  cflags = execFileSync('pkg-config', ['--cflags', 'fuse3'], { encoding: 'utf8' }).trim().split(/\s+/);
  libs = [...execFileSync('pkg-config', ['--libs', 'fuse3'], { encoding: 'utf8' }).trim().split(/\s+/), '-lpthread'];
}
if (!cflags.some((f) => f.startsWith('-I') && existsSync(join(f.slice(2), 'fuse.h'))))
  giveUp("libfuse3's headers are not installed (apt-get install libfuse3-dev fuse3)");

// Per process: two harnesses building on first use at once must not write one file.
const tmp = `${bin}.${process.pid}.tmp`;
const args = ['-O2', '-g', '-std=gnu11', '-Wall', '-Wextra', ...cflags];
const cfiles = sources.filter((f) => f.endsWith('.c'));
try {
  execFileSync('gcc', [...args, ...cfiles, '-o', tmp, ...libs], { stdio: ['ignore', 'inherit', 'inherit'] });
} catch {
  // A compile error in our own source is a real failure, not a missing tool.
  rmSync(tmp, { force: true });
  console.error('faultfs: the C build failed (above)');
  process.exit(1);
}
renameSync(tmp, bin);
rmSync(unavailable, { force: true });
console.log(`faultfs: built ${bin.slice(root.length)}`);

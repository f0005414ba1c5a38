#!/usr/bin/env node
// Runs every compiled uvu test file (dist/test/**/*.test.js) in its own process, so that a file that crashes
// or hangs cannot take the others down, then prints one summary line: "N passed, M failed[, K skipped]".
// Usage: node scripts/test.mjs [substring ...]   (only files whose path from the repository root, dist/test/...,
// contains one of the substrings: a worktree's own folder name never matches every file)
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
// A file that runs longer than this is killed and counted as failed (docker end-to-end files are the slowest).
const FILE_TIMEOUT_MS = Number(process.env.FAULTLINE_TEST_FILE_TIMEOUT_MS ?? 15 * 60 * 1000);

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : name.endsWith('.test.js') ? [p] : [];
    });
}

// A compiled test whose source is gone (moved or deleted) is stale output, not a test.
const hasSource = (f) => existsSync(join(root, relative(join(root, 'dist'), f).replace(/\.js$/, '.ts')));
const files = walk(testDir)
  .filter(hasSource)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));
if (files.length === 0) {
  console.error(
    `no test files found under ${relative(root, testDir)}${filters.length ? ` matching ${filters.join(', ')}` : ''}`,
  );
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0,
  failed = 0,
  skipped = 0;
const failures = [];

for (const file of files) {
  const rel = relative(root, file);
  const started = Date.now();
  const out = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let text = '';
    const onData = (stream) => (chunk) => {
      text += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    const timer = setTimeout(() => {
      text += `\n[test runner] ${rel} timed out after ${FILE_TIMEOUT_MS} ms\n`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ text: strip(text), code, signal });
    });
  });
  const total = Number(/Total:\s+(\d+)/.exec(out.text)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(out.text)?.[1] ?? NaN);
  const skip = Number(/Skipped:\s+(\d+)/.exec(out.text)?.[1] ?? 0);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    failed += 1;
    failures.push(`${rel} (exited ${out.code ?? out.signal} without a uvu summary)`);
  } else {
    passed += ok;
    failed += total - ok;
    skipped += skip;
    if (total - ok > 0 || out.code !== 0) {
      failures.push(`${rel} (${total - ok} failed, exit ${out.code ?? out.signal})`);
      // A non-zero exit with all tests passing (e.g. an error after the run) still fails.
      if (total - ok === 0) failed += 1;
    }
  }
  console.log(`[test runner] ${rel}: ${secs}s`);
}

if (failures.length) console.log(`\nfailed files:\n  ${failures.join('\n  ')}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);

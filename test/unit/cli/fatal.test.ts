// Issue 14 item 7: every exit path tears down. An uncaught exception, an unhandled rejection and SIGHUP each run
// the registered cleanups and exit 3 (error), with one line on stderr; before, an async error exited 1 ("invalid").
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../../helpers/paths.js';

const FIXTURE = join(ROOT, 'dist', 'test', 'fixtures', 'fatal-victim.js');
const dir = mkdtempSync(join(tmpdir(), 'fl-fatal-'));

function run(how: string, signal?: NodeJS.Signals): Promise<{ code: number | null; stderr: string; marker: string }> {
  const marker = join(dir, `${how}-${signal ?? 'none'}`);
  const child = spawn(process.execPath, [FIXTURE, how, marker], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  child.stdout.on('data', () => {
    if (signal) child.kill(signal);
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr, marker })));
}

for (const [how, signal, re] of [
  ['throw', undefined, /^faultline: internal error: boom in a timer; cleaning up \(marker\)$/],
  ['reject', undefined, /^faultline: internal error \(unhandled rejection\): async boom; cleaning up \(marker\)$/],
  ['wait', 'SIGHUP', /^faultline: SIGHUP \(the terminal went away\); cleaning up \(marker\)$/],
] as const) {
  test(`${how}${signal ? ` + ${signal}` : ''}: cleanups run, one line, exit 3`, async () => {
    const r = await run(how, signal);
    assert.is(r.code, 3, r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), re);
    assert.ok(existsSync(r.marker) && readFileSync(r.marker, 'utf8') === 'cleaned\n', 'cleanup ran');
  });
}

test.run();

// The in-memory ustar writer (harness/runtime/tar.ts): GNU tar lists and extracts what it makes with the names,
// contents, modes, owner and folders given, and it refuses what ustar's fields cannot hold.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tarOf } from '../../../harness/runtime/tar.js';

test('tar lists the members in order with their modes and owner', () => {
  const archive = tarOf(
    [
      { path: 'clock', mode: 0o755 },
      { path: 'clock/faketimerc', text: '+90s\n', mode: 0o644 },
      { path: 'clock/key', text: 'secret', mode: 0o600 },
    ],
    1234,
    1_700_000_000,
  );
  assert.is(archive.length % 512, 0);
  const listing = execFileSync('tar', ['-tv', '--numeric-owner', '-f', '-'], { input: archive, encoding: 'utf8' });
  const rows = listing
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/));
  assert.equal(
    rows.map((r) => [r[0], r[1], r[2], r[5]]),
    [
      ['drwxr-xr-x', '1234/1234', '0', 'clock/'],
      ['-rw-r--r--', '1234/1234', '5', 'clock/faketimerc'],
      ['-rw-------', '1234/1234', '6', 'clock/key'],
    ],
  );
});

test('tar extracts the exact bytes, also of a file filling whole blocks and of an empty one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-tar-test-'));
  try {
    const block = Buffer.alloc(1024, 7);
    const archive = tarOf([
      { path: 'a.txt', text: 'ünïcode ok\n', mode: 0o640 },
      { path: 'block.bin', text: block, mode: 0o644 },
      { path: 'empty', text: '', mode: 0o644 },
    ]);
    execFileSync('tar', ['-x', '-C', dir, '-f', '-'], { input: archive });
    assert.is(readFileSync(join(dir, 'a.txt'), 'utf8'), 'ünïcode ok\n');
    assert.is(statSync(join(dir, 'a.txt')).mode & 0o777, 0o640);
    assert.ok(readFileSync(join(dir, 'block.bin')).equals(block));
    assert.is(statSync(join(dir, 'empty')).size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('names ustar cannot hold, and paths that climb out, are refused', () => {
  assert.throws(() => tarOf([{ path: 'x'.repeat(101), text: '', mode: 0o644 }]), /longer than 100 bytes/);
  assert.throws(() => tarOf([{ path: '/etc/passwd', text: '', mode: 0o644 }]), /relative path/);
  assert.throws(() => tarOf([{ path: 'a/../../b', text: '', mode: 0o644 }]), /relative path/);
  assert.throws(() => tarOf([{ path: 'a', text: '', mode: 0o644 }], 0o100000000), /does not fit/);
});

test.run();

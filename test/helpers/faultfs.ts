// Gate and fixtures for tests on the disk-fault layer (harness/runtime/disk). Without the layer (not built, no
// /dev/fuse, not root) the tests are skipped with the reason printed once; on CI (FAULTLINE_REQUIRE_DOCKER=1,
// whose .ci/run installs gcc, libfuse3-dev and fuse3) that is a failing test instead.
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { diskFaultsAvailable } from '../../harness/runtime/disk/availability.js';
import { FaultFs, type MountOptions } from '../../harness/runtime/disk/faultfs.js';

export const disk = diskFaultsAvailable();
const required = process.env.FAULTLINE_REQUIRE_DOCKER === '1';
let announced = false;

/** Registers a test that needs the layer: runs it, skips it (printed) or, on CI, fails it. */
export function faultfsTest(test: Test, name: string, fn: () => Promise<void> | void): void {
  if (disk.ok) test(name, fn);
  else if (required) test(name, () => assert.unreachable(`FAULTLINE_REQUIRE_DOCKER=1 but ${disk.reason}`));
  else {
    if (!announced) console.log(`skipped: ${disk.reason} (set FAULTLINE_REQUIRE_DOCKER=1 to make this a failure)`);
    announced = true;
    test.skip(name, fn);
  }
}

/** fsync of a directory: what makes creates, renames and unlinks in it durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A fresh mount for one test: `mnt` is what programs use, `back` the backing directory (read directly to see
 * what is on the "disk"). Unmounted and removed afterwards, whatever the test did.
 */
export async function withMount(
  fn: (fs: FaultFs, mnt: string, back: string) => Promise<void>,
  opts: Partial<MountOptions> = {},
): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'fl-faultfs-'));
  const mnt = join(base, 'mnt');
  const back = join(base, 'back');
  mkdirSync(mnt);
  mkdirSync(back);
  const fs = await FaultFs.mount({ dir: mnt, backing: back, stateDir: join(base, 'state'), ...opts });
  try {
    await fn(fs, mnt, back);
  } finally {
    await fs.unmount();
    rmSync(base, { recursive: true, force: true });
  }
}

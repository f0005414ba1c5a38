// Whether the disk-fault layer can run here, and if not, the one-line reason a runtime gives when it refuses a
// disk fault. It needs Linux, the built binary (scripts/build-faultfs.mjs, which records why it could not build
// it), /dev/fuse, and either root or fusermount3 with user_allow_other (containers reach the mount through a
// bind mount, which needs allow_other).
//
// An installed package ships the layer's C sources and build script, never a binary (one compiled elsewhere may
// not match this machine's libfuse3), and builds it the first time disk faults are asked for: not in a
// postinstall, which npm 11 and pnpm 10 skip for dependencies unless approved and whose output npm hides, and
// which would cost every user a compile whether or not they ever use disk faults.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { repoRoot } from '../../paths.js';

export interface DiskAvailability {
  ok: boolean;
  /** Why not, in one line, when !ok. */
  reason?: string;
}

/** Where the build puts the layer's binary. */
export function faultfsBinary(): string {
  return join(repoRoot(), 'dist', 'harness', 'runtime', 'disk', 'faultfs');
}

let cached: DiskAvailability | undefined;

/** Checked once per process (nothing here changes while the harness runs). */
export function diskFaultsAvailable(): DiskAvailability {
  cached ??= check();
  return cached;
}

/** Runs the build script; undefined when it built the layer or recorded why not, else the line saying why it failed. */
function buildOnFirstUse(): string | undefined {
  const script = join(repoRoot(), 'scripts', 'build-faultfs.mjs');
  if (!existsSync(script)) return `${script} is missing`;
  const t0 = Date.now();
  try {
    execFileSync(process.execPath, [script], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const lines = ((e as { stderr?: string }).stderr ?? '').trim().split('\n');
    return lines.find((l) => /\berror:/.test(l)) ?? (lines[lines.length - 1] || (e as Error).message.split('\n')[0]);
  }
  if (existsSync(faultfsBinary()))
    process.stderr.write(
      `faultfs: built the disk-fault layer on first use (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
  return undefined;
}

function check(): DiskAvailability {
  const no = (reason: string): DiskAvailability => ({ ok: false, reason: `disk faults are unavailable: ${reason}` });
  if (process.platform !== 'linux') return no(`the FUSE layer runs on Linux only (this is ${process.platform})`);
  const bin = faultfsBinary();
  if (!existsSync(bin)) {
    const failed = buildOnFirstUse();
    if (failed) return no(`the layer could not be built: ${failed}`);
  }
  if (!existsSync(bin)) {
    const why = join(bin, '..', 'faultfs.unavailable');
    if (existsSync(why)) return no(`the layer was not built: ${readFileSync(why, 'utf8').trim()}`);
    return no(`${bin} is missing (build it with npm run build; it needs gcc and libfuse3-dev)`);
  }
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return no('/dev/fuse is missing or not usable (apt-get install fuse3; in a container, --device /dev/fuse)');
  }
  if (process.getuid?.() !== 0) {
    if (!onPath('fusermount3')) return no('not root, and fusermount3 is not installed (apt-get install fuse3)');
    const conf = existsSync('/etc/fuse.conf') ? readFileSync('/etc/fuse.conf', 'utf8') : '';
    if (!/^\s*user_allow_other\b/m.test(conf))
      return no('not root, and /etc/fuse.conf lacks user_allow_other (the mount needs allow_other)');
  }
  return { ok: true };
}

/** Whether an executable of that name is on PATH. */
export function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

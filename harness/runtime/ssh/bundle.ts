// What a spec uploads (ClusterSpec.install → HostInstaller.upload): files and folders from the controller packed
// into one tar here, named by its content hash, sent to each host over SFTP and unpacked under
// <base>/bundles/<name>-<hash>/. A host that already holds that bundle from an earlier run is not sent it again;
// each name keeps its KEEP newest bundles per host.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SshHost } from './connection.js';
import { q } from './shell.js';

const KEEP = 4;

export interface Bundle {
  name: string;
  hash: string;
  tar: string;
  /** Removes the local tar. */
  dispose(): void;
}

/** Packs `files` (path inside the bundle → controller path) into a reproducible tar (sorted, fixed mtime/owner). */
export async function packBundle(name: string, files: Record<string, string>): Promise<Bundle> {
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(name)) throw new Error(`bundle name "${name}" must be [a-z0-9-]`);
  const work = mkdtempSync(join(tmpdir(), 'faultline-bundle-'));
  const ctx = join(work, 'ctx');
  const tar = join(work, `${name}.tar`);
  try {
    for (const [dest, src] of Object.entries(files)) {
      if (dest.startsWith('/') || dest.split('/').includes('..'))
        throw new Error(`bundle ${name}: "${dest}" must be a relative path inside the bundle`);
      if (!existsSync(src)) throw new Error(`bundle ${name}: ${src} is missing (for ${dest})`);
      mkdirSync(dirname(join(ctx, dest)), { recursive: true });
      symlinkSync(src, join(ctx, dest));
    }
    const args = ['-C', ctx, '-h', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner'];
    await new Promise<void>((resolve, reject) => {
      const p = spawn('tar', [...args, '--exclude=*.map', '-cf', tar, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (c) => (err += c));
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}: ${err.trim()}`))));
    });
    const h = createHash('sha256');
    for await (const chunk of createReadStream(tar)) h.update(chunk as Buffer);
    const hash = h.digest('hex').slice(0, 16);
    return { name, hash, tar, dispose: () => rmSync(work, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

/** Makes sure `host` holds the bundle under base; returns its folder there. True in `sent` when it was uploaded. */
export async function placeBundle(host: SshHost, base: string, b: Bundle): Promise<{ dir: string; sent: boolean }> {
  const dir = `${base}/bundles/${b.name}-${b.hash}`;
  const d = q(dir);
  const have = await host.exec(`test -f ${d}/.complete && touch ${d}`);
  let sent = false;
  if (have.code !== 0) {
    await host.must('make the bundles folder', `mkdir -p ${q(`${base}/bundles`)}`);
    const part = `${dir}.tar.part`;
    await host.put(b.tar, part);
    await host.must(
      `unpack bundle ${b.name}`,
      `rm -rf ${d}.tmp && mkdir ${d}.tmp && tar -xf ${q(part)} -C ${d}.tmp && rm -f ${q(part)}
rm -rf ${d} && mv ${d}.tmp ${d} && touch ${d}/.complete`,
    );
    sent = true;
  }
  // Older bundles of this name beyond the newest KEEP (by last use) go.
  await host.exec(
    `cd ${q(`${base}/bundles`)} && ls -1dt ${q(b.name)}-*/ 2>/dev/null | tail -n +${KEEP + 1} |
  while IFS= read -r x; do rm -rf "$x"; done`,
  );
  return { dir, sent };
}

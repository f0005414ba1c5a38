// The image of the test bed's SSH hosts: a real Debian userland made with mmdebstrap from Debian's mirror
// (DESIGN.md "Beyond one machine": about 30 s, once per machine) with openssh-server, iptables, faketime,
// iproute2, procps and sudo, plus the controller's own node binary (what the locally made base image carries),
// imported with `docker import`: no registry. Chosen over copying host binaries with their ldd libraries because
// sshd (privilege separation, PAM), iptables (extensions it dlopens: comment, statistic) and sudo need their
// whole packages, not just what ldd lists, and because a bed should look like the Debian VMs it stands for.
// Tagged faultline-sshhost:<hash of this recipe and the node binary>, so it is built once and reused.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { imageExists } from '../../docker/base-image.js';

/** The user the bed's hosts log in as: not root, iptables and tc through sudo, as docs/ssh.md recommends. */
export const BED_USER = 'faultline';
export const BED_UID = 1000;
export const PACKAGES = ['openssh-server', 'iptables', 'faketime', 'iproute2', 'procps', 'sudo'];

/** sshd settings: keys only, our ed25519 host key only, and a dead client noticed within 15 s. */
const SSHD_CONFIG = `PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
HostKey /etc/ssh/ssh_host_ed25519_key
ClientAliveInterval 5
ClientAliveCountMax 3
`;

const SUDOERS = `${BED_USER} ALL=(root) NOPASSWD: /usr/sbin/iptables, /usr/sbin/iptables-restore, /usr/sbin/tc\n`;

/** mmdebstrap's customize hooks ($1 is the new root); each is one step of the recipe. */
function hooks(node: string): string[] {
  return [
    `cp ${node} "$1/usr/local/bin/node" && chmod 755 "$1/usr/local/bin/node"`,
    // Fails the build here, with the loader's message, if the controller's node does not run on this Debian.
    'chroot "$1" /usr/local/bin/node -e 0',
    // Debian's package made host keys at install time: every host of every bed would share them. Keys are made
    // per bed instead (bed.ts).
    'rm -f "$1"/etc/ssh/ssh_host_*',
    `chroot "$1" useradd --uid ${BED_UID} --create-home --shell /bin/bash ${BED_USER}`,
    `printf '%s' '${SUDOERS}' > "$1/etc/sudoers.d/faultline" && chmod 0440 "$1/etc/sudoers.d/faultline"`,
    `printf '%s' '${SSHD_CONFIG}' > "$1/etc/ssh/sshd_config.d/faultline.conf"`,
    // A container cannot set the audit login uid (no CAP_AUDIT_CONTROL, and it gets none): optional, not fatal.
    `sed -i 's/^session[[:space:]]*required[[:space:]]*pam_loginuid.so/session optional pam_loginuid.so/' \\
      "$1/etc/pam.d/sshd"`,
  ];
}

export function bedImageTag(node = realpathSync(process.execPath)): string {
  const h = createHash('sha256')
    .update(JSON.stringify({ packages: PACKAGES, hooks: hooks('NODE'), suite: 'bookworm' }))
    .update(readFileSync(node));
  return `faultline-sshhost:${h.digest('hex').slice(0, 12)}`;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => (out = (out + c).slice(-4000)));
    p.stderr.on('data', (c) => (out = (out + c).slice(-4000)));
    p.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    p.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd} exited ${code}: ${out.trim().split('\n').slice(-3).join(' | ')}`)),
    );
  });
}

const secs = (ms: number) => (ms / 1000).toFixed(1);

/** Builds the bed image unless it exists; returns its tag. */
export async function ensureBedImage(docker: Docker, log: (m: string) => void): Promise<string> {
  const node = realpathSync(process.execPath);
  const tag = bedImageTag(node);
  if (await imageExists(docker, tag)) return tag;
  if (spawnSync('sh', ['-c', 'command -v mmdebstrap'], { stdio: 'ignore' }).status !== 0)
    throw new Error('the test bed image is built with mmdebstrap, which is not installed (apt-get install mmdebstrap)');
  const work = mkdtempSync(join(tmpdir(), 'faultline-bed-image-'));
  try {
    const tar = join(work, 'root.tar');
    const t0 = Date.now();
    log(`bed image: building ${tag} with mmdebstrap (Debian bookworm + ${PACKAGES.join(', ')}; about 30-60 s)`);
    await run('mmdebstrap', [
      '--variant=apt',
      `--include=${PACKAGES.join(',')}`,
      ...hooks(node).map((h) => `--customize-hook=${h}`),
      'bookworm',
      tar,
    ]);
    const t1 = Date.now();
    const [repo, version] = tag.split(':');
    const stream = (await docker.importImage(createReadStream(tar), {
      repo,
      tag: version,
      changes: [
        'CMD ["/bin/sh", "-c", "mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e"]',
        'LABEL faultline.sshhost=1',
      ],
    } as object)) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
        const bad = err?.message ?? out?.find((o) => o.error)?.error;
        return bad ? reject(new Error(`docker import of the bed image failed: ${bad}`)) : resolve();
      }),
    );
    if (!(await imageExists(docker, tag))) throw new Error(`docker import finished but ${tag} is not there`);
    log(`bed image: ${tag} (mmdebstrap ${secs(t1 - t0)} s, import ${secs(Date.now() - t1)} s)`);
    return tag;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

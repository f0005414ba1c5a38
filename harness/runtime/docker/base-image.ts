// The base image the node image builds FROM. By default the locally made base: the host's `node` binary, the
// shared libraries `ldd` lists for it (with the dynamic loader), libfaketime, and a few /etc files, in a tar fed
// to `docker import`; made once per node version and reused. A run makes no outside connection unless asked
// (issue 22, item 7: every run used to try a public registry first, which failed at the DNS lookup here). A base
// image is asked for with FAULTLINE_BASE_IMAGE (e.g. node:20-bookworm-slim): used when present, else pulled, and
// a pull that fails (or FAULTLINE_NO_PULL=1 with the image absent) is an error, never a silent fallback to
// another base. One Dockerfile serves both; the chosen path is logged.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { lddPaths } from '../host-files.js';

/** The official image to ask for where a registry is reachable (docker/Dockerfile's default BASE). */
export const OFFICIAL_BASE = 'node:20-bookworm-slim';
/** The environment variable that asks for a base image instead of the locally made one. */
export const BASE_IMAGE_ENV = 'FAULTLINE_BASE_IMAGE';
/** Where libfaketime lives on Debian hosts, and where the node image keeps it (docker/Dockerfile's LD_PRELOAD). */
export const HOST_LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

export type BaseSource = 'present' | 'pulled' | 'local-existing' | 'local-imported';

export interface BaseImage {
  image: string;
  source: BaseSource;
}

export interface BaseImageOptions {
  /** The base image asked for; default $FAULTLINE_BASE_IMAGE; neither: the locally made base. */
  base?: string;
  /** Never pull an asked-for base that is absent (also $FAULTLINE_NO_PULL=1); an error then. */
  noPull?: boolean;
  pullTimeoutMs?: number;
  log?: (msg: string) => void;
}

export async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => {
      if (err) return reject(err);
      const bad = (out ?? []).find((o) => (o as { error?: string }).error) as { error?: string } | undefined;
      if (bad) return reject(new Error(bad.error));
      resolve(out ?? []);
    });
  });
}

async function tryPull(docker: Docker, name: string, timeoutMs: number): Promise<string | undefined> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const stream = (await docker.pull(name, { abortSignal: ac.signal })) as NodeJS.ReadableStream;
    await follow(docker, stream);
    return undefined;
  } catch (e) {
    return ac.signal.aborted ? `no answer within ${timeoutMs} ms` : (e as Error).message.split('\n')[0].trim();
  } finally {
    clearTimeout(timer);
  }
}

/** The tag of the locally made base for this host's node, e.g. faultline-base:node20.20.2. */
export function localBaseTag(): string {
  return `faultline-base:node${process.version.replace(/^v/, '')}`;
}

/** Copies a host file into the staging root at the same (directory-resolved) path, dereferencing symlinks. */
function stage(root: string, hostPath: string, inImage?: string): string {
  const dest = inImage ?? join(realpathSync(dirname(hostPath)), basename(hostPath));
  const to = join(root, dest);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(realpathSync(hostPath), to);
  chmodSync(to, 0o755);
  return dest;
}

/** Builds the staging folder of the local base image; returns its path. */
export function stageLocalBase(): string {
  const root = mkdtempSync(join(tmpdir(), 'faultline-base-'));
  const node = realpathSync(process.execPath);
  stage(root, node, '/usr/local/bin/node');
  for (const lib of lddPaths(node)) stage(root, lib);
  if (existsSync(HOST_LIBFAKETIME)) {
    for (const lib of lddPaths(HOST_LIBFAKETIME)) stage(root, lib);
    stage(root, HOST_LIBFAKETIME, HOST_LIBFAKETIME);
  }
  // Mirror the host's merged-/usr symlinks (/lib -> usr/lib, /lib64 -> usr/lib64, ...) so the paths ldd printed work.
  for (const top of ['lib', 'lib64', 'lib32', 'libx32', 'bin', 'sbin']) {
    const host = `/${top}`;
    if (existsSync(host) && lstatSync(host).isSymbolicLink() && !existsSync(join(root, top))) {
      symlinkSync(readlinkSync(host), join(root, top));
    }
  }
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/usr/sbin/nologin\n' +
      'node:x:1000:1000::/home/node:/usr/sbin/nologin\n' +
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  );
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(root, 'etc/os-release'), 'NAME="faultline-base"\nID=faultline\n');
  for (const d of ['tmp', 'root', 'home/node', 'data', 'clock']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  return root;
}

async function importLocalBase(docker: Docker, tag: string): Promise<void> {
  const root = stageLocalBase();
  try {
    const tar = spawn('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    tar.stderr.on('data', (c) => (err += c));
    const tarDone = new Promise<void>((resolve, reject) =>
      tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}: ${err}`)))),
    );
    const [repo, t] = tag.split(':');
    const stream = (await docker.importImage(tar.stdout, {
      repo,
      tag: t,
      changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LABEL faultline.base=1'],
    } as object)) as NodeJS.ReadableStream;
    await Promise.all([follow(docker, stream), tarDone]);
    if (!(await imageExists(docker, tag))) throw new Error(`docker import finished but ${tag} is not there`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Picks the base image: the locally made one (reused if made earlier, otherwise imported now) unless one is asked
 * for (o.base or $FAULTLINE_BASE_IMAGE), which is used if present and pulled otherwise. Logs which path was
 * taken. Throws (one line) when an asked-for image can be neither found nor pulled.
 */
export async function ensureBaseImage(docker: Docker, o: BaseImageOptions = {}): Promise<BaseImage> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const asked = o.base || process.env[BASE_IMAGE_ENV] || undefined;
  if (asked !== undefined) {
    const by = o.base ? 'asked for' : `asked for by ${BASE_IMAGE_ENV}`;
    if (await imageExists(docker, asked)) {
      log(`base image: ${asked} (${by}, present locally)`);
      return { image: asked, source: 'present' };
    }
    if (o.noPull ?? process.env.FAULTLINE_NO_PULL === '1')
      throw new Error(`base image ${asked} (${by}) is not present, and FAULTLINE_NO_PULL=1 forbids pulling it`);
    const err = await tryPull(docker, asked, o.pullTimeoutMs ?? 60_000);
    if (err !== undefined)
      throw new Error(
        `base image ${asked} (${by}) is not present and cannot be pulled: ${err}; ` +
          `unset ${BASE_IMAGE_ENV} to use the base made locally from the host's node`,
      );
    log(`base image: ${asked} (${by}, pulled)`);
    return { image: asked, source: 'pulled' };
  }
  const tag = localBaseTag();
  if (await imageExists(docker, tag)) {
    log(`base image: ${tag} (made earlier from the host's node; ${BASE_IMAGE_ENV} asks for another)`);
    return { image: tag, source: 'local-existing' };
  }
  log(`base image: making ${tag} from the host's node ${process.version} (${BASE_IMAGE_ENV} asks for another)`);
  const t0 = Date.now();
  await importLocalBase(docker, tag);
  log(
    `base image: ${tag} (imported from the host's node binary, ` +
      `its libraries and libfaketime in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return { image: tag, source: 'local-imported' };
}

// Target images: a target's Dockerfile built with dockerode from a tar context made here, FROM the base that
// base-image.ts chose, tagged faultline-<name>:<content hash>. The hash covers the Dockerfile, every file the
// recipe lists, the base image and whether libfaketime is included, so an unchanged tree never rebuilds.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import * as tarFs from 'tar-fs';
import type { ImageRecipe } from '../spec.js';
import { ensureBaseImage, HOST_LIBFAKETIME, imageExists, type BaseImage, type BaseImageOptions } from './base-image.js';

function walkFiles(p: string): string[] {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .sort()
    .flatMap((n) => walkFiles(join(p, n)));
}

/** Content hash (12 hex digits) of everything that goes into the image: Dockerfile, files, base, libfaketime. */
export function contentHash(r: ImageRecipe, base: string): string {
  const h = createHash('sha256');
  h.update(readFileSync(r.dockerfile)).update('\0');
  for (const dest of Object.keys(r.files).sort()) {
    const src = r.files[dest];
    for (const f of walkFiles(src)) {
      if (f.endsWith('.map') || f.endsWith('.tsbuildinfo')) continue;
      h.update(join(dest, f.slice(src.length)))
        .update('\0')
        .update(readFileSync(f))
        .update('\0');
    }
  }
  h.update(`base=${base}\0faketime=${existsSync(HOST_LIBFAKETIME)}\0labels=${JSON.stringify(r.labels ?? {})}`);
  return h.digest('hex').slice(0, 12);
}

/** Makes the build context folder (symlinks, followed when packed); libfaketime goes in as faketime/. */
function stageContext(r: ImageRecipe): string {
  const ctx = mkdtempSync(join(tmpdir(), 'faultline-ctx-'));
  symlinkSync(r.dockerfile, join(ctx, 'Dockerfile'));
  mkdirSync(join(ctx, 'faketime'));
  if (existsSync(HOST_LIBFAKETIME)) symlinkSync(HOST_LIBFAKETIME, join(ctx, 'faketime', 'libfaketime.so.1'));
  for (const [dest, src] of Object.entries(r.files)) {
    if (!existsSync(src)) throw new Error(`image ${r.name}: ${src} is missing (for ${dest} in the build context)`);
    const to = join(ctx, dest);
    mkdirSync(dirname(to), { recursive: true });
    symlinkSync(src, to);
  }
  return ctx;
}

export interface BuiltImage {
  image: string;
  base: BaseImage;
  built: boolean;
  faketime: boolean;
  buildMs: number;
}

/** Ensures faultline-<name>:<hash> exists, building it FROM the chosen base if needed, and returns its tag. */
export async function buildImage(docker: Docker, r: ImageRecipe, o: BaseImageOptions = {}): Promise<BuiltImage> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const base = await ensureBaseImage(docker, { ...o, log });
  const tag = `faultline-${r.name}:${contentHash(r, base.image)}`;
  const faketime = existsSync(HOST_LIBFAKETIME);
  if (await imageExists(docker, tag)) {
    log(`${r.name} image: ${tag} (already built)`);
    return { image: tag, base, built: false, faketime: await imageHasFaketime(docker, tag), buildMs: 0 };
  }
  const t0 = Date.now();
  const ctx = stageContext(r);
  try {
    // The context as a tar stream, links followed, owned by root (as tar -h --owner=0 --group=0 made it), source
    // maps left out (the hash leaves them out too).
    const context = tarFs.pack(ctx, {
      dereference: true,
      ignore: (name) => name.endsWith('.map'),
      map: (h) => ({ ...h, uid: 0, gid: 0 }),
    });
    const packFailed = new Promise<never>((_, rej) =>
      context.once('error', (e: Error) => rej(new Error(`image ${r.name}: packing the build context: ${e.message}`))),
    );
    packFailed.catch(() => undefined); // seen by the race below, even when it fails before the race begins
    const stream = await docker.buildImage(context, {
      t: tag,
      dockerfile: 'Dockerfile',
      buildargs: { BASE: base.image },
      rm: true,
      forcerm: true,
      pull: false,
      labels: { ...(r.labels ?? {}), 'faultline.image': r.name, 'faultline.faketime': faketime ? '1' : '0' },
    } as Docker.ImageBuildOptions);
    const lines: string[] = [];
    await Promise.race([
      packFailed,
      new Promise<void>((res, rej) => {
        docker.modem.followProgress(
          stream,
          (err: Error | null, out: Array<{ error?: string; stream?: string }>) => {
            if (err) return rej(err);
            const bad = (out ?? []).find((x) => x.error);
            if (bad) return rej(new Error(`docker build of ${tag} failed: ${bad.error}\n${lines.slice(-20).join('')}`));
            res();
          },
          (ev: { stream?: string }) => {
            if (ev.stream) lines.push(ev.stream);
          },
        );
      }),
    ]);
    if (!(await imageExists(docker, tag)))
      throw new Error(`docker build finished but ${tag} is missing:\n${lines.slice(-20).join('')}`);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  const buildMs = Date.now() - t0;
  log(`${r.name} image: ${tag} built FROM ${base.image} in ${(buildMs / 1000).toFixed(1)} s`);
  return { image: tag, base, built: true, faketime, buildMs };
}

/** Whether the image was built with libfaketime inside (our label). */
export async function imageHasFaketime(docker: Docker, image: string): Promise<boolean> {
  try {
    const info = await docker.getImage(image).inspect();
    return info.Config?.Labels?.['faultline.faketime'] === '1';
  } catch {
    return false;
  }
}

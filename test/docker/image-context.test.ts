// The build context of a target image, packed with tar-fs: the Dockerfile and faketime/ at the top, each of the
// recipe's files and folders at its destination with links followed (the reference recipe links whole packages),
// source maps left out. Checked by reading the built image's files back through a container that
// is created, never started. A unique label gives a new content hash, so the build runs every time.
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Docker from 'dockerode';
import * as tarFs from 'tar-fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildImage } from '../../harness/runtime/docker/image.js';
import { dockerHooks, dockerTest } from '../helpers/docker.js';

const docker = new Docker();
const work = mkdtempSync(join(tmpdir(), 'fl-image-context-'));
const runLabel = `ctx${Date.now().toString(36)}`;
let image: string | undefined;
let container: Docker.Container | undefined;

dockerHooks(test, {
  after: async () => {
    await container?.remove({ force: true }).catch(() => undefined);
    if (image)
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  },
});

dockerTest(test, 'the context holds every file at its destination, links followed, no source maps', async () => {
  const src = join(work, 'src');
  mkdirSync(join(src, 'pkg', 'lib', 'deep'), { recursive: true });
  writeFileSync(join(src, 'pkg', 'package.json'), '{"name":"pkg"}\n');
  writeFileSync(join(src, 'pkg', 'lib', 'deep', 'a.js'), 'export const a = 1;\n');
  writeFileSync(join(src, 'pkg', 'lib', 'deep', 'a.js.map'), '{}\n');
  writeFileSync(join(src, 'real.txt'), 'reached through a link\n');
  symlinkSync(join(src, 'real.txt'), join(src, 'pkg', 'lib', 'link.txt'));
  writeFileSync(join(src, 'single.txt'), 'one file\n');
  const dockerfile = join(work, 'Dockerfile');
  writeFileSync(dockerfile, 'ARG BASE\nFROM $BASE\nCOPY app/ /app/\n');

  const built = await buildImage(
    docker,
    {
      name: 'ctxtest',
      dockerfile,
      files: { 'app/pkg': join(src, 'pkg'), 'app/one/single.txt': join(src, 'single.txt') },
      labels: { 'faultline.test': runLabel },
    },
    { log: () => undefined },
  );
  image = built.image;
  assert.ok(built.built, 'a new label must give a new hash and a build');

  container = await docker.createContainer({
    Image: image,
    Entrypoint: ['/none'],
    Labels: { 'faultline.test': runLabel },
  });
  const out = join(work, 'out');
  mkdirSync(out);
  await pipeline((await container.getArchive({ path: '/app' })) as NodeJS.ReadableStream, tarFs.extract(out));
  const app = join(out, 'app');
  assert.is(readFileSync(join(app, 'pkg', 'package.json'), 'utf8'), '{"name":"pkg"}\n');
  assert.is(readFileSync(join(app, 'pkg', 'lib', 'deep', 'a.js'), 'utf8'), 'export const a = 1;\n');
  assert.is(readFileSync(join(app, 'one', 'single.txt'), 'utf8'), 'one file\n');
  assert.ok(lstatSync(join(app, 'pkg', 'lib', 'link.txt')).isFile(), 'the link must arrive as the file it names');
  assert.is(readFileSync(join(app, 'pkg', 'lib', 'link.txt'), 'utf8'), 'reached through a link\n');
  assert.throws(() => lstatSync(join(app, 'pkg', 'lib', 'deep', 'a.js.map')), /ENOENT/);
});

test.run();

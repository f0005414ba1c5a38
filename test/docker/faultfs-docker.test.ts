// The disk-fault layer under a container (issue 24, item 1): the host mounts faultfs (allow_other) and the
// container sees the mounted directory through a plain bind mount, with no privileges and no FUSE of its own.
// What the container fsynced survives a crash-drop on the host; what it did not is gone.
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureBaseImage } from '../../harness/runtime/docker/base-image.js';
import { FaultFs } from '../../harness/runtime/disk/faultfs.js';
import { docker as engine, dockerTest } from '../helpers/docker.js';
import { faultfsTest } from '../helpers/faultfs.js';

const WRITER = `
const fs = require('fs');
const fd = fs.openSync('/data/synced', 'w');
fs.writeSync(fd, 'from the container, synced');
fs.fsyncSync(fd);
fs.closeSync(fd);
const d = fs.openSync('/data', 'r');
fs.fsyncSync(d);
fs.closeSync(d);
fs.appendFileSync('/data/synced', ' + a tail never synced');
fs.writeFileSync('/data/unsynced', 'never synced');
`;

(engine.ok ? faultfsTest : dockerTest)(test, 'a container writes through a bind mount of the layer', async () => {
  const d = new Docker();
  const { image } = await ensureBaseImage(d, { noPull: true, log: () => undefined });
  const base = mkdtempSync(join(tmpdir(), 'fl-faultfs-docker-'));
  const mnt = join(base, 'mnt');
  const back = join(base, 'back');
  mkdirSync(mnt);
  mkdirSync(back);
  const fs = await FaultFs.mount({ dir: mnt, backing: back, stateDir: join(base, 'state') });
  const c = await d.createContainer({
    Image: image,
    Cmd: ['node', '-e', WRITER],
    Labels: { 'faultline.test': 'faultfs-docker' },
    HostConfig: { Binds: [`${mnt}:/data`] },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    assert.is(StatusCode, 0, 'the writer in the container succeeded');
    assert.is(readFileSync(join(mnt, 'synced'), 'utf8'), 'from the container, synced + a tail never synced');
    assert.is(readFileSync(join(mnt, 'unsynced'), 'utf8'), 'never synced');
    const r = await fs.crashDrop();
    assert.is(readFileSync(join(back, 'synced'), 'utf8'), 'from the container, synced');
    assert.not.ok(existsSync(join(back, 'unsynced')));
    assert.is(r.bytes, 22 + 12, JSON.stringify(r));
  } finally {
    await c.remove({ force: true });
    await fs.unmount();
    rmSync(base, { recursive: true, force: true });
  }
});

test.run();

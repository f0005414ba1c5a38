// Issue 14 item 7: a harness killed with SIGKILL mid-run on docker leaves nothing labelled behind: the run's
// reaper container (docker/reaper.ts) sees its connection drop and removes the containers, network, volumes
// and itself within a few seconds. Issue 22 item 5: a harness that dies between starting the reaper and
// connecting to it (no connection ever comes) leaves nothing behind for more than a few seconds either.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Docker from 'dockerode';
import { cleanLeftovers, listLeftovers } from '../../harness/runtime/clean.js';
import { ensureBaseImage } from '../../harness/runtime/docker/base-image.js';
import { runLivenessLabel } from '../../harness/runtime/docker/liveness.js';
import {
  createReaper,
  localSocketPath,
  type ReaperStatus,
  reaperStatus,
  START_WINDOW_S,
} from '../../harness/runtime/docker/reaper.js';
import { dockerTest } from '../helpers/docker.js';
import { killVictim, startVictim, waitFor } from '../helpers/victim.js';

const runId = `reap${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'fl-reaper-'));

dockerTest(test, 'SIGKILL of the harness: nothing labelled with the run remains within a few seconds', async () => {
  const docker = new Docker();
  try {
    const { child } = await startVictim('docker', runId, join(dir, 'nodes'));
    const before = await listLeftovers({ runId, docker });
    assert.ok(
      before.containers.some((c) => c.endsWith('-reaper')),
      `a reaper runs: ${before.containers.join(', ')}`,
    );
    assert.ok(
      before.containers.some((c) => c.endsWith('-n1')),
      'the node container runs',
    );
    assert.is(before.networks.length, 1);
    assert.is(before.volumes.length, 1);
    await killVictim(child);
    const ms = await waitFor(
      async () => {
        const l = await listLeftovers({ runId, docker });
        return l.containers.length + l.networks.length + l.volumes.length === 0;
      },
      10_000,
      200,
    );
    const left = await listLeftovers({ runId, docker });
    assert.ok(ms >= 0, `still there 10 s after SIGKILL: ${JSON.stringify(left)}`);
    console.log(
      `  reaped ${before.containers.length} containers, ${before.networks.length} network, ` +
        `${before.volumes.length} volume in ${ms} ms after SIGKILL`,
    );
  } finally {
    await cleanLeftovers({ runId, docker, force: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

dockerTest(test, 'no harness ever connects: the reaper removes the run within a few seconds of its start', async () => {
  const docker = new Docker();
  const id = `reapw${Date.now().toString(36)}`;
  try {
    const socketPath = await localSocketPath(docker);
    assert.ok(socketPath, 'the engine is reached through a local socket');
    const { image } = await ensureBaseImage(docker, { log: () => undefined });
    const labels = { faultline: '1', 'faultline.run': id, ...runLivenessLabel(true) };
    const t0 = Date.now();
    const { port } = await createReaper(docker, image, id, socketPath);
    // What a harness creates right after starting the reaper, before it would connect.
    await docker.createVolume({ Name: `faultline-${id}-n1-data`, Labels: labels });
    // Its node starts listening a moment after the container starts.
    let st: ReaperStatus | undefined;
    for (let i = 0; i < 30 && !st; i++) {
      st = await reaperStatus(port, id, 1000);
      if (!st) await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(st?.state, 'waiting', JSON.stringify(st));
    assert.is(st?.harnesses, 0);
    const ms = await waitFor(
      async () => {
        const l = await listLeftovers({ runId: id, docker });
        return l.containers.length + l.networks.length + l.volumes.length === 0;
      },
      (START_WINDOW_S + 10) * 1000,
      200,
    );
    const left = await listLeftovers({ runId: id, docker });
    assert.ok(ms >= 0, `still there ${START_WINDOW_S + 10} s later: ${JSON.stringify(left)}`);
    console.log(`  no harness: reaper and volume gone ${Date.now() - t0} ms after the reaper was created`);
  } finally {
    await cleanLeftovers({ runId: id, docker, force: true }).catch(() => undefined);
  }
});

test.run();

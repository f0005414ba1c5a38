// Issue 14 item 7: a harness killed with SIGKILL mid-run on docker leaves nothing labelled behind: the run's
// reaper container (docker/reaper.ts) sees its connection drop and removes the containers, network, volumes
// and itself within a few seconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Docker from 'dockerode';
import { cleanLeftovers, listLeftovers } from '../../harness/runtime/clean.js';
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
    await cleanLeftovers({ runId, docker }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

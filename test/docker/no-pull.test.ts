// Issue 22, item 7: a default docker run makes no outside connection. Every request the runtime (and the run's
// reaper, which talks to the engine through the same socket) sends the engine goes through a recording proxy;
// a whole bring-up and teardown of a one-node reference cluster must ask for no pull (POST /images/create) and
// no build that pulls (a build with pull=1), which is how an engine reaches a registry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Docker from 'dockerode';
import { cleanLeftovers } from '../../harness/runtime/clean.js';
import { DockerRuntime } from '../../harness/runtime/docker/docker-runtime.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import { dockerTest } from '../helpers/docker.js';
import { EngineRecorder } from '../helpers/engine-recorder.js';

const runId = `nopull${Date.now().toString(36)}`;

dockerTest(test, 'a default docker run asks the engine for no pull, its reaper included', async () => {
  const saved = process.env.FAULTLINE_BASE_IMAGE;
  delete process.env.FAULTLINE_BASE_IMAGE;
  const rec = await EngineRecorder.start();
  const logDir = mkdtempSync(join(tmpdir(), 'fl-nopull-'));
  const docker = new Docker({ socketPath: rec.socketPath });
  const logs: string[] = [];
  try {
    const rt = new DockerRuntime({ docker, log: (m) => logs.push(m) });
    try {
      await rt.up(referenceSpec({ runId, nodes: 1, logDir }));
    } finally {
      await rt.down();
    }
    const short = (r: string): string => r.slice(0, 80);
    assert.ok(
      rec.requests.some((r) => r.startsWith('POST ') && r.includes('/containers/create')),
      `the proxy saw the run: ${rec.requests.slice(0, 5).map(short).join(', ')}`,
    );
    assert.ok(
      logs.some((l) => l.startsWith('reaper: ') && l.includes('armed')),
      logs.join('\n'),
    );
    const pulls = rec.requests.filter((r) => /\/images\/create\b|\/build\?[^ ]*\bpull=(1|true)\b/.test(r));
    assert.equal(pulls.map(short), [], `pulls; base: ${logs.find((l) => l.startsWith('base'))}`);
    console.log(`  ${rec.requests.length} engine requests, none a pull; ${logs.find((l) => l.startsWith('base'))}`);
    console.log(`  ${logs.find((l) => l.startsWith('reaper: '))}`);
  } finally {
    if (saved !== undefined) process.env.FAULTLINE_BASE_IMAGE = saved;
    await cleanLeftovers({ runId, docker: new Docker() }).catch(() => undefined);
    await rec.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
});

test.run();

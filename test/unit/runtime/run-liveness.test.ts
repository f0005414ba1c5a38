// Issue 22, item 5: how `faultline clean` decides that a docker run's harness is alive, gone, or unknown
// (docker/liveness.ts), from the run's listed objects and a fake reaper answering the status line on loopback.
// Only `gone` is ever removed without --force, so every doubtful case must come out alive or unknown.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Script } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type Docker from 'dockerode';
import { LIVENESS_LABEL, runLiveness, runLivenessLabel } from '../../../harness/runtime/docker/liveness.js';
import { REAPER_PORT, REAPER_SCRIPT } from '../../../harness/runtime/docker/reaper.js';

const RUN = 'flrun1';
const local = { modem: { socketPath: '/var/run/docker.sock' } } as unknown as Docker;
const remote = { modem: { host: '10.0.0.9', port: 2375 } } as unknown as Docker;
const labels = (extra: Record<string, string> = {}): Record<string, string> => ({
  faultline: '1',
  'faultline.run': RUN,
  ...extra,
});

/** A fake reaper on loopback: answers the status line with `answer(line)` (undefined: close without a word). */
async function fakeReaper(answer: (line: string) => string | undefined): Promise<{ port: number; server: Server }> {
  const server = createServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      if (!buf.includes('\n')) return;
      const a = answer(buf.split('\n')[0]);
      if (a === undefined) s.destroy();
      else s.end(`${a}\n`);
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server };
}

function reaper(state: string, port: number | undefined, ageS: number, now: number): Docker.ContainerInfo {
  return {
    Labels: labels({ 'faultline.reaper': '1' }),
    State: state,
    Created: Math.floor(now / 1000) - ageS,
    Ports: port ? [{ PrivatePort: REAPER_PORT, PublicPort: port, Type: 'tcp', IP: '127.0.0.1' }] : [],
  } as unknown as Docker.ContainerInfo;
}

const status = (state: string, run = RUN) => JSON.stringify({ run, state, harnesses: state === 'live' ? 1 : 0 });

test('the reaper script is valid JavaScript (it only runs inside a container)', () => {
  new Script(REAPER_SCRIPT);
});

test('a running reaper says how its harness stands', async () => {
  const now = Date.now();
  for (const [said, want] of [
    ['live', 'alive'],
    ['waiting', 'alive'],
    ['grace', 'gone'],
    ['reaping', 'gone'],
  ] as const) {
    const lines: string[] = [];
    const f = await fakeReaper((line) => {
      lines.push(line);
      return status(said);
    });
    try {
      const v = await runLiveness(local, RUN, { containers: [reaper('running', f.port, 600, now)], labels: [] }, now);
      assert.is(v.state, want, `${said}: ${v.why}`);
      assert.equal(lines, [`faultline-reaper-status ${RUN}`]);
    } finally {
      f.server.close();
    }
  }
});

test('a reaper that does not answer sensibly: alive while young, unknown after, never gone', async () => {
  const now = Date.now();
  for (const answer of [() => undefined, () => 'garbage', () => status('live', 'another-run'), () => status('odd')]) {
    const f = await fakeReaper(answer);
    try {
      const young = await runLiveness(local, RUN, { containers: [reaper('running', f.port, 2, now)], labels: [] }, now);
      assert.is(young.state, 'alive', young.why);
      const old = await runLiveness(local, RUN, { containers: [reaper('running', f.port, 600, now)], labels: [] }, now);
      assert.is(old.state, 'unknown', old.why);
      assert.match(old.why, /does not answer/);
    } finally {
      f.server.close();
    }
  }
  // An engine reached over TCP: its loopback is not ours, so the reaper is not asked at all.
  const f = await fakeReaper(() => status('reaping'));
  try {
    const v = await runLiveness(remote, RUN, { containers: [reaper('running', f.port, 600, now)], labels: [] }, now);
    assert.is(v.state, 'unknown', v.why);
  } finally {
    f.server.close();
  }
});

test('a reaper that is not running, or no reaper at all', async () => {
  const now = Date.now();
  const one = (c: Docker.ContainerInfo | undefined, l: Record<string, string>[] = []) =>
    runLiveness(local, RUN, { containers: c ? [c] : [], labels: l }, now);
  assert.is((await one(reaper('created', undefined, 1, now))).state, 'alive', 'being started');
  assert.is((await one(reaper('created', undefined, 600, now))).state, 'gone', 'never started: its harness died');
  assert.is((await one(reaper('exited', undefined, 5, now))).state, 'gone');
  assert.is((await one(reaper('paused', undefined, 600, now))).state, 'unknown');
  assert.is((await one(undefined, [labels(runLivenessLabel(true))])).state, 'gone', 'guarded by a reaper now gone');
  for (const l of [labels(runLivenessLabel(false)), labels()]) {
    const v = await one(undefined, [l]);
    assert.is(v.state, 'unknown', `${l[LIVENESS_LABEL]}: ${v.why}`);
    assert.match(v.why, /no reaper watches it/);
  }
});

test.run();

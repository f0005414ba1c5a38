// Issue 22, item 5: `faultline clean` never removes a docker run whose harness is alive. A live run (a harness
// process holding its reaper's connection) is listed as spared by `clean --dry-run`, is refused by
// `clean --run ID` (exit 3, nothing removed) and goes only with `--force --run ID`; a run whose reaper is gone
// is removed; a run no reaper watches is spared unless forced. Every object here is made by this test under its
// own run ids, and clean without --run is only ever a dry run (other jobs share this engine).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Docker from 'dockerode';
import { cleanLeftovers, listLeftovers } from '../../harness/runtime/clean.js';
import { runLivenessLabel } from '../../harness/runtime/docker/liveness.js';
import { runCli } from '../helpers/cli.js';
import { dockerTest } from '../helpers/docker.js';
import { killVictim, startVictim } from '../helpers/victim.js';

const stamp = Date.now().toString(36);
const ours = (runId: string) => (name: string) => name.startsWith(`faultline-${runId}`);

interface CleanJson {
  containers: string[];
  networks: string[];
  volumes: string[];
  spared: { runId: string; runtime: string; state: string; why: string }[];
}

function clean(args: string[]): { code: number | null; out: CleanJson | undefined; stderr: string } {
  const r = runCli(['clean', '--json', ...args]);
  let out: CleanJson | undefined;
  try {
    out = JSON.parse(r.stdout) as CleanJson;
  } catch {
    out = undefined;
  }
  return { code: r.code, out, stderr: r.stderr };
}

const count = async (runId: string, docker: Docker): Promise<number> => {
  const l = await listLeftovers({ runId, docker });
  return l.containers.length + l.networks.length + l.volumes.length;
};

dockerTest(
  test,
  'a live run is spared by clean (listed, refused when named) and removed only with --force',
  async () => {
    const docker = new Docker();
    const runId = `live${stamp}`;
    const dir = mkdtempSync(join(tmpdir(), 'fl-clean-live-'));
    const { child } = await startVictim('docker', runId, join(dir, 'nodes'));
    try {
      const before = await listLeftovers({ runId, docker });
      assert.is(before.containers.length, 2, `the node and the reaper: ${before.containers.join(', ')}`);

      const dry = clean(['--dry-run']);
      assert.is(dry.code, 0, dry.stderr);
      const mine = ours(runId);
      assert.equal(
        [...dry.out!.containers, ...dry.out!.networks, ...dry.out!.volumes].filter(mine),
        [],
        'none of the live run is listed for removal',
      );
      const spared = dry.out!.spared.find((s) => s.runId === runId);
      assert.equal(spared && [spared.runtime, spared.state], ['docker', 'alive'], JSON.stringify(dry.out!.spared));
      assert.match(spared!.why, /harness is connected to its reaper/);

      const named = clean(['--run', runId]);
      assert.is(named.code, 3, 'a named live run is refused');
      assert.match(named.stderr, new RegExp(`^faultline: run ${runId} was not removed: .*add --force`));
      assert.is(named.stderr.trim().split('\n').length, 1);
      assert.equal(named.out?.containers, []);
      assert.is(await count(runId, docker), before.containers.length + 2, 'nothing of it was removed');

      const forced = clean(['--run', runId, '--force']);
      assert.is(forced.code, 0, forced.stderr);
      assert.equal(forced.out!.containers.sort(), before.containers.sort());
      assert.is(await count(runId, docker), 0, 'forced: everything of it is gone');
    } finally {
      await killVictim(child);
      await cleanLeftovers({ runId, docker, force: true }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

dockerTest(
  test,
  'a run whose reaper is gone is removed; one that no reaper watches is spared unless forced',
  async () => {
    const docker = new Docker();
    const reaped = `gone${stamp}`;
    const unwatched = `unw${stamp}`;
    const volume = (runId: string, reaper: boolean) =>
      docker.createVolume({
        Name: `faultline-${runId}-n1-data`,
        Labels: { faultline: '1', 'faultline.run': runId, ...runLivenessLabel(reaper) },
      });
    try {
      await volume(reaped, true);
      await volume(unwatched, false);
      const dry = clean(['--dry-run']);
      assert.is(dry.code, 0, dry.stderr);
      assert.ok(dry.out!.volumes.includes(`faultline-${reaped}-n1-data`), 'the reaped run is listed');
      assert.not.ok(dry.out!.volumes.includes(`faultline-${unwatched}-n1-data`), 'the unwatched run is not');
      const s = dry.out!.spared.find((x) => x.runId === unwatched);
      assert.is(s?.state, 'unknown', JSON.stringify(dry.out!.spared));
      assert.match(s!.why, /no reaper watches it/);

      const a = clean(['--run', reaped]);
      assert.is(a.code, 0, a.stderr);
      assert.equal(a.out!.volumes, [`faultline-${reaped}-n1-data`]);
      const b = clean(['--run', unwatched]);
      assert.is(b.code, 3);
      assert.match(b.stderr, /no reaper watches it .*whether its harness is alive is unknown.*add --force/);
      assert.is(await count(unwatched, docker), 1);
      const c = clean(['--run', unwatched, '--force']);
      assert.is(c.code, 0, c.stderr);
      assert.is(await count(unwatched, docker), 0);
    } finally {
      for (const runId of [reaped, unwatched])
        await cleanLeftovers({ runId, docker, force: true }).catch(() => undefined);
    }
  },
);

test.run();

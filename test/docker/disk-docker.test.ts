// Disk faults end to end on the docker runtime (issue 24): the layer is mounted on the host over each node's
// data folder and bind-mounted into its container; the planted no-fsync is caught by disk:lose-unsynced, and no
// mount outlives the run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirOf } from '../helpers/cli.js';
import { docker as engine, dockerTest } from '../helpers/docker.js';
import { faultfsTest } from '../helpers/faultfs.js';
import { CLI } from '../helpers/paths.js';

const out = mkdtempSync(join(tmpdir(), 'fl-e2e-disk-docker-'));

(engine.ok ? faultfsTest : dockerTest)(test, 'docker: no-fsync is caught by disk:lose-unsynced within 3 seeds', () => {
  const tried: string[] = [];
  for (const seed of [1, 2, 3]) {
    const r = spawnSync(
      process.execPath,
      [CLI, 'run', '--runtime', 'docker', '--out', out, '--workload', 'fenced-counter', '--nodes', '3'].concat(
        ['--time-limit', '15', '--nemesis-interval', '3', '--bug', 'no-fsync', '--nemesis', 'disk:lose-unsynced'],
        ['--seed', String(seed)],
      ),
      { encoding: 'utf8', timeout: 300_000 },
    );
    const dir = runDirOf(r.stdout);
    assert.match(
      readFileSync(join(dir, 'history.jsonl'), 'utf8'),
      /"f":"start-disk","value":\{"shape":"lose-unsynced"/,
    );
    // Every layer this run mounted is gone with it.
    assert.not.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(dir), 'a faultfs mount outlived the run');
    tried.push(`seed ${seed}: exit ${r.status}`);
    if (r.status === 1 && /INVALID/.test(r.stdout)) return;
  }
  assert.unreachable(`no-fsync survived disk:lose-unsynced on docker: ${tried.join(', ')}`);
});

test.after(() => rmSync(out, { recursive: true, force: true }));

test.run();

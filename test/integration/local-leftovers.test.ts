// Issue 14 item 7 on the local runtime: node processes never outlive the harness. A harness killed with SIGKILL
// takes its nodes with it (the run's watchdog), and `faultline clean` finds and kills the nodes of a run whose
// harness is gone, touching no process that is not provably one of ours.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import { processStart } from '../../harness/runtime/local/registry.js';
import { runCli } from '../helpers/cli.js';
import { killVictim, startVictim, waitFor } from '../helpers/victim.js';

const state = mkdtempSync(join(tmpdir(), 'fl-state-'));
// An engine that does not exist: `clean` without --run must never reach the shared one (other jobs' runs).
const env = { ...process.env, FAULTLINE_STATE_DIR: state, DOCKER_HOST: `unix://${join(state, 'no-engine.sock')}` };
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('SIGKILL of the harness: its local nodes are gone within a few seconds, and so is the run record', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-victim-'));
  try {
    const { child, pids } = await startVictim('local', `wd${Date.now().toString(36)}`, join(dir, 'nodes'), env);
    const nodePids = Object.values(pids);
    assert.is(nodePids.length, 3);
    assert.ok(nodePids.every(alive));
    assert.is(readdirSync(state).length, 1, 'the run is registered');
    await killVictim(child);
    const ms = await waitFor(() => !nodePids.some(alive), 5000);
    assert.ok(ms >= 0, `nodes still alive 5 s after the harness was killed: ${nodePids.filter(alive).join(' ')}`);
    assert.ok((await waitFor(() => readdirSync(state).length === 0, 2000)) >= 0, 'record removed');
    console.log(`  3 nodes gone ${ms} ms after SIGKILL of the harness`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('faultline clean: kills the nodes of a run whose harness is gone, never a process that is not ours', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-orphan-'));
  // A "harness" that is already dead: a process that ran and exited, so its pid names no live process of ours.
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.on('exit', r));
  const lp = await LocalProcesses.create({ nodes: 1, dir });
  lp.startAll();
  const stranger = spawn('sleep', ['30']);
  try {
    const nodePid = lp.pid('n1')!;
    // A second folder whose node.pid names a process that is not a faultline node.
    mkdirSync(join(dir, 'n9'), { recursive: true });
    writeFileSync(join(dir, 'n9', 'node.pid'), `${stranger.pid}\n`);
    mkdirSync(state, { recursive: true });
    writeFileSync(
      join(state, 'orphan.1.json'),
      JSON.stringify({
        runId: 'orphan1',
        harnessPid: dead.pid,
        harnessStart: processStart(process.pid),
        dir,
        registeredAt: new Date().toISOString(),
      }),
    );
    const dry = runCli(['clean', '--dry-run', '--json'], { env });
    assert.is(dry.code, 0, dry.stderr);
    assert.equal(
      JSON.parse(dry.stdout).local.map((r: { runId: string; pids: number[] }) => [r.runId, r.pids]),
      [['orphan1', [nodePid]]],
    );
    assert.ok(alive(nodePid), 'a dry run kills nothing');
    const r = runCli(['clean', '--json'], { env });
    assert.is(r.code, 0, r.stderr);
    assert.ok((await waitFor(() => !alive(nodePid), 3000)) >= 0, 'the orphaned node was killed');
    assert.ok(alive(stranger.pid!), 'a process that is not ours is never signalled');
    assert.is(readdirSync(state).length, 0, 'record removed');
  } finally {
    stranger.kill('SIGKILL');
    await lp.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run in progress: spared by clean, refused when named (exit 3), killed only with --force', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-inprogress-'));
  const runId = `ip${Date.now().toString(36)}`;
  const { child, pids } = await startVictim('local', runId, join(dir, 'nodes'), env);
  try {
    const nodePids = Object.values(pids);
    assert.ok(nodePids.length === 3 && nodePids.every(alive));
    const dry = runCli(['clean', '--dry-run', '--json'], { env });
    assert.is(dry.code, 0, dry.stderr);
    const out = JSON.parse(dry.stdout) as { local: unknown[]; spared: { runId: string; runtime: string }[] };
    assert.equal(out.local, [], 'nothing of a run in progress is listed for removal');
    assert.equal(
      out.spared.map((s) => [s.runId, s.runtime]),
      [[runId, 'local']],
    );
    const named = runCli(['clean', '--run', runId], { env });
    assert.is(named.code, 3);
    assert.match(
      named.stderr,
      new RegExp(`^faultline: run ${runId} was not removed: its harness is running; add --force`),
    );
    assert.ok(nodePids.every(alive), 'no node of a run in progress was signalled');
    const forced = runCli(['clean', '--run', runId, '--force', '--json'], { env });
    assert.is(forced.code, 0, forced.stderr);
    assert.ok((await waitFor(() => !nodePids.some(alive), 3000)) >= 0, 'forced: its nodes are killed');
  } finally {
    await killVictim(child);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('faultline clean --run "": refused with one line and exit 3 (an empty id used to mean every run)', () => {
  const r = runCli(['clean', '--run', ''], { env });
  assert.is(r.code, 3);
  assert.match(r.stderr, /^faultline: run id "" is not valid/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test.after(() => rmSync(state, { recursive: true, force: true }));
test.run();

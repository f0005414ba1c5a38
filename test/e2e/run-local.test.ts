// `faultline run` end to end on the local runtime (child processes on loopback): a healthy cluster under
// partition and kill faults is valid; with --bug stale-read it is invalid within a few seeds and the report
// names the offending read; Ctrl-C stops cleanly; a SIGKILLed harness still leaves a readable history.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHistory } from '../../harness/history/readers/index.js';
import { CLI } from '../helpers/paths.js';
import { interruptedRun, runDirOf } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'fl-e2e-local-'));

function run(args: string[], timeoutMs = 240_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'run', '--runtime', 'local', '--out', out, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function nodePids(dir: string): number[] {
  const nodes = join(dir, 'nodes');
  if (!existsSync(nodes)) return [];
  return readdirSync(nodes)
    .map((n) => join(nodes, n, 'node.pid'))
    .filter(existsSync)
    .map((p) => Number(readFileSync(p, 'utf8')));
}

test('a healthy 3-node cluster under partition and kill faults for 30 s is valid', () => {
  const r = run([
    '--nodes',
    '3',
    '--time-limit',
    '30',
    '--nemesis',
    'partition,kill',
    '--nemesis-interval',
    '4',
    '--seed',
    '11',
  ]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const dir = runDirOf(r.stdout);
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.is(results.valid, true);
  const h = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8'));
  assert.ok(h.events.filter((e) => e.type === 'ok').length > 100, 'the workload made progress');
  assert.ok(
    h.events.some((e) => e.process === 'nemesis' && e.f === 'start-kill') ||
      h.events.some((e) => e.process === 'nemesis' && e.f === 'start-partition'),
    'faults were injected',
  );
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /class="fl-history"/, 'the plots and the history explorer');
  assert.match(html, /seed 11/);
  for (const pid of nodePids(dir)) assert.not.ok(alive(pid), `node pid ${pid} survived teardown`);
});

test('--bug stale-read is caught within 10 seeded runs, and the report shows the offending read', () => {
  let found: string | undefined;
  for (let seed = 1; seed <= 10 && !found; seed++) {
    const r = run([
      '--nodes',
      '3',
      '--time-limit',
      '15',
      '--nemesis',
      'partition',
      '--nemesis-interval',
      '2',
      '--seed',
      String(seed),
      '--bug',
      'stale-read',
    ]);
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    if (r.code === 1) found = runDirOf(r.stdout);
  }
  assert.ok(found, 'the planted stale read was never caught');
  const results = JSON.parse(readFileSync(join(found!, 'results.json'), 'utf8'));
  assert.is(results.valid, false);
  const html = readFileSync(join(found!, 'report.html'), 'utf8');
  assert.match(html, /Longest linearizable prefix/);
  assert.match(html, /could not be linearized/);
});

test('Ctrl-C stops the load, still checks and reports, and tears the cluster down', async () => {
  const { code, stdout } = await interruptedRun(
    [
      '--runtime',
      'local',
      '--out',
      out,
      '--nodes',
      '3',
      '--time-limit',
      '60',
      '--nemesis',
      'partition',
      '--nemesis-interval',
      '2',
      '--seed',
      '5',
    ],
    4000,
  );
  assert.ok(code === 0 || code === 2, `exit ${code}: ${stdout}`);
  const dir = runDirOf(stdout);
  const test = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8'));
  assert.is(test.interrupted, 'SIGINT');
  assert.ok(existsSync(join(dir, 'report.html')));
  const h = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8'));
  assert.ok(
    h.events.some((e) => e.f === 'heal-all'),
    'faults were healed before teardown',
  );
  for (const pid of nodePids(dir)) assert.not.ok(alive(pid), `node pid ${pid} survived`);
});

test('a harness killed with SIGKILL halfway leaves every recorded event readable', async () => {
  await interruptedRun(
    ['--runtime', 'local', '--out', out, '--nodes', '3', '--time-limit', '60', '--nemesis', 'none', '--seed', '6'],
    4000,
    'SIGKILL',
  );
  const latest = join(out, 'latest');
  const h = parseHistory(readFileSync(join(latest, 'history.jsonl'), 'utf8'));
  assert.ok(h.events.length > 50, `only ${h.events.length} events`);
  // The orphaned nodes are ours: end them by the pids the runtime recorded.
  for (const pid of nodePids(latest)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  // And the folder can be re-checked and re-reported afterwards.
  const c = spawnSync(process.execPath, [CLI, 'check', '--json', latest], { encoding: 'utf8' });
  assert.ok(c.status === 0, c.stdout + c.stderr);
  const rep = spawnSync(process.execPath, [CLI, 'report', latest], { encoding: 'utf8' });
  assert.is(rep.status, 0, rep.stderr);
  assert.ok(existsSync(join(latest, 'report.html')));
});

test.run();

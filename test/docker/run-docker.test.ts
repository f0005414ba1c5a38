// `faultline run` end to end on the docker runtime: valid under partition and kill, the planted stale read
// caught within a few seeds with the offending read in the report, and a Ctrl-C in the middle of a run leaves no
// labelled container, network or volume behind.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listLeftovers } from '../../harness/runtime/clean.js';
import { dockerTest } from '../helpers/docker.js';
import { CLI } from '../helpers/paths.js';
import { interruptedRun, runDirOf } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'fl-e2e-docker-'));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'run', '--runtime', 'docker', '--out', out, ...args], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

dockerTest(test, 'docker: a healthy 3-node cluster under partition and kill faults for 30 s is valid', () => {
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
    '21',
  ]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const results = JSON.parse(readFileSync(join(runDirOf(r.stdout), 'results.json'), 'utf8'));
  assert.is(results.valid, true);
});

dockerTest(
  test,
  'docker: --bug stale-read is caught within 10 seeded runs; the report shows the offending read',
  () => {
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
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stdout}${r.stderr}`);
      if (r.code === 1) found = runDirOf(r.stdout);
    }
    assert.ok(found, 'the planted stale read was never caught');
    const html = readFileSync(join(found!, 'report.html'), 'utf8');
    assert.match(html, /could not be linearized/);
  },
);

dockerTest(test, 'docker: SIGINT in the middle of a run leaves nothing labelled behind', async () => {
  const { code, stdout } = await interruptedRun(
    [
      '--runtime',
      'docker',
      '--out',
      out,
      '--nodes',
      '3',
      '--time-limit',
      '60',
      '--nemesis',
      'partition,kill',
      '--nemesis-interval',
      '2',
      '--seed',
      '3',
    ],
    5000,
  );
  assert.ok(code === 0 || code === 2, `exit ${code}: ${stdout}`);
  const test = JSON.parse(readFileSync(join(runDirOf(stdout), 'test.json'), 'utf8'));
  assert.is(test.interrupted, 'SIGINT');
  const left = await listLeftovers();
  assert.equal([left.containers.length, left.networks.length, left.volumes.length], [0, 0, 0], JSON.stringify(left));
});

test.run();

// `--runtime ssh` end to end over one local bed of 3 SSH hosts (faultline hosts up 3): the reference cluster valid
// under partition, kill, pause and clock (register and kv), the planted stale read caught within 5 seeds, etcd
// valid without clock, latency refused with the reason where the kernel has no netem, a wrong host key refused
// with its fingerprint, partition rules placed and removed exactly (a host's own rule untouched), and a controller
// killed with SIGKILL leaving no process and no rule on any host.
// Runs are short (the 60 s run is docs/ssh.md's walk-through). Skipped without docker, unless required.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import ssh2 from 'ssh2';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageExists } from '../../harness/runtime/docker/base-image.js';
import { bedImageTag } from '../../harness/runtime/ssh/bed/bed-image.js';
import { hostsDown, hostsUp } from '../../harness/runtime/ssh/bed/bed.js';
import { SshHost } from '../../harness/runtime/ssh/connection.js';
import { resolveSshAccess } from '../../harness/runtime/ssh/hosts-file.js';
import { SshRuntime } from '../../harness/runtime/ssh/ssh-runtime.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import type { HistoryEvent } from '../../harness/history/op.js';
import { parseHistory } from '../../harness/history/readers/index.js';
import { runDirOf } from '../helpers/cli.js';
import { docker, required } from '../helpers/docker.js';
import { CLI } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'fl-ssh-bed-'));
const bed = join(work, 'bed');
const out = join(work, 'results');
const hostsFile = join(bed, 'hosts');

const mmdebstrap = spawnSync('sh', ['-c', 'command -v mmdebstrap'], { stdio: 'ignore' }).status === 0;
const why = !docker.ok
  ? docker.reason
  : !mmdebstrap && !(await imageExists(new Docker(), bedImageTag()))
    ? 'the bed image needs mmdebstrap (apt-get install mmdebstrap)'
    : undefined;

function bedTest(name: string, fn: () => Promise<void> | void): void {
  if (!why) test(name, fn);
  else if (required) test(name, () => assert.unreachable(`FAULTLINE_REQUIRE_DOCKER=1 but ${why}`));
  else test.skip(name, fn);
}
if (why && !required) console.log(`skipped: ${why} (set FAULTLINE_REQUIRE_DOCKER=1 to make this a failure)`);

if (!why) {
  test.before(async () => {
    await hostsUp(3, bed, (m) => console.log(`  ${m}`));
  });
  test.after(async () => {
    await hostsDown(bed, (m) => console.log(`  ${m}`)).catch((e) => console.log(`  hosts down: ${e.message}`));
    rmSync(work, { recursive: true, force: true });
  });
}

function run(args: string[], timeoutMs = 240_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'run', '--runtime', 'ssh', '--hosts', hostsFile, '--out', out, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function historyOf(dir: string): HistoryEvent[] {
  return parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8')).events;
}

/** Every fault kind in `kinds` started at least once, and no nemesis step failed. */
function faultsRan(events: HistoryEvent[], kinds: string[]): void {
  const nem = events.filter((e) => e.process === 'nemesis' && e.type === 'info');
  const errors = nem
    .filter((e) => (e as { error?: string }).error)
    .map((e) => `${e.f}: ${(e as { error?: string }).error}`);
  assert.equal(errors, [], 'nemesis errors');
  for (const k of kinds)
    assert.ok(
      nem.some((e) => e.f === `start-${k}` && e.value !== null),
      `no ${k} fault started: ${nem.map((e) => e.f).join(' ')}`,
    );
}

function valid(r: { code: number | null; stdout: string; stderr: string }, kinds: string[]): string {
  assert.is(r.code, 0, r.stdout + r.stderr);
  const dir = runDirOf(r.stdout);
  assert.is(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).valid, true);
  faultsRan(historyOf(dir), kinds);
  for (const n of ['n1', 'n2', 'n3'])
    assert.ok(existsSync(join(dir, 'nodes', n, 'node.log')), `${n}'s log was collected over SFTP`);
  return dir;
}

const FOUR = ['partition', 'kill', 'pause', 'clock'];
/** Each package on its own lane with exponential gaps (mean 3 s): in 24 s every kind starts. */
const LANES = ['--nemesis-schedule', 'random', '--nemesis-interval', '3'];

bedTest('reference register under partition, kill, pause and clock: valid; logs and data collected', () => {
  const dir = valid(
    run(['--workload', 'register', '--nemesis', FOUR.join(','), ...LANES, '--time-limit', '24', '--seed', '3']),
    FOUR,
  );
  assert.ok(existsSync(join(dir, 'nodes', 'n1', 'data')), 'the data folder came back');
  const test = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8'));
  assert.is(test.runtime, 'ssh');
  assert.match(test.command, /--runtime ssh .*--hosts \S+\/hosts/);
});

bedTest('reference kv under partition, kill, pause and clock: valid', () => {
  valid(run(['--workload', 'kv', '--nemesis', FOUR.join(','), ...LANES, '--time-limit', '24', '--seed', '11']), FOUR);
});

bedTest('the planted stale read is caught within 5 seeds', () => {
  const args = ['--workload', 'kv', '--bug', 'stale-read', '--nemesis', 'partition', '--nemesis-interval', '2'];
  const r = run([...args, '--time-limit', '15', '--seed', '1', '--test-count', '5'], 600_000);
  assert.is(r.code, 1, `not caught in 5 seeds: ${r.stdout}${r.stderr}`);
  console.log(`  caught: ${r.stdout.split('\n').find((l) => l.startsWith('INVALID'))}`);
});

bedTest('etcd (uploaded from the controller) under partition, kill and pause: valid', () => {
  if (spawnSync('sh', ['-c', 'command -v etcd'], { stdio: 'ignore' }).status !== 0) {
    assert.ok(!required, 'etcd is not installed on the controller (apt-get install etcd-server)');
    return;
  }
  const r = run([
    '--target',
    'etcd',
    '--workload',
    'register',
    '--nemesis',
    'partition,kill,pause',
    ...LANES,
    '--time-limit',
    '20',
    '--seed',
    '5',
  ]);
  valid(r, ['partition', 'kill', 'pause']);
  assert.match(r.stdout, /bundle etcd-[0-9a-f]+: sent to/);
});

bedTest('latency: refused with the reason when a host has no netem (run valid where all have it)', () => {
  const r = run(['--workload', 'register', '--nemesis', 'latency', '--time-limit', '8']);
  if (/no netem/.test(r.stdout)) {
    assert.is(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /cannot take --nemesis latency: latency needs tc netem .* on every host; on faultline@/);
  } else valid(r, ['latency']);
});

bedTest('a host key that differs from known_hosts: refused in one line with the fingerprint', () => {
  const other = join(work, 'other');
  mkdirSync(other, { recursive: true });
  copyFileSync(hostsFile, join(other, 'hosts'));
  const lines = readFileSync(join(bed, 'known_hosts'), 'utf8').trim().split('\n');
  const forged = ssh2.utils.generateKeyPairSync('ed25519').public.split(' ').slice(0, 2).join(' ');
  lines[0] = `${lines[0].split(' ')[0]} ${forged}`;
  writeFileSync(join(other, 'known_hosts'), `${lines.join('\n')}\n`);
  const r = spawnSync(
    process.execPath,
    [CLI, 'run', '--runtime', 'ssh', '--hosts', join(other, 'hosts'), '--ssh-key', join(bed, 'key'), '--out', out],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.is(r.status, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /HOST KEY MISMATCH: faultline@\S+ offered ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}, but /);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
});

bedTest('an unknown host: refused without --ssh-accept-new; with it, its key is added and said', async () => {
  const access = resolveSshAccess({ hosts: hostsFile, sshKnownHosts: join(work, 'fresh', 'known_hosts') });
  const h = access.hosts[0];
  try {
    await SshHost.connect(h, access, () => undefined);
    assert.unreachable('connected to an unknown host');
  } catch (e) {
    assert.match((e as Error).message, /is not in .*known_hosts \(it offered ssh-ed25519 SHA256:/);
  }
  const said: string[] = [];
  const host = await SshHost.connect(h, { ...access, acceptNew: true }, (m) => said.push(m));
  assert.is((await host.must('whoami', 'id -un')).trim(), 'faultline');
  host.close();
  assert.match(said.join('\n'), /^added faultline@\S+'s host key ssh-ed25519 SHA256:/);
  assert.match(readFileSync(access.knownHostsFile, 'utf8'), /^\d+\.\d+\.\d+\.\d+ ssh-ed25519 \S+\n$/);
});

bedTest(
  'partitions go to the top of INPUT in order and heal deletes exactly them; kill and start keep data',
  async () => {
    const access = resolveSshAccess({ hosts: hostsFile });
    const rt = new SshRuntime({ access, log: () => undefined });
    const h1 = await SshHost.connect(access.hosts[0], access, () => undefined);
    const rules = async () => (await h1.must('rules', 'sudo -n iptables -w -S INPUT')).trim().split('\n').slice(1);
    const foreign = 'INPUT -s 192.0.2.9/32 -j DROP';
    await h1.must('a rule not ours', `sudo -n iptables -w -A ${foreign}`);
    try {
      await rt.up(referenceSpec({ runId: `sshrules${Date.now().toString(36)}`, nodes: 3, logDir: join(work, 'rt') }));
      await rt.partition({ n1: ['n2'] }, { mode: 'reject' });
      const ip2 = access.hosts[1].address;
      const cut = await rules();
      assert.is(cut.length, 4, cut.join('\n'));
      assert.match(cut[0], new RegExp(`^-A INPUT -s ${ip2}/32 -p tcp .*--tcp-flags RST RST .*-j ACCEPT$`));
      assert.match(cut[1], /-j REJECT --reject-with tcp-reset$/);
      assert.match(cut[2], /--comment "?faultline:sshrules\w+"? -j DROP$/);
      assert.is(cut[3], `-A ${foreign}`, 'ours come before the host firewall');
      await rt.heal();
      assert.equal(await rules(), [`-A ${foreign}`]);
      const before = rt.pidOf('n2');
      await rt.kill('n2');
      assert.is(rt.pidOf('n2'), undefined);
      await rt.start('n2');
      await rt.waitHealthy(30_000);
      assert.ok(rt.pidOf('n2') !== before, 'a new process');
    } finally {
      await rt.down();
      await h1.must('remove the foreign rule', `sudo -n iptables -w -D ${foreign}`);
      h1.close();
    }
  },
);

/** Per host: how many processes run in a run folder, and how many faultline rules are in INPUT. */
const LEFT = `n=0; for p in /proc/[0-9]*; do case "$(readlink $p/cwd 2>/dev/null)" in /var/tmp/faultline/runs/*) \
n=$((n+1));; esac; done; echo "$n $(sudo -n iptables -w -S INPUT | grep -c 'faultline:')"`;

bedTest('SIGKILL of the controller mid-run: no process and no rule left on any host within a few seconds', async () => {
  const access = resolveSshAccess({ hosts: hostsFile });
  const hosts = await Promise.all(access.hosts.map((h) => SshHost.connect(h, access, () => undefined)));
  const left = async () =>
    (await Promise.all(hosts.map((h) => h.must('count', LEFT)))).map((s) => s.trim().split(' ').map(Number));
  const child = spawn(
    process.execPath,
    [CLI, 'run', '--runtime', 'ssh', '--hosts', hostsFile, '--out', out, '--workload', 'register'].concat([
      '--nemesis',
      'partition',
      '--nemesis-interval',
      '1',
      '--time-limit',
      '60',
    ]),
    { stdio: 'ignore' },
  );
  try {
    // Wait until the run is in the middle of a partition: nodes running and rules installed.
    let seen = false;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !seen; ) {
      const l = await left();
      seen = l.every(([procs]) => procs >= 1) && l.some(([, rules]) => rules >= 1);
      if (!seen) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(seen, 'the run never reached a partition with its nodes up');
    const t0 = Date.now();
    child.kill('SIGKILL');
    let clean = false;
    let last: number[][] = [];
    while (!clean && Date.now() - t0 < 10_000) {
      last = await left();
      clean = last.every(([procs, rules]) => procs === 0 && rules === 0);
      if (!clean) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(clean, `10 s after SIGKILL, per host [processes, rules]: ${JSON.stringify(last)}`);
    console.log(`  hosts clean ${Date.now() - t0} ms after the controller's SIGKILL`);
  } finally {
    child.kill('SIGKILL');
    for (const h of hosts) h.close();
  }
});

test.run();

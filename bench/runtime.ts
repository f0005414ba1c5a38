// npm run bench:runtime — the docker runtime's costs: the node image (cached or built), a 5-node cluster up and
// healthy, each fault applied and observed (partition, heal, kill, start, pause, resume, clock), and teardown.
// BENCH_NODES (default 5) sets the cluster size; BENCH_ROUNDS (default 3) repeats each fault, median printed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DockerRuntime } from '../harness/runtime/docker/docker-runtime.js';
import { httpGet } from '../harness/net/http.js';
import { listLeftovers } from '../harness/runtime/clean.js';
import { referenceSpec } from '../targets/reference/cluster.js';

const N = Number(process.env.BENCH_NODES ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const rows: Array<[string, string]> = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
function row(what: string, ms: number | number[], note = ''): void {
  const v = Array.isArray(ms) ? median(ms) : ms;
  const line = `${what.padEnd(44)} ${fmt(v).padStart(10)}${note ? `  ${note}` : ''}`;
  rows.push([what, line]);
  console.log(line);
}
async function time(f: () => Promise<unknown>): Promise<number> {
  const t0 = now();
  await f();
  return now() - t0;
}
async function until(pred: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const docker = new Docker();
const logDir = mkdtempSync(join(tmpdir(), 'fl-bench-runtime-'));
const runId = `bench${Date.now().toString(36)}`;
const log: string[] = [];
const rt = new DockerRuntime({ docker, log: (m) => log.push(m) });

try {
  console.log(`runtime benchmark: docker, ${N} nodes, median of ${ROUNDS} rounds per fault, node ${process.version}`);
  const up = await time(() => rt.up(referenceSpec({ runId, nodes: N, logDir })));
  row(
    `image + up + healthy (${N} nodes, leader elected)`,
    up,
    `subnet ${rt.networkSubnet}; ${log.filter((m) => /image:/.test(m)).join('; ')}`,
  );
  const names = rt.nodes().map((n) => n.name);
  const urlOf = (n: string) => rt.nodes().find((h) => h.name === n)!.url;
  const answers = async (n: string, ms = 300) => (await httpGet(`${urlOf(n)}/status`, ms))?.status === 200;

  // Partition: majority | minority, applied (all rules installed) and healed.
  const minority = names.slice(0, Math.floor(N / 2));
  const majority = names.slice(Math.floor(N / 2));
  const grudge = Object.fromEntries([...minority.map((m) => [m, majority]), ...majority.map((m) => [m, minority])]);
  const part: number[] = [];
  const heal: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    part.push(await time(() => rt.partition(grudge)));
    heal.push(await time(() => rt.heal()));
  }
  row(`partition ${minority.join(',')} | ${majority.join(',')}`, part, `${Object.values(grudge).flat().length} rules`);
  row('heal', heal);

  const loss: number[] = [];
  const lossOff: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    loss.push(await time(() => rt.loss(names, 0.2)));
    lossOff.push(await time(() => rt.loss(names, 0)));
  }
  row(`loss 20% on all ${N}`, loss);
  row('loss off', lossOff);

  // Kill a follower, then start it: until /status answers again.
  const kill: number[] = [];
  const start: number[] = [];
  const startAnswer: number[] = [];
  const victim = names[N - 1];
  for (let i = 0; i < ROUNDS; i++) {
    kill.push(await time(() => rt.kill(victim)));
    const s0 = now();
    start.push(await time(() => rt.start(victim)));
    await until(() => answers(victim), 20_000, `${victim} to answer after start`);
    startAnswer.push(now() - s0);
  }
  row(`kill ${victim} (SIGKILL, until exited)`, kill);
  row(`start ${victim} (container running)`, start);
  row(`start ${victim} until /status answers`, startAnswer);

  const pause: number[] = [];
  const resume: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    pause.push(await time(() => rt.pause(victim)));
    resume.push(await time(() => rt.resume(victim)));
  }
  row(`pause ${victim}`, pause);
  row(`resume ${victim}`, resume);

  // Clock: write the offset, then until the node's /status time shows it.
  const clockSet: number[] = [];
  const clockSeen: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const off = (i % 2 === 0 ? 1 : -1) * 90_000;
    const c0 = now();
    clockSet.push(await time(() => rt.clockSet(victim, off)));
    await until(
      async () => {
        const r = await httpGet(`${urlOf(victim)}/status`, 500);
        return r?.status === 200 && Math.abs((r.body as { time: number }).time - Date.now() - off) < 2000;
      },
      10_000,
      'the clock offset to show',
    );
    clockSeen.push(now() - c0);
  }
  row('clock set (write faketimerc)', clockSet);
  row('clock set until /status time shows it', clockSeen, '±90 s');
  row('clock reset (all)', await time(() => rt.clockReset()));

  row('healAll', await time(() => rt.healAll()));
  row('down (containers, network, volumes)', await time(() => rt.down()));
  const left = await listLeftovers({ runId, docker });
  const n = left.containers.length + left.networks.length + left.volumes.length;
  console.log(n === 0 ? 'teardown complete: nothing left with the run label' : `LEFTOVERS: ${JSON.stringify(left)}`);
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  console.error(log.join('\n'));
  process.exitCode = 1;
} finally {
  await rt.down();
  rmSync(logDir, { recursive: true, force: true });
}

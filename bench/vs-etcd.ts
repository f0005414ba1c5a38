// npm run bench:vs-etcd — etcd (3 members on loopback, fsync on as by default) against the reference cluster,
// one group (3 nodes, S=1) and the default sharded cluster (5 nodes, S=8, R=3), through the same closed-loop
// client (bench/cluster-lib.ts) in one sitting: acknowledged writes/s at concurrency 1, 16, 64 and
// linearizable reads/s at 64, median of BENCH_REPEATS runs (default 3) of BENCH_SECONDS (default 3) each,
// and the ratio of each of ours to etcd's. etcd is reached through its v3 JSON gateway (POST /v3/kv/put with
// base64 key and value; /v3/kv/range for reads, linearizable by default), at its leader. Skipped, with a
// message, when `etcd` is not on PATH. Each system first takes BENCH_STEADY_AFTER seconds (default 20) of
// unmeasured writes at c=64.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../harness/runtime/ports.js';
import {
  SECONDS,
  http,
  keyOf,
  load,
  median,
  readOp,
  routers,
  withCluster,
  writeOp,
  type LoadResult,
} from './cluster-lib.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CONCURRENCY = [1, 16, 64];

const which = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
if (which.status !== 0 || !which.stdout.trim()) {
  console.log('bench:vs-etcd skipped: no `etcd` on PATH (install etcd 3.x to compare)');
  process.exit(0);
}
const etcdBin = which.stdout.trim();
const version = spawnSync(etcdBin, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];

type Op = (c: number, i: number) => Promise<boolean>;
const WARMUP = Number(process.env.BENCH_STEADY_AFTER ?? 20);
interface Row {
  what: string;
  results: Map<string, number>;
}

/** Median ops/s over REPEATS runs. */
async function measure(concurrency: number, op: Op): Promise<LoadResult & { runs: number[] }> {
  const runs: LoadResult[] = [];
  for (let k = 0; k < REPEATS; k++) runs.push(await load(concurrency, op));
  const ops = runs.map((r) => r.opsPerSec);
  const mid = runs.find((r) => r.opsPerSec === median(ops))!;
  return { ...mid, runs: ops };
}

async function suite(name: string, write: Op, read: Op, rows: Row[]): Promise<void> {
  // The same unmeasured load for every system: a fresh Node cluster runs cold code for its first seconds, and
  // the sharded one takes 20-25 s to reach its plateau (bench/cluster.ts); etcd gets the same treatment.
  if (WARMUP > 0) await load(64, write, WARMUP);
  for (const c of CONCURRENCY) {
    const r = await measure(c, write);
    console.log(
      `  ${name.padEnd(16)} writes c=${String(c).padStart(2)}: ${r.opsPerSec.toFixed(0).padStart(6)} ops/s  ` +
        `p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  ` +
        `(runs ${r.runs.map((x) => x.toFixed(0)).join(', ')})`,
    );
    rows.find((x) => x.what === `writes c=${c}`)!.results.set(name, r.opsPerSec);
  }
  const r = await measure(64, read);
  console.log(
    `  ${name.padEnd(16)} reads  c=64: ${r.opsPerSec.toFixed(0).padStart(6)} ops/s  ` +
      `p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  ` +
      `(runs ${r.runs.map((x) => x.toFixed(0)).join(', ')})`,
  );
  rows.find((x) => x.what === 'reads c=64')!.results.set(name, r.opsPerSec);
}

async function withEtcd<T>(fn: (leaderUrl: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-etcd-'));
  const ports = await freePorts(6);
  const names = ['e1', 'e2', 'e3'];
  const peer = (k: number): string => `http://127.0.0.1:${ports[2 * k + 1]}`;
  const client = (k: number): string => `http://127.0.0.1:${ports[2 * k]}`;
  const cluster = names.map((n, k) => `${n}=${peer(k)}`).join(',');
  const procs: ChildProcess[] = names.map((n, k) =>
    spawn(
      etcdBin,
      [
        '--name',
        n,
        '--data-dir',
        join(dir, n),
        '--listen-client-urls',
        client(k),
        '--advertise-client-urls',
        client(k),
        '--listen-peer-urls',
        peer(k),
        '--initial-advertise-peer-urls',
        peer(k),
        '--initial-cluster',
        cluster,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        `fl-bench-${process.pid}`,
        '--log-level',
        'error',
      ],
      { stdio: 'ignore' },
    ),
  );
  try {
    const leader = await etcdLeader(names.map((_, k) => client(k)));
    return await fn(leader);
  } finally {
    // Only the processes this benchmark started, by their handles.
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((res) => {
            if (p.exitCode !== null || p.signalCode !== null) {
              res();
              return;
            }
            p.once('exit', () => res());
            p.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The client URL of etcd's leader, once one is elected. */
async function etcdLeader(urls: string[]): Promise<string> {
  for (let i = 0; i < 200; i++) {
    for (const u of urls) {
      try {
        const r = await http.call(`${u}/v3/maintenance/status`, 'POST', {}, 500);
        const b = r.body as { leader?: string; header?: { member_id?: string } };
        if (r.status === 200 && b.leader && b.leader !== '0' && b.leader === b.header?.member_id) return u;
      } catch {
        /* not up yet */
      }
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('etcd: no leader within 20 s');
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

console.log(
  `bench:vs-etcd: ${version}, loopback, fsync on, ` +
    `${SECONDS} s per run, median of ${REPEATS}, ` +
    `after ${WARMUP} s of writes at c=64 for each system, node ${process.version}`,
);
const rows: Row[] = [...CONCURRENCY.map((c) => `writes c=${c}`), 'reads c=64'].map((what) => ({
  what,
  results: new Map(),
}));
await withEtcd(async (url) => {
  const put: Op = (c, i) =>
    http
      .call(`${url}/v3/kv/put`, 'POST', { key: b64(keyOf(c, i)), value: b64(String(i)) }, 5000)
      .then((r) => r.status === 200);
  const get: Op = (c, i) =>
    http.call(`${url}/v3/kv/range`, 'POST', { key: b64(keyOf(c, i)) }, 5000).then((r) => r.status === 200);
  await suite('etcd', put, get, rows);
});
await withCluster(3, 1, async (urls) => {
  const rs = routers(urls, 64);
  await suite('ours S=1 (3 n)', writeOp(rs), readOp(rs), rows);
});
await withCluster(5, 8, async (urls) => {
  const rs = routers(urls, 64);
  await suite('ours S=8 (5 n)', writeOp(rs), readOp(rs), rows);
});
console.log('ratios to etcd (target for writes: ≥ 1.5×):');
for (const r of rows) {
  const e = r.results.get('etcd')!;
  const parts = [...r.results].filter(([k]) => k !== 'etcd').map(([k, v]) => `${k} ${(v / e).toFixed(2)}×`);
  console.log(`  ${r.what.padEnd(11)} ${parts.join('   ')}`);
}
http.close();

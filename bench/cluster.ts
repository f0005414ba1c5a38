// npm run bench:cluster — the reference cluster as processes on loopback, fsync on.
//  1. One Raft group (3 nodes, S=1): acknowledged writes/s with p50/p99 at concurrency 1, 16, 64, then
//     linearizable (ReadIndex) reads/s likewise.
//  2. Sharded (5 nodes, R=3): writes/s at concurrency 64 for S = 1, 4, 8, 16.
//  3. Locks (5 nodes, S=8): acquire+release rounds on distinct names at concurrency 16, p50/p99 per round.
// Each client starts at a different node and follows not-leader hints, as a real client does.
// BENCH_SECONDS (default 5) sets the time per figure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcesses } from '../targets/reference/local-cluster.js';
import { HttpClient } from '../harness/net/http.js';
import { Router } from '../targets/reference/router.js';
import type { NodeStatus } from '../system/node/api.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const http = new HttpClient();

async function withCluster<T>(nodes: number, shards: number, fn: (urls: string[]) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-bench-'));
  const lp = await LocalProcesses.create({ nodes, dir, fsync: process.env.BENCH_FSYNC !== '0', extraArgs: ['--shards', String(shards), '--replication', '3'] });
  lp.startAll();
  const urls = lp.nodes.map((n) => n.url);
  try {
    await waitReady(urls);
    return await fn(urls);
  } finally {
    await lp.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitReady(urls: string[]): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const sts = await Promise.all(urls.map(async (u) => {
      try { return (await http.call(`${u}/status`, 'GET', undefined, 500)).body as NodeStatus; } catch { return undefined; }
    }));
    if (sts.every((s) => s?.ready)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('cluster not ready');
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Runs `concurrency` loops of `op` for SECONDS; returns ops/s and latency percentiles. */
async function load(urls: string[], concurrency: number, op: (router: Router, c: number, i: number) => Promise<boolean>): Promise<string> {
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, c) => {
    const router = new Router(http, urls.map((url, k) => ({ name: `n${k + 1}`, url })), c);
    for (let i = 0; performance.now() < end; i++) {
      const t0 = performance.now();
      if (await op(router, c, i)) lat.push(performance.now() - t0);
      else errors++;
    }
  }));
  lat.sort((a, b) => a - b);
  return `${(lat.length / SECONDS).toFixed(0).padStart(6)} ops/s  p50 ${pct(lat, 0.5).toFixed(1)} ms  p99 ${pct(lat, 0.99).toFixed(1)} ms${errors ? `  (${errors} errors)` : ''}`;
}

const ok = (r: Awaited<ReturnType<Router['send']>>): boolean => !('none' in r) && r.status === 200 && r.body.ok === true;
const keyOf = (c: number, i: number): string => `k${(c * 7919 + i) % 1000}`;
const write = (router: Router, c: number, i: number): Promise<boolean> =>
  router.send('/kv', { op: 'write', key: keyOf(c, i), value: i, client: `c${c}`, seq: i + 1 }, 5000, keyOf(c, i)).then(ok);
const read = (router: Router, c: number, i: number): Promise<boolean> =>
  router.send('/kv', { op: 'read', key: keyOf(c, i) }, 5000, keyOf(c, i)).then(ok);

console.log(`cluster benchmark: loopback, fsync ${process.env.BENCH_FSYNC === '0' ? 'off' : 'on'}, ${SECONDS} s per figure, node ${process.version}`);
await withCluster(3, 1, async (urls) => {
  console.log('one Raft group, 3 nodes:');
  for (const c of [1, 16, 64]) console.log(`  writes concurrency ${String(c).padStart(2)}: ${await load(urls, c, write)}`);
  for (const c of [1, 16, 64]) console.log(`  reads  concurrency ${String(c).padStart(2)}: ${await load(urls, c, read)}`);
});
console.log('sharded, 5 nodes, R=3, writes at concurrency 64:');
for (const s of [1, 4, 8, 16]) await withCluster(5, s, async (urls) => console.log(`  S=${String(s).padEnd(2)}: ${await load(urls, 64, write)}`));
await withCluster(5, 8, async (urls) => {
  const round = async (router: Router, c: number, i: number): Promise<boolean> => {
    const name = `bench-lock-${c}-${i % 4}`;
    const a = await router.send('/lock', { op: 'acquire', name, owner: `o${c}`, ttlMs: 10_000 }, 5000, name);
    if (!ok(a) || 'none' in a) return false;
    return ok(await router.send('/lock', { op: 'release', name, owner: `o${c}`, token: a.body.token }, 5000, name));
  };
  console.log(`locks, 5 nodes, S=8, acquire+release rounds at concurrency 16: ${await load(urls, 16, round)}`);
});
http.close();

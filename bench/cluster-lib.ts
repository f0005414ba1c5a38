// Shared by bench/cluster.ts and bench/vs-etcd.ts: the reference cluster as processes on loopback, and one
// closed-loop load generator (each of `concurrency` clients sends its next request when the previous one is
// answered), so every system is measured through the same client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcesses } from '../test/fixtures/loopback-cluster.js';
import { HttpClient } from '../harness/net/http.js';
import { Router } from '../targets/reference/router.js';
import type { NodeStatus } from '../system/node/api.js';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const http = new HttpClient();

export async function withCluster<T>(
  nodes: number,
  shards: number,
  fn: (urls: string[], lp: LocalProcesses) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-bench-'));
  const lp = await LocalProcesses.create({
    nodes,
    dir,
    fsync: process.env.BENCH_FSYNC !== '0',
    extraArgs: ['--shards', String(shards), '--replication', '3'],
  });
  lp.startAll();
  const urls = lp.nodes.map((n) => n.url);
  try {
    await waitReady(urls);
    return await fn(urls, lp);
  } finally {
    await lp.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function statusOf(url: string, timeoutMs = 500): Promise<NodeStatus | undefined> {
  try {
    return (await http.call(`${url}/status`, 'GET', undefined, timeoutMs)).body as NodeStatus;
  } catch {
    return undefined;
  }
}

export async function waitReady(urls: string[]): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const sts = await Promise.all(urls.map((u) => statusOf(u)));
    if (sts.every((s) => s?.ready)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('cluster not ready');
}

export function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
}

export interface LoadResult {
  opsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
}

export function fmt(r: LoadResult): string {
  return (
    `${r.opsPerSec.toFixed(0).padStart(6)} ops/s  p50 ${r.p50.toFixed(1)} ms  ` +
    `p99 ${r.p99.toFixed(1)} ms${r.errors ? `  (${r.errors} errors)` : ''}`
  );
}

/**
 * Seconds of unmeasured load before a sharded figure: elections settle, rebalancing moves leaders, clients learn them.
 */
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? 2);

/** Runs `concurrency` closed loops of `op` for `seconds`; `op` resolves true when acknowledged. */
export async function load(
  concurrency: number,
  op: (c: number, i: number) => Promise<boolean>,
  seconds = SECONDS,
): Promise<LoadResult> {
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        let ok = false;
        try {
          ok = await op(c, i);
        } catch {
          ok = false;
        }
        if (ok) lat.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { opsPerSec: lat.length / seconds, p50: pct(lat, 0.5), p99: pct(lat, 0.99), errors };
}

export const keyOf = (c: number, i: number): string => `k${(c * 7919 + i) % 1000}`;

type Answer = Awaited<ReturnType<Router['send']>>;
export const ok = (r: Answer): boolean => !('none' in r) && r.status === 200 && r.body.ok === true;

/** Per-client routers for the reference cluster (each starts at a different node, follows leader hints). */
export function routers(urls: string[], concurrency: number): Router[] {
  return Array.from(
    { length: concurrency },
    (_, c) =>
      new Router(
        http,
        urls.map((url, k) => ({ name: `n${k + 1}`, url })),
        c,
      ),
  );
}

export function writeOp(rs: Router[]): (c: number, i: number) => Promise<boolean> {
  return (c, i) =>
    rs[c]
      .send('/kv', { op: 'write', key: keyOf(c, i), value: i, client: `c${c}`, seq: i + 1 }, 5000, keyOf(c, i))
      .then(ok);
}

export function readOp(rs: Router[]): (c: number, i: number) => Promise<boolean> {
  return (c, i) => rs[c].send('/kv', { op: 'read', key: keyOf(c, i) }, 5000, keyOf(c, i)).then(ok);
}

// npm run bench:cluster — 3 reference nodes as processes on loopback, fsync on. For concurrency 1, 16 and 64:
// acknowledged writes/s with p50/p99 latency, then linearizable (ReadIndex) reads/s likewise. Each client
// starts at a different node and follows not-leader redirects, as a real client would.
// BENCH_SECONDS (default 5) sets the time per measurement.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcesses } from '../harness/runtime/local-processes.js';
import { HttpClient } from '../workloads/kv/http.js';
import type { KvRequest } from '../system/node/api.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'fl-bench-'));
const lp = await LocalProcesses.create({ nodes: 3, dir, fsync: process.env.BENCH_FSYNC !== "0" });
lp.startAll();
const http = new HttpClient();
const urls = lp.nodes.map((n) => n.url);

async function waitLeader(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    for (const u of urls) {
      try {
        const r = await http.call(`${u}/status`, 'GET', undefined, 500);
        if ((r.body as { role?: string }).role === 'leader') return;
      } catch { /* not up yet */ }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no leader');
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(kind: 'write' | 'read', concurrency: number): Promise<string> {
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  let seq = 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, c) => {
    let url = urls[c % urls.length];
    while (performance.now() < end) {
      const key = `k${(c * 7 + seq++) % 1000}`;
      const req: KvRequest = kind === 'write' ? { op: 'write', key, value: seq, client: `c${c}`, seq } : { op: 'read', key };
      const t0 = performance.now();
      try {
        const r = await http.call(`${url}/kv`, 'POST', req, 5000);
        if (r.status === 421) { url = (r.body as { leaderUrl?: string }).leaderUrl ?? urls[(c + 1) % urls.length]; continue; }
        if (r.status !== 200) { errors++; continue; }
        lat.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }));
  lat.sort((a, b) => a - b);
  const rate = lat.length / SECONDS;
  return `${kind}s  concurrency ${String(concurrency).padStart(2)}: ${rate.toFixed(0).padStart(6)} ops/s  p50 ${pct(lat, 0.5).toFixed(1)} ms  p99 ${pct(lat, 0.99).toFixed(1)} ms${errors ? `  (${errors} errors)` : ''}`;
}

try {
  await waitLeader();
  console.log(`cluster benchmark: 3 nodes on loopback, fsync on, ${SECONDS} s per figure, node ${process.version}`);
  for (const kind of ['write', 'read'] as const) for (const c of [1, 16, 64]) console.log(await measure(kind, c));
} finally {
  http.close();
  await lp.stopAll();
  rmSync(dir, { recursive: true, force: true });
}

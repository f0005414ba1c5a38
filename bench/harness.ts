// npm run bench:harness — the harness's own cost: workers + recorder + history file against a trivial in-process
// target that answers at once. Prints ops/s recorded (none dropped: every invoke has its completion) and the
// harness's added latency per operation (recorded completion time − recorded invoke time, the target taking ~0).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeLimit } from '../harness/generator/generator.js';
import { parseHistory } from '../harness/history/readers/index.js';
import { HistoryWriter } from '../harness/history/writer.js';
import { Recorder } from '../harness/run/recorder.js';
import { WorkerPool } from '../harness/run/workers.js';
import { kvGenerator } from '../workloads/kv/workload.js';
import type { Client } from '../workloads/types.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'fl-bench-harness-'));
const path = join(dir, 'history.jsonl');

// Flat out at 1, 16 and 64 workers (throughput), then 64 workers paced to 10,000 ops/s (added latency when
// the harness is not itself the bottleneck).
for (const [concurrency, rate] of [
  [1, 0],
  [16, 0],
  [64, 0],
  [64, 10_000],
] as const) {
  const recorder = new Recorder(new HistoryWriter(path, { model: 'kv-register' }));
  const data = new Map<string, unknown>();
  const trivial: Client = {
    invoke: async (op) => {
      if (op.f === 'read') return { type: 'ok', value: data.get(op.key!) ?? null };
      if (op.f === 'write') {
        data.set(op.key!, op.value);
        return { type: 'ok' };
      }
      return { type: 'fail', error: 'cas-mismatch' };
    },
    close: () => undefined,
  };
  const t0 = performance.now();
  const pool = new WorkerPool({
    concurrency,
    seed: 1,
    rate,
    recorder,
    elapsed: () => (performance.now() - t0) / 1000,
    generator: timeLimit(SECONDS, kvGenerator(concurrency)),
    makeClient: () => trivial,
  });
  await pool.run();
  const secs = (performance.now() - t0) / 1000;
  recorder.close();
  const events = parseHistory(readFileSync(path, 'utf8')).events;
  const invokes = new Map<unknown, number>();
  const added: number[] = [];
  let completions = 0;
  for (const e of events) {
    if (e.type === 'invoke') invokes.set(e.process, e.time!);
    else {
      completions++;
      added.push((e.time! - invokes.get(e.process)!) / 1e6);
    }
  }
  const invoked = events.length - completions;
  added.sort((a, b) => a - b);
  const p = (q: number): string => added[Math.min(added.length - 1, Math.floor(q * added.length))].toFixed(3);
  console.log(
    `concurrency ${String(concurrency).padStart(2)}${rate ? ` at ${rate} ops/s` : ', unpaced'}: ` +
      `${(completions / secs).toFixed(0).padStart(6)} ops/s recorded, ${invoked - completions} dropped; ` +
      `added latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`,
  );
}
rmSync(dir, { recursive: true, force: true });

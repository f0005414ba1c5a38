// The worker pool against an in-process target: every invoke gets exactly one completion, an info retires the
// process (fresh id = old + concurrency), the history it records checks as linearizable, and a torn history
// still reads.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks } from '../../../harness/check/pipeline.js';
import { limitPerWorker, phases } from '../../../harness/generator/generator.js';
import { barrier, oncePerWorker } from '../../../harness/generator/phases.js';
import { parseHistory } from '../../../harness/history/readers/index.js';
import { HistoryWriter } from '../../../harness/history/writer.js';
import { Recorder } from '../../../harness/run/recorder.js';
import { WorkerPool } from '../../../harness/run/workers.js';
import { kvGenerator } from '../../../workloads/kv/workload.js';
import type { Client, Completion } from '../../../workloads/types.js';
import type { OpSpec } from '../../../harness/generator/generator.js';

/** A linearizable in-memory register store; every 10th write times out after applying (info). */
class MemoryTarget {
  data = new Map<string, unknown>();
  n = 0;
  client(): Client {
    return {
      invoke: async (op: OpSpec): Promise<Completion> => {
        await new Promise((r) => setImmediate(r));
        const key = op.key!;
        const cur = this.data.has(key) ? this.data.get(key) : null;
        if (op.f === 'read') return { type: 'ok', value: cur };
        if (op.f === 'write') {
          this.data.set(key, op.value);
          return ++this.n % 10 === 0 ? { type: 'info', error: 'timeout' } : { type: 'ok' };
        }
        const [from, to] = op.value as [unknown, unknown];
        if (cur !== from) return { type: 'fail', error: 'cas-mismatch' };
        this.data.set(key, to);
        return { type: 'ok' };
      },
      close: () => undefined,
    };
  }
}

test('records an honest, checkable history; info retires the process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-workers-'));
  const path = join(dir, 'history.jsonl');
  const recorder = new Recorder(new HistoryWriter(path, { model: 'kv-register' }));
  const target = new MemoryTarget();
  const made: number[] = [];
  const pool = new WorkerPool({
    concurrency: 4,
    seed: 5,
    rate: 0,
    recorder,
    elapsed: () => 0,
    generator: phases(
      limitPerWorker(60, kvGenerator(4)),
      oncePerWorker((k) => (k ? { f: 'read', key: k } : undefined)),
    ),
    makeClient: (p) => {
      made.push(p);
      return target.client();
    },
  });
  await pool.run();
  pool.close();
  recorder.close();
  const h = parseHistory(readFileSync(path, 'utf8'));
  const invokes = h.events.filter((e) => e.type === 'invoke').length;
  assert.is(invokes, 4 * 60 + 4);
  assert.is(h.events.length, invokes * 2);
  assert.ok(
    made.some((p) => p >= 4),
    'a retired process was replaced by a fresh id',
  );
  for (const p of made.filter((x) => x >= 4)) assert.ok(made.includes(p - 4));
  // No process ever has two operations in flight.
  const open = new Set<unknown>();
  for (const e of h.events) {
    if (e.type === 'invoke') {
      assert.not.ok(open.has(e.process));
      open.add(e.process);
    } else open.delete(e.process);
  }
  assert.is(
    runChecks(h.events, { model: 'kv-register', checkers: ['linearizable', 'stats'], timeoutMs: 10_000 }).valid,
    true,
  );
  assert.equal(recorder.counts.invoked, invokes);
});

test('stop() ends the load phase; operations in flight still complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-workers-'));
  const recorder = new Recorder(new HistoryWriter(join(dir, 'h.jsonl')));
  const target = new MemoryTarget();
  const pool = new WorkerPool({
    concurrency: 3,
    seed: 1,
    rate: 50,
    recorder,
    elapsed: () => 0,
    generator: kvGenerator(3),
    makeClient: () => target.client(),
  });
  const running = pool.run();
  await new Promise((r) => setTimeout(r, 150));
  pool.stop();
  await running;
  recorder.close();
  const h = parseHistory(readFileSync(join(dir, 'h.jsonl'), 'utf8'));
  assert.ok(h.events.length > 0);
  assert.is(h.events.filter((e) => e.type === 'invoke').length * 2, h.events.length);
});

test('final reads are a generator phase behind a barrier: nothing passes it until it opens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-workers-'));
  const path = join(dir, 'h.jsonl');
  const recorder = new Recorder(new HistoryWriter(path));
  const target = new MemoryTarget();
  const bar = barrier(3);
  const pool = new WorkerPool({
    concurrency: 3,
    seed: 2,
    rate: 0,
    recorder,
    elapsed: () => 0,
    pendingMs: 5,
    generator: phases(
      limitPerWorker(10, kvGenerator(3)),
      bar.gen,
      oncePerWorker((k) => (k ? ({ f: 'read', key: k, final: true } as OpSpec) : undefined)),
    ),
    makeClient: () => target.client(),
  });
  const running = pool.run();
  await bar.reached;
  assert.is(bar.waiting(), 3);
  const before = recorder.counts.invoked;
  await new Promise((r) => setTimeout(r, 60));
  assert.is(recorder.counts.invoked, before, 'no operation while the barrier is closed');
  assert.ok(pool.hotKey()?.startsWith('k'), 'hotKey names a key the clients used');
  bar.open();
  await running;
  recorder.close();
  const h = parseHistory(readFileSync(path, 'utf8'));
  const finals = h.events.filter((e) => e.type === 'invoke' && (e as unknown as { final?: boolean }).final);
  assert.is(finals.length, 3);
  assert.is(recorder.counts.invoked, before + 3);
});

test('a rate function paces the workers: more operations per second inside a burst window', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-workers-'));
  const recorder = new Recorder(new HistoryWriter(join(dir, 'h.jsonl')));
  const target = new MemoryTarget();
  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  // 40 ops/s for the first 0.6 s, then a burst of 400 ops/s until 1.2 s.
  const pool = new WorkerPool({
    concurrency: 4,
    seed: 3,
    recorder,
    elapsed,
    rate: (t) => (t < 0.6 ? 40 : 400),
    generator: (ctx) => (ctx.elapsed < 1.2 ? { f: 'read', key: 'k' } : undefined),
    makeClient: () => target.client(),
  });
  const times: number[] = [];
  const record = recorder.record.bind(recorder);
  recorder.record = (e) => {
    if (e.type === 'invoke') times.push(elapsed());
    return record(e);
  };
  await pool.run();
  recorder.close();
  const quiet = times.filter((t) => t < 0.6).length;
  const burst = times.filter((t) => t >= 0.6).length;
  assert.ok(burst > 3 * quiet, `burst ${burst} vs quiet ${quiet} ops in equal spans`);
});

test('hotKey: the key most used among recent operations', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-workers-'));
  const recorder = new Recorder(new HistoryWriter(join(dir, 'h.jsonl')));
  const target = new MemoryTarget();
  const keys = ['a', 'b', 'b', 'c', 'b'];
  const pool = new WorkerPool({
    concurrency: 1,
    seed: 1,
    rate: 0,
    recorder,
    elapsed: () => 0,
    generator: (ctx) => (ctx.count < keys.length ? { f: 'read', key: keys[ctx.count] } : undefined),
    makeClient: () => target.client(),
  });
  assert.is(pool.hotKey(), undefined);
  await pool.run();
  recorder.close();
  assert.is(pool.hotKey(), 'b');
});

test.run();

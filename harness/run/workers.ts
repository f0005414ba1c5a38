// Client workers: one per concurrency slot, each a logical process that performs one operation at a time,
// recording invoke before sending and the completion after. A process whose operation ended in info (unknown
// outcome) is retired and the slot continues as a fresh process id (old + concurrency), as Jepsen does, so that
// no process ever has two operations in flight. The generator decides everything else, the final reads
// included (harness/generator/phases.ts): a worker told PENDING asks again shortly.
import { PENDING, staggerMs, workerRandom, type Generator, type OpSpec } from '../generator/generator.js';
import type { Client } from '../../workloads/types.js';
import type { Recorder } from './recorder.js';

export interface WorkerPoolOptions {
  concurrency: number;
  seed: number;
  /** Target ops/s over all workers (0: as fast as possible), fixed or as a function of elapsed seconds (bursts). */
  rate: number | ((elapsed: number) => number);
  generator: Generator;
  recorder: Recorder;
  /** A client for a (new) process; called again when a process is retired. */
  makeClient: (process: number, worker: number) => Client;
  /** Seconds since load started, for time-limited generators. */
  elapsed: () => number;
  /** How long a worker told PENDING waits before asking again. Default 50 ms. */
  pendingMs?: number;
}

/** How many recent keyed operations hotKey() looks at. */
const RECENT_KEYS = 200;

interface Slot {
  worker: number;
  process: number;
  client: Client;
  count: number;
  lastKey?: string;
}

export class WorkerPool {
  private stopping = false;
  private slots: Slot[] = [];
  private sleeps = new Set<() => void>();
  private recent: string[] = [];
  private recentAt = 0;

  constructor(private readonly o: WorkerPoolOptions) {}

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.sleeps.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleeps.add(done);
    });
  }

  /** Performs one operation for a slot and records it honestly. */
  async perform(slot: Slot, planned: OpSpec): Promise<void> {
    const op = slot.client.prepare ? slot.client.prepare(planned) : planned;
    if (!op) return;
    const { f: _f, key: _k, value: _v, ...extra } = op as OpSpec & Record<string, unknown>;
    const base = { process: slot.process, f: op.f, ...(op.key !== undefined ? { key: op.key } : {}), ...extra };
    this.o.recorder.record({ ...base, type: 'invoke', value: op.value ?? null });
    const c = await slot.client.invoke(op);
    // The completion carries what the system answered (a read's value, a lock's token) when there is one,
    // else the invocation's argument, as Jepsen records it.
    const value = op.f === 'read' ? (c.value ?? null) : c.value !== undefined ? c.value : (op.value ?? null);
    this.o.recorder.record({ ...base, type: c.type, value, ...('error' in c ? { error: c.error } : {}) });
    if (op.key !== undefined) {
      slot.lastKey = op.key;
      if (this.recent.length < RECENT_KEYS) this.recent.push(op.key);
      else this.recent[this.recentAt++ % RECENT_KEYS] = op.key;
    }
    if (c.type === 'info') {
      slot.client.close();
      slot.process += this.o.concurrency;
      slot.client = this.o.makeClient(slot.process, slot.worker);
    }
  }

  /** The key clients used most among their last RECENT_KEYS keyed operations (targeted faults aim at its shard). */
  hotKey(): string | undefined {
    const counts = new Map<string, number>();
    let best: string | undefined;
    let bestN = 0;
    for (const k of this.recent) {
      const n = (counts.get(k) ?? 0) + 1;
      counts.set(k, n);
      if (n > bestN) {
        best = k;
        bestN = n;
      }
    }
    return best;
  }

  private rateNow(): number {
    return typeof this.o.rate === 'function' ? this.o.rate(this.o.elapsed()) : this.o.rate;
  }

  /** Runs the generator until it is exhausted for every worker or stop() is called. */
  async run(): Promise<void> {
    this.slots = Array.from({ length: this.o.concurrency }, (_, w) => ({
      worker: w,
      process: w,
      client: this.o.makeClient(w, w),
      count: 0,
    }));
    await Promise.all(
      this.slots.map(async (slot) => {
        const rnd = workerRandom(this.o.seed, slot.worker);
        const pace = workerRandom(this.o.seed ^ 0x5bd1e995, slot.worker);
        while (!this.stopping) {
          const op = this.o.generator({
            worker: slot.worker,
            count: slot.count,
            rnd,
            elapsed: this.o.elapsed(),
            lastKey: slot.lastKey,
          });
          if (op === undefined) break;
          if (op === PENDING) {
            await this.sleep(this.o.pendingMs ?? 50);
            continue;
          }
          slot.count++;
          await this.perform(slot, op);
          await this.sleep(staggerMs(pace, this.rateNow(), this.o.concurrency));
        }
      }),
    );
  }

  /**
   * Stop handing out new operations, final ones included; operations in flight complete (each within its deadline,
   * harness/target/guard.ts).
   */
  stop(): void {
    this.stopping = true;
    for (const wake of [...this.sleeps]) wake();
  }

  /** Closes every process's client; resolves when all have closed (each close has its own deadline). */
  async close(): Promise<void> {
    await Promise.allSettled(this.slots.map(async (s) => s.client.close()));
  }
}

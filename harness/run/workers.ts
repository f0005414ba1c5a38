// Client workers: one per concurrency slot, each a logical process that performs one operation at a time,
// recording invoke before sending and the completion after. A process whose operation ended in info (unknown
// outcome) is retired and the slot continues as a fresh process id (old + concurrency), as Jepsen does, so that
// no process ever has two operations in flight.
import { staggerMs, workerRandom, type Generator, type OpSpec } from '../generator/generator.js';
import type { Client } from '../../workloads/types.js';
import type { Recorder } from './recorder.js';

export interface WorkerPoolOptions {
  concurrency: number;
  seed: number;
  rate: number;
  generator: Generator;
  recorder: Recorder;
  /** A client for a (new) process; called again when a process is retired. */
  makeClient: (process: number, worker: number) => Client;
  /** Seconds since load started, for time-limited generators. */
  elapsed: () => number;
  finalOp?: (lastKey: string | undefined, worker: number) => OpSpec | undefined;
}

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

  constructor(private readonly o: WorkerPoolOptions) {}

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(t); this.sleeps.delete(done); resolve(); };
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
    if (op.key !== undefined) slot.lastKey = op.key;
    if (c.type === 'info') {
      slot.client.close();
      slot.process += this.o.concurrency;
      slot.client = this.o.makeClient(slot.process, slot.worker);
    }
  }

  /** Runs the load phase until the generator is exhausted for every worker or stop() is called. */
  async run(): Promise<void> {
    this.slots = Array.from({ length: this.o.concurrency }, (_, w) => ({ worker: w, process: w, client: this.o.makeClient(w, w), count: 0 }));
    await Promise.all(this.slots.map(async (slot) => {
      const rnd = workerRandom(this.o.seed, slot.worker);
      const pace = workerRandom(this.o.seed ^ 0x5bd1e995, slot.worker);
      while (!this.stopping) {
        const op = this.o.generator({ worker: slot.worker, count: slot.count, rnd, elapsed: this.o.elapsed() });
        if (op === undefined) break;
        slot.count++;
        await this.perform(slot, op);
        await this.sleep(staggerMs(pace, this.o.rate, this.o.concurrency));
      }
    }));
  }

  /** Stop handing out new operations; operations in flight complete (each has a client timeout). */
  stop(): void {
    this.stopping = true;
    for (const wake of [...this.sleeps]) wake();
  }

  /** The final phase: each process reads what it last worked on, after the faults are healed. */
  async finalReads(): Promise<void> {
    if (!this.o.finalOp) return;
    await Promise.all(this.slots.map(async (slot) => {
      const op = this.o.finalOp!(slot.lastKey, slot.worker);
      if (op) await this.perform(slot, op);
    }));
  }

  close(): void {
    for (const s of this.slots) s.client.close();
  }
}

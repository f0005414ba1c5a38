// The run's phases as generators (Jepsen's gen/phases with a synchronization barrier, gen/once per thread): the
// load phase, then a barrier every worker reaches once its last load operation completed (the harness heals
// every fault meanwhile), then the final phase, where each worker performs the workload's final operation (a
// read of the key it last touched) once. The final reads are thereby ordinary generator operations, recorded
// and checked like any other.
import { PENDING, type Generator, type OpSpec } from './generator.js';

export interface Barrier {
  /** A generator answering PENDING until open(); counts the workers that reached it. */
  gen: Generator;
  /** Resolves when all `workers` have reached the barrier. */
  reached: Promise<void>;
  /** Lets every waiting worker through to the next phase. */
  open(): void;
  /** Workers waiting at the barrier now. */
  waiting(): number;
}

export function barrier(workers: number): Barrier {
  const arrived = new Set<number>();
  let opened = false;
  let release!: () => void;
  const reached = new Promise<void>((r) => (release = r));
  if (workers <= 0) release();
  return {
    gen: (ctx) => {
      if (opened) return undefined;
      if (!arrived.has(ctx.worker)) {
        arrived.add(ctx.worker);
        if (arrived.size >= workers) release();
      }
      return PENDING;
    },
    reached,
    open: () => {
      opened = true;
    },
    waiting: () => (opened ? 0 : arrived.size),
  };
}

/** Each worker performs `op(lastKey, worker)` once (nothing when it answers undefined). */
export function oncePerWorker(op: (lastKey: string | undefined, worker: number) => OpSpec | undefined): Generator {
  const done = new Set<number>();
  return (ctx) => {
    if (done.has(ctx.worker)) return undefined;
    done.add(ctx.worker);
    return op(ctx.lastKey, ctx.worker);
  };
}

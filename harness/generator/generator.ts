// Seeded, composable operation generators in the spirit of Jepsen's. A generator is asked for the next operation
// by one worker (a concurrency slot) at a time and answers with an operation or `undefined` (this worker is done).
// Every worker draws from its own random stream forked from the run's seed, so the sequence of operations each
// worker performs depends only on the seed and the options, never on timing: same seed, same schedule.
import { Random } from './random.js';

export interface OpSpec {
  f: string;
  key?: string;
  value?: unknown;
}

export interface GenContext {
  /** Concurrency slot 0..C-1 (stable when a process is retired and replaced). */
  worker: number;
  /** Operations this worker has been given so far. */
  count: number;
  /** The worker's own random stream. */
  rnd: Random;
  /** Seconds since the run's load phase started. */
  elapsed: number;
  /** The key this worker's last operation touched (final reads read it back). */
  lastKey?: string;
}

/**
 * "Not yet": the worker should ask again shortly (Jepsen's :pending). A phase that waits for something outside
 * the generator (the nemesis's final heal) answers this until the wait is over.
 */
export const PENDING: unique symbol = Symbol('pending');
export type GenResult = OpSpec | undefined | typeof PENDING;

export type Generator = (ctx: GenContext) => GenResult;

/** Picks one of the generators at random for each operation (Jepsen's gen/mix). */
export function mix(gens: Generator[]): Generator {
  return (ctx) => gens[ctx.rnd.int(0, gens.length)](ctx);
}

/** At most n operations per worker. */
export function limitPerWorker(n: number, gen: Generator): Generator {
  return (ctx) => (ctx.count >= n ? undefined : gen(ctx));
}

/** Hands out operations until `over()` says the phase is over (Ctrl-C, a harness-side deadline). */
export function until(over: () => boolean, gen: Generator): Generator {
  return (ctx) => (over() ? undefined : gen(ctx));
}

/** Stops handing out operations after `seconds` (Jepsen's gen/time-limit). */
export function timeLimit(seconds: number, gen: Generator): Generator {
  return (ctx) => (ctx.elapsed >= seconds ? undefined : gen(ctx));
}

/** The first generator until it is exhausted for this worker, then the next (Jepsen's gen/phases, per worker). */
export function phases(...gens: Generator[]): Generator {
  const phaseOf = new Map<number, number>();
  const offset = new Map<number, number>();
  return (ctx) => {
    for (;;) {
      const p = phaseOf.get(ctx.worker) ?? 0;
      if (p >= gens.length) return undefined;
      const op = gens[p]({ ...ctx, count: ctx.count - (offset.get(ctx.worker) ?? 0) });
      if (op !== undefined) return op; // an operation, or PENDING: stay in this phase
      phaseOf.set(ctx.worker, p + 1);
      offset.set(ctx.worker, ctx.count);
    }
  };
}

/**
 * Delay before a worker's next operation so that all workers together approach `opsPerSecond`
 * (Jepsen's gen/stagger: uniformly random in [0, 2·mean), mean = concurrency / rate). 0 = as fast as possible.
 */
export function staggerMs(rnd: Random, opsPerSecond: number, concurrency: number): number {
  if (!(opsPerSecond > 0)) return 0;
  const meanMs = (1000 * concurrency) / opsPerSecond;
  return rnd.float() * 2 * meanMs;
}

/** Each worker's random stream: a pure function of the seed and the slot. */
export function workerRandom(seed: number, worker: number): Random {
  return new Random((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(worker + 1, 0x85ebca6b)) >>> 0);
}

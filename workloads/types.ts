// A workload is a generator of operations, a model and checks, both named for the check pipeline: what to do
// and what must hold, independent of any target and of the checker's code. Each target brings a client adapter
// per workload it supports (harness/target/types.ts); `faultline run --workload NAME` picks one from
// workloads/index.ts.
import type { Generator, OpSpec } from '../harness/generator/generator.js';

export type Completion =
  | { type: 'ok'; value?: unknown }
  | { type: 'fail'; value?: unknown; error: string }
  | { type: 'info'; value?: unknown; error: string };

/**
 * Performs operations for one logical process. Never throws: every outcome is a completion. (The harness holds a
 * target's client to that: an invoke that throws, or has not settled by --op-timeout and its grace, completes as
 * info; harness/target/guard.ts.)
 */
export interface Client {
  /**
   * Optional: complete an operation from the client's own state before it is recorded (a lock token it holds,
   * the value it read), or return undefined to skip it (e.g. no point writing without the lock).
   */
  prepare?(op: OpSpec): OpSpec | undefined;
  invoke(op: OpSpec): Promise<Completion>;
  close(): void | Promise<void>;
}

export interface WorkloadOptions {
  seed: number;
  concurrency: number;
  /** Client-side timeout per operation. */
  opTimeoutMs: number;
  /** Lock lease the workload asks for (lock workloads), in ms. */
  leaseMs?: number;
}

/** A check a workload's histories need, by name: one the check pipeline knows (harness/check/pipeline.ts). */
export interface NamedCheck {
  /** "fenced-counter": unique, increasing fencing tokens and no lost update of the fenced counter. */
  checker: string;
  /** What the check needs to know of the workload (fenced-counter: the lock's and the counter's keys). */
  args?: Record<string, unknown>;
}

export interface Workload {
  name: string;
  /** Checker model name for the linearizability checker (harness/checker/models/registry.ts); none: skip it. */
  model?: string;
  /** Workload-specific checks, run beside linearizability, named as data (the check pipeline runs them). */
  checks?: readonly NamedCheck[];
  describe: string;
  generator(o: WorkloadOptions): Generator;
  /** The operation a worker performs in the final phase (after healing): a read of its last key. */
  finalOp(lastKey: string | undefined, worker: number): OpSpec | undefined;
  /** Lock lease (ms) the target's client should request, for lock workloads. */
  leaseMs?: number;
  /**
   * Optional: workload logic around the target's client for one process (state carried from one op to the next,
   * such as the token a process holds or the value it read; stalls). The target's client then only performs ops.
   */
  wrapClient?(inner: Client, o: WorkloadOptions & { process: number }): Client;
}

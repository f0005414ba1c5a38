// A workload is a pure model (named for the checker), a client that performs operations against a target, and
// a generator of operations. `faultline run --workload NAME` picks one from workloads/index.ts.
import type { Generator, OpSpec } from '../harness/generator/generator.js';
import type { NodeHandle } from '../harness/runtime/types.js';
import type { CheckerOutcome } from '../harness/checker/results.js';
import type { HistoryEvent } from '../harness/history/op.js';

export type Completion =
  | { type: 'ok'; value?: unknown }
  | { type: 'fail'; value?: unknown; error: string }
  | { type: 'info'; value?: unknown; error: string };

/** Performs operations for one logical process. Never throws: every outcome is a completion. */
export interface Client {
  /**
   * Optional: complete an operation from the client's own state before it is recorded (a lock token it holds,
   * the value it read), or return undefined to skip it (e.g. no point writing without the lock).
   */
  prepare?(op: OpSpec): OpSpec | undefined;
  invoke(op: OpSpec): Promise<Completion>;
  close(): void;
}

export interface WorkloadOptions {
  seed: number;
  concurrency: number;
  /** Client-side timeout per operation. */
  opTimeoutMs: number;
}

export interface Workload {
  name: string;
  /** Checker model name for the linearizability checker (harness/checker/models/registry.ts); none: skip it. */
  model?: string;
  /** Workload-specific checkers, run beside linearizability. */
  checkers?: (events: readonly HistoryEvent[]) => CheckerOutcome[];
  describe: string;
  generator(o: WorkloadOptions): Generator;
  /** The operation a worker performs in the final phase (after healing): a read of its last key. */
  finalOp(lastKey: string | undefined, worker: number): OpSpec | undefined;
  /** A client for one process, talking to the given nodes (starting at `prefer`). */
  client(nodes: NodeHandle[], prefer: number, o: WorkloadOptions & { process: number }): Client;
}

// How long the harness waits for each piece of a target's code before it gives up on it (harness/target/guard.ts
// applies them; docs/targets.md lists them for target authors). Each is long enough that a target doing its job
// never meets it, and short enough that a hung one is reported while the user is still watching.
export interface Deadlines {
  /** Importing the target module (a top-level await that never settles). */
  importMs: number;
  /** cluster(ctx): building the spec. */
  clusterMs: number;
  /** Each health() call: a probe that does not answer at all is broken (it should say "not yet"). */
  healthMs: number;
  /** The whole start-up: image build or install, starting every node, the cluster passing health(). */
  startMs: number;
  /** Each client close(), and the leader() and membership() hooks (which carry their own shorter deadlines). */
  closeMs: number;
  hookMs: number;
  /** Tearing the cluster down (runtime.down()); an overrun is logged and the run still reports. */
  teardownMs: number;
}

export const DEADLINES: Readonly<Deadlines> = {
  importMs: 30_000,
  clusterMs: 30_000,
  healthMs: 5_000,
  // An image build on a cold docker cache (the base image, a target's own layers) takes minutes, not hours.
  startMs: 600_000,
  closeMs: 5_000,
  hookMs: 60_000,
  teardownMs: 120_000,
};

/**
 * How long an invoke may take before the harness records it as info: --op-timeout, plus a grace of the same
 * again (at least 1 s) so that a client that honours the timeout (or makes a few bounded requests, as etcd's
 * lock client does) reports its own outcome first; the harness's deadline is for a client that never settles.
 */
export function invokeDeadlineMs(opTimeoutMs: number): number {
  return opTimeoutMs + Math.max(1000, opTimeoutMs);
}

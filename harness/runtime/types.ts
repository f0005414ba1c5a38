// The Runtime interface: how the harness brings a cluster up, reaches its nodes, hurts them and tears them
// down. Three implementations: docker (dockerode, real containers, iptables, cgroup freezer, libfaketime),
// local (child processes on loopback, a fault-injecting TCP relay, signals) and ssh (processes on real hosts
// over SSH, the hosts' own iptables, signals, tc netem and libfaketime). The nemesis and `faultline run`
// only ever talk to this interface. A runtime hosts whatever ClusterSpec it is given (argv, env, ports, health
// check, harness/runtime/spec.ts): it knows no target.

export type { Addressing, ClusterSpec, HostInstaller, ImageBuilder, NodeHandle } from './spec.js';
import type { ClusterSpec, NodeHandle } from './spec.js';

/** A grudge: for each node, the nodes it must not hear from (Jepsen's representation of a partition). */
export type Grudge = Record<string, string[]>;

export interface PartitionOptions {
  /** DROP (packets vanish: connections hang) or REJECT with tcp-reset (fails fast). Default drop. */
  mode?: 'drop' | 'reject';
}

export interface Runtime {
  readonly kind: 'docker' | 'local' | 'ssh';
  /** Build/prepare what is needed (image, binaries), create and start the cluster, wait until spec.health passes. */
  up(spec: ClusterSpec): Promise<NodeHandle[]>;
  nodes(): NodeHandle[];
  /** Wait until the spec's health check passes for every (or the named) node. */
  waitHealthy(timeoutMs: number, names?: string[]): Promise<void>;

  /** SIGKILL the node's process; its data stays. */
  kill(name: string): Promise<void>;
  /**
   * Start a killed node again; faults still active (partitions, loss, latency, clock) are re-applied. Resolves
   * once the node passes the spec's health check for itself (within 15 s, else rejects); a node not killed is
   * left as it is.
   */
  start(name: string): Promise<void>;
  /** Freeze / thaw the node (cgroup freezer or SIGSTOP/SIGCONT). */
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;

  /** Replace the current partition with this grudge (an empty grudge heals). */
  partition(grudge: Grudge, opts?: PartitionOptions): Promise<void>;
  heal(): Promise<void>;
  /** Random loss of incoming packets from peers on these nodes with probability p (0 < p < 1); p = 0 removes it. */
  loss(names: string[], p: number): Promise<void>;

  /**
   * Delay every peer byte these nodes receive by ms ± jitterMs (uniform), order kept; 0, 0 removes it. Local and
   * docker do it in user space (no kernel netem here): the local relay, and on docker a harness-side relay that
   * peer traffic is steered through (docker/latency.ts); ssh uses the hosts' tc netem where they have it.
   */
  latency(names: string[], ms: number, jitterMs?: number): Promise<void>;

  /**
   * Offset the node's wall clock by `deltaMs` relative to true time (libfaketime).
   * Throws a clear error when unsupported.
   */
  clockSet(name: string, offsetMs: number): Promise<void>;
  clockReset(names?: string[]): Promise<void>;
  clockSupported(): Promise<boolean>;

  /**
   * Optional: why this runtime cannot inject fault `kind` on the cluster it brought up (undefined: it can).
   * Asked after up(); `--nemesis all` leaves such kinds out and an explicit one is refused with this reason.
   */
  cannot?(kind: string): Promise<string | undefined>;

  /**
   * Optional: a one-line warning about objects earlier runs left on this runtime's engine (their harness gone),
   * or undefined. Asked before up(); the runtime asks its own engine, so the run never reaches one itself.
   */
  leftovers?(): Promise<string | undefined>;

  /** Undo every fault (partitions, loss, latency, clocks, pauses; restarts killed nodes). */
  healAll(): Promise<void>;
  /** Stop and remove everything this runtime created (idempotent, safe to call from signal handlers). */
  down(): Promise<void>;
}

// The Runtime interface: how the harness brings a cluster up, reaches its nodes, hurts them and tears them
// down. Two implementations: docker (dockerode, real containers, iptables, cgroup freezer, libfaketime) and
// local (child processes on loopback, a fault-injecting TCP relay, signals). The nemesis and `faultline run`
// only ever talk to this interface.

export interface NodeOptions {
  /** Planted bugs to enable on every node (`--bug NAME` on the node). */
  bugs?: string[];
  /** Raft timing, in milliseconds. */
  electionMs?: number;
  heartbeatMs?: number;
  /** Extra node flags / environment (targets other than the reference cluster use these). */
  extraArgs?: string[];
  env?: Record<string, string>;
}

export interface ClusterSpec {
  /** Unique id of this run: labels every container, network, volume and rule (docker), names temp dirs (local). */
  runId: string;
  nodes: number;
  node: NodeOptions;
  /** Where node logs are streamed: <logDir>/<node>/node.log. */
  logDir: string;
}

export interface NodeHandle {
  /** n1, n2, ... */
  name: string;
  /** Base URL of the node's client API as reachable from the harness, e.g. http://10.213.0.11:8000. */
  url: string;
  /** Raft peer address as other nodes dial it (host:port). */
  peerAddr: string;
}

/** A grudge: for each node, the nodes it must not hear from (Jepsen's representation of a partition). */
export type Grudge = Record<string, string[]>;

export interface PartitionOptions {
  /** DROP (packets vanish: connections hang) or REJECT with tcp-reset (fails fast). Default drop. */
  mode?: 'drop' | 'reject';
}

export interface Runtime {
  readonly kind: 'docker' | 'local';
  /** Build/prepare what is needed (image, binaries), create and start the cluster, wait until every node answers /status. */
  up(spec: ClusterSpec): Promise<NodeHandle[]>;
  nodes(): NodeHandle[];
  /** Wait until every (or the named) node answers /status and some node reports a leader. */
  waitHealthy(timeoutMs: number, names?: string[]): Promise<void>;

  /** SIGKILL the node's process; its data stays. */
  kill(name: string): Promise<void>;
  /** Start a killed node again; faults still active (partitions, loss, clock) are re-applied. */
  start(name: string): Promise<void>;
  /** Freeze / thaw the node (cgroup freezer or SIGSTOP/SIGCONT). */
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;

  /** Replace the current partition with this grudge (an empty grudge heals). */
  partition(grudge: Grudge, opts?: PartitionOptions): Promise<void>;
  heal(): Promise<void>;
  /** Random loss of incoming packets from peers on these nodes with probability p (0 < p < 1); p = 0 removes it. */
  loss(names: string[], p: number): Promise<void>;

  /** Offset the node's wall clock by `deltaMs` relative to true time (libfaketime). Throws a clear error when unsupported. */
  clockSet(name: string, offsetMs: number): Promise<void>;
  clockReset(names?: string[]): Promise<void>;
  clockSupported(): Promise<boolean>;

  /** Undo every fault (partitions, loss, clocks, pauses; restarts killed nodes). */
  healAll(): Promise<void>;
  /** Stop and remove everything this runtime created (idempotent, safe to call from signal handlers). */
  down(): Promise<void>;
}

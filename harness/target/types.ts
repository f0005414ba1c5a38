// The Target interface: what is tested. Jepsen splits this into the DB protocol (install, start, stop a node;
// where its logs are) and the Client protocol (open a connection, invoke an operation, record what happened);
// a Target holds both, plus what the harness needs to aim faults (which node leads) and which workloads and
// fault kinds make sense for the system. Runtimes never see a Target: they receive the ClusterSpec it builds
// (argv, env, ports, data directory, health check) and host processes from that alone.
//
// A user's own system is an ESM module whose default export (or `target` export) is `defineTarget({...})`.
import type { Client } from '../../workloads/types.js';
import type { WorkloadOptions } from '../../workloads/types.js';

export type RuntimeKind = 'docker' | 'local' | 'ssh';

/** A port every node listens on. `client` ports carry the harness's requests (never faulted); `peer` ports
 *  carry node-to-node traffic (partitions, loss and latency act on these). */
export interface PortDecl {
  name: string;
  kind: 'client' | 'peer';
  /** The port inside a container (docker); the local runtime picks free loopback ports instead. */
  container: number;
}

/** Where things are, as the runtime lays the cluster out. Handed to Target.node() for each node. */
export interface Addressing {
  runtime: RuntimeKind;
  /** Every node's name, n1..nN, in order. */
  names: string[];
  /** The address node processes should bind (0.0.0.0 in a container, 127.0.0.1 on loopback). */
  listenHost: string;
  /** The port node `name` binds for port `port`. */
  port(name: string, port: string): number;
  /** host:port at which OTHER nodes reach node `to`'s `port` (through the fault relay on the local runtime). */
  peerAddr(to: string, port: string): string;
  /** host:port at which the harness reaches node `name`'s `port` (never faulted). */
  clientAddr(name: string, port: string): string;
  /** The node's persistent data directory (survives kill and restart; a volume on docker). */
  dataDir(name: string): string;
}

/** How to run node `name`: on docker the command is the container's Cmd (after the image's entrypoint); on the
 *  local runtime command[0] is the executable. */
export interface NodeProcessSpec {
  command: string[];
  env?: Record<string, string>;
}

/** Builds images on a docker engine from the locally made base (node binary, its libraries, libfaketime). */
export interface ImageBuilder {
  /**
   * Builds (or reuses) `faultline-<name>:<content hash>` from a Dockerfile whose first lines are
   * `ARG BASE` / `FROM ${BASE}`. `files` maps a path inside the build context to a host path (file or folder);
   * everything listed is hashed, so an unchanged tree never rebuilds.
   */
  build(o: {
    name: string;
    dockerfile: string;
    files: Record<string, string>;
    labels?: Record<string, string>;
  }): Promise<string>;
  /** Whether the base carries libfaketime (clock faults possible for programs it reaches). */
  readonly faketime: boolean;
  log(msg: string): void;
}

/** Puts what a program needs on the ssh runtime's hosts (the counterpart of ImageBuilder). */
export interface HostInstaller {
  /** The absolute path of `command` when it is on PATH on every host; undefined when any host lacks it. */
  which(command: string): Promise<string | undefined>;
  /**
   * Sends these controller files and folders (path inside the bundle → controller path) to every host, once per
   * content (hosts keep recent bundles); resolves to the bundle's folder, the same absolute path on every host.
   */
  upload(name: string, files: Record<string, string>): Promise<string>;
  log(msg: string): void;
}

/** What a runtime needs to host one cluster: no knowledge of what the program is. */
export interface ClusterSpec {
  /** Unique id of this run: labels every container, network and volume (docker), names temp dirs (local). */
  runId: string;
  nodes: number;
  /** Where node logs are streamed: <logDir>/<node>/node.log. */
  logDir: string;
  ports: PortDecl[];
  /** Node `name`'s process. */
  node(name: string, addr: Addressing): NodeProcessSpec;
  /** docker only: the image to run (built with the runtime's builder). */
  image?(b: ImageBuilder): Promise<string>;
  /** ssh only: put the program on the hosts before any node starts (node() may then name what it uploaded). */
  install?(h: HostInstaller): Promise<void>;
  /** undefined when the named nodes (all when omitted) are healthy, otherwise why not (for the timeout message). */
  health(nodes: NodeHandle[], names?: string[]): Promise<string | undefined>;
  /** Environment variables a clock fault relies on (libfaketime) reach the program: false for Go programs. */
  clockFaults: boolean;
}

export interface NodeHandle {
  /** n1, n2, ... */
  name: string;
  /** host:port the harness uses for each declared port (client ports are never faulted). */
  addrs: Record<string, string>;
  /** `http://` + the address of the first client port: the usual base URL of an HTTP API. */
  url: string;
}

/** One declared target option (`--target-opt NAME=VALUE`). */
export interface TargetOption {
  describe: string;
  default?: string;
  /** Allowed values; omitted: free text. */
  choices?: string[];
}

export type TargetOptions = Record<string, string>;

/** Everything a client adapter gets: the nodes, which one to prefer, the workload's options and the target's. */
export interface ClientContext extends WorkloadOptions {
  nodes: NodeHandle[];
  /** Index of the node this client starts at (clients spread over nodes). */
  prefer: number;
  /** The logical process id (a fresh one replaces a process whose op ended `info`). */
  process: number;
  options: TargetOptions;
}

export type ClientFactory = (c: ClientContext) => Client;

/** Fault kinds a target may refuse, with the reason shown to the user. */
export type FaultRefusals = Partial<Record<string, string>>;

/** A membership change the `membership` nemesis asks for: take `node` out of the voters, or put it back. */
export type MembershipOp = 'remove' | 'add';

/**
 * How the harness asks for a change. `via`: a directed change (membership:split-minority): ask exactly the node
 * `via`, once, not whichever node leads. The hook sends the request to `via` only (no following a not-leader
 * answer, no retry past `deadlineMs`) and resolves with what `via` answered (e.g. `answered: 200 | 409 | 503 |
 * 'none'`) instead of rejecting: the point is to ask a leader that may be stuck in a minority, and a refusal is
 * the correct answer there.
 */
export interface MembershipHow {
  via?: string;
  /** The directed request's deadline, ms (the hook's own default when omitted). */
  deadlineMs?: number;
  /**
   * The run's secret (TargetContext.secret), always given by the harness: for a target whose admin requests
   * need a credential (the reference target derives its nodes' admin token from it). Never recorded.
   */
  secret?: string;
}

export interface TargetContext {
  runId: string;
  nodes: number;
  logDir: string;
  options: TargetOptions;
  /** A per-run secret (hex) for targets whose nodes authenticate each other. */
  secret: string;
}

export interface Target {
  name: string;
  describe: string;
  options?: Record<string, TargetOption>;
  /** Extra validation of option values (one-line error thrown); called before anything starts. */
  validate?(options: TargetOptions): void;
  /** The cluster the runtime hosts. */
  cluster(ctx: TargetContext): Omit<ClusterSpec, 'runId' | 'nodes' | 'logDir'>;
  /** Workload name → client adapter. A workload a target does not list is refused before the run. */
  clients: Record<string, ClientFactory>;
  /** Fault kinds this target cannot take, with the reason (e.g. clock for Go programs). */
  refuses?(options: TargetOptions): FaultRefusals;
  /** Optional: the node that leads (for targeted faults); per key or shard where the system is sharded. */
  leader?(nodes: NodeHandle[], key?: string, options?: TargetOptions): Promise<string | undefined>;
  /**
   * Optional: change the cluster's membership (the `membership` nemesis). Takes `node` out of the voting
   * members (`remove`) or puts it back (`add`) wherever it belongs, going through whichever nodes can make the
   * change (the leader, not `node`: a node that is down or cut off may still be removed). Resolves, with what
   * changed (recorded in the history), once the change is in effect; adding a member that already is one, or
   * removing one that is not, is no change and no error. Rejects with a one-line Error when the change could
   * not be made by the hook's own deadline. A target without this hook refuses the `membership` kind.
   * `how.via` (optional, for membership:split-minority): send the change to that node only and resolve with
   * what it answered, never rejecting for a refusal or a timeout (see MembershipHow). A hook that ignores `how`
   * still works with every shape but split-minority, which then asks the leader the usual way.
   */
  membership?(
    nodes: NodeHandle[],
    op: MembershipOp,
    node: string,
    options: TargetOptions,
    how?: MembershipHow,
  ): Promise<Record<string, unknown>>;
  /** Optional: what to record in test.json about the program (its version). */
  version?(options: TargetOptions): string | undefined;
}

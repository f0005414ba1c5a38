// The Target interface: what is tested. Jepsen splits this into the DB protocol (install, start, stop a node;
// where its logs are) and the Client protocol (open a connection, invoke an operation, record what happened);
// a Target holds both, plus what the harness needs to aim faults (which node leads) and which workloads and
// fault kinds make sense for the system. Runtimes never see a Target: they receive the ClusterSpec it builds
// (argv, env, ports, data directory, health check; the runtime's own contract, harness/runtime/spec.ts,
// re-exported here so that a target module imports its whole contract from one place) and host processes from
// that alone.
//
// A user's own system is an ESM module whose default export (or `target` export) is `defineTarget({...})`.
import type { Client } from '../../workloads/types.js';
import type { WorkloadOptions } from '../../workloads/types.js';

export type * from '../runtime/spec.js';
import type { ClusterSpec, NodeHandle } from '../runtime/spec.js';

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
  /** The cluster the runtime hosts (built within 30 s when it is async; checked, docs/targets.md). */
  cluster(
    ctx: TargetContext,
  ): Omit<ClusterSpec, 'runId' | 'nodes' | 'logDir'> | Promise<Omit<ClusterSpec, 'runId' | 'nodes' | 'logDir'>>;
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

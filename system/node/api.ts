// The node's HTTP/JSON client API: the contract between system/node (server), workloads/*/client (harness)
// and the runtimes' health checks. One client port per node; Raft peer traffic uses a separate peer port so
// that the local runtime's fault relay can sit on node-to-node links only.
//
//   GET  /status                      → 200 NodeStatus
// Limits (system/kv/json.ts): a body over 1 MiB, or a value/from/to nested deeper than 64 arrays/objects, is
// answered 400 before anything is proposed.
//
//   POST /kv   KvRequest              → 200 KvOk | 200 KvCasMismatch | 200 KvFenced | 421 NotLeader
//                                       | 503 Unavailable | 400 BadRequest
//   POST /lock LockRequest            → 200 LockGranted | 200 LockHeld | 200 LockNotHolder | 421 NotLeader | 503 | 400
//   POST /admin/membership MembershipRequest → 200 MembershipOk | 409 MembershipRefused | 421 NotLeader | 503 | 400
//
// Requests are routed by shard: shardOf(key or lock name, S). A node that holds no replica of the shard, or
// holds one but is not its leader, answers 421 with the shard, its replicas' URLs and the leader if it knows it.
//
// A 421 not-leader or 400 answer is definite: the operation was not applied (the client records `fail` or
// follows the hint). A 503 or a lost connection is indefinite (the client records `info` for a write).

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A read with a fence goes through the log so that the token is registered in log order (fenced-counter). */
export interface KvRead {
  op: 'read';
  key: string;
  fence?: Fence;
}
export interface KvWrite {
  op: 'write';
  key: string;
  value: Json;
  client?: string;
  seq?: number;
  fence?: Fence;
}
export interface KvCas {
  op: 'cas';
  key: string;
  from: Json;
  to: Json;
  client?: string;
  seq?: number;
  fence?: Fence;
}
/**
 * Optional fencing token (the lock issue): the store rejects a write whose token is lower than the
 * highest seen for `lock`.
 */
export interface Fence {
  lock: string;
  token: number;
}
export type KvRequest = KvRead | KvWrite | KvCas;

export interface KvOk {
  ok: true;
  value?: Json;
  index?: number;
}
export interface KvCasMismatch {
  ok: false;
  error: 'cas-mismatch';
  value: Json;
}
export interface KvFenced {
  ok: false;
  error: 'fenced';
  highest: number;
}
/**
 * Not this node's to answer: `shard` = shardOf(key or name, S), `shards` = S, `replicas` = client URLs of the shard's
 * replicas (try them when `leaderUrl` is null). leader/leaderUrl are null when this node holds no replica of the
 * shard or does not know its leader.
 */
export interface NotLeader {
  ok: false;
  error: 'not-leader';
  leader: string | null;
  leaderUrl: string | null;
  shard?: number;
  shards?: number;
  replicas?: string[];
}

/**
 * Locks, routed by shardOf(name, S) like /kv and proposed through that shard's Raft log (no lock answer comes
 * from a follower or from local state). A grant's token is the Raft index of the grant entry: unique and
 * increasing per shard (a fencing token). ttlMs: the lease, ended only by an "expire" entry the leader proposes.
 *   acquire: LockGranted when free (or already held by this owner: the same token, so a retry is harmless),
 *            else LockHeld naming the holder and its token.
 *   release: LockGranted (echoing the token) when owner and token match the current grant, else LockNotHolder.
 *   renew:   like release, restarting the lease with the new ttlMs.
 * 400 unless name and owner are non-empty strings, ttlMs (acquire, renew) a positive integer, token (release,
 * renew) an integer. 421/503 as for /kv: a 503 acquire may still have been granted.
 */
export type LockRequest =
  | { op: 'acquire'; name: string; owner: string; ttlMs: number }
  | { op: 'release'; name: string; owner: string; token: number }
  | { op: 'renew'; name: string; owner: string; token: number; ttlMs: number };
export interface LockGranted {
  ok: true;
  token: number;
  holder: string;
}
export interface LockHeld {
  ok: false;
  error: 'held';
  holder: string;
  token: number;
}
export interface LockNotHolder {
  ok: false;
  error: 'not-holder';
}
export interface Unavailable {
  ok: false;
  error: 'timeout' | 'unavailable';
  message?: string;
}
export interface BadRequest {
  ok: false;
  error: 'bad-request';
  message: string;
}
/**
 * A command that reached the log but cannot apply (the same answer on every replica; nothing changed). The API
 * answers it as 400 bad-request; the shard machine's apply returns it instead of throwing.
 */
export interface InvalidCommand {
  ok: false;
  error: 'invalid-command';
  message: string;
}
export type KvResponse = KvOk | KvCasMismatch | KvFenced | NotLeader | Unavailable | BadRequest;

export interface GroupStatus {
  group: string;
  role: 'follower' | 'pre-candidate' | 'candidate' | 'leader';
  term: number;
  leader: string | null;
  commit: number;
  applied: number;
  lastIndex: number;
  snapshotIndex: number;
  peers: string[];
  /** Idle and quiesced: no ticks or heartbeats until something happens (docs/node.md, Multi-Raft). */
  quiesced?: boolean;
  /** The voters: the latest configuration in this replica's log, committed or not (docs/node.md, Membership). */
  members?: string[];
  /** This node is one of `members`. */
  member?: boolean;
  /** A configuration entry in this replica's log is not yet committed. */
  confPending?: boolean;
}

/** POST /admin/membership: add or remove one voter of one shard's group; send it to that shard's leader. */
export interface MembershipRequest {
  op: 'add' | 'remove';
  node: string;
  shard: number;
}
/** 200: the configuration entry is committed (or, changed: false, the latest configuration already was so). */
export interface MembershipOk {
  ok: true;
  shard: number;
  members: string[];
  changed: boolean;
}
/** 409: retry later (change-pending) or never (too-few-members: the removal would leave fewer than 2 voters). */
export interface MembershipRefused {
  ok: false;
  error: 'change-pending' | 'too-few-members';
  shard: number;
  message: string;
}

export interface NodeStatus {
  id: string;
  /** S and R of the cluster, and shard → replica ids. */
  shards?: number;
  replication?: number;
  placement?: string[][];
  /** Every hosted group knows a leader. */
  ready?: boolean;
  /** The node's wall clock (Date.now()), so the clock nemesis can be observed from outside. */
  time: number;
  /** Process uptime in ms, so a restart can be observed. */
  uptimeMs: number;
  pid: number;
  bugs: string[];
  /** One entry per hosted shard replica (group id = shard number). */
  groups: GroupStatus[];
  /** The shared write-ahead log's syncs and checkpoint rolls, and leadership transfers this node started. */
  wal?: { syncs: number; rolls: number };
  /** Ready passes that had work, and peer frames sent and received (batching: compare them with the writes). */
  io?: { passes: number; framesOut: number; framesIn: number };
  transfers?: number;
  /** Shorthands for the first group, for humans and simple health checks. */
  role: GroupStatus['role'];
  term: number;
  leader: string | null;
  commit: number;
  applied: number;
}

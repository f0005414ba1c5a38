// The node's HTTP/JSON client API: the contract between system/node (server), workloads/*/client (harness)
// and the runtimes' health checks. One client port per node; Raft peer traffic uses a separate peer port so
// that the local runtime's fault relay can sit on node-to-node links only.
//
//   GET  /status                      → 200 NodeStatus
//   POST /kv   KvRequest              → 200 KvOk | 200 KvCasMismatch | 421 NotLeader | 503 Unavailable | 400 BadRequest
//
// A 421 not-leader or 400 answer is definite: the operation was not applied (the client records `fail` or
// follows the hint). A 503 or a lost connection is indefinite (the client records `info` for a write).

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface KvRead { op: 'read'; key: string }
export interface KvWrite { op: 'write'; key: string; value: Json; client?: string; seq?: number; fence?: Fence }
export interface KvCas { op: 'cas'; key: string; from: Json; to: Json; client?: string; seq?: number; fence?: Fence }
/** Optional fencing token (the lock issue): the store rejects a write whose token is lower than the highest seen for `lock`. */
export interface Fence { lock: string; token: number }
export type KvRequest = KvRead | KvWrite | KvCas;

export interface KvOk { ok: true; value?: Json; index?: number }
export interface KvCasMismatch { ok: false; error: 'cas-mismatch'; value: Json }
export interface KvFenced { ok: false; error: 'fenced'; highest: number }
export interface NotLeader { ok: false; error: 'not-leader'; leader: string | null; leaderUrl: string | null }
export interface Unavailable { ok: false; error: 'timeout' | 'unavailable'; message?: string }
export interface BadRequest { ok: false; error: 'bad-request'; message: string }
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
}

export interface NodeStatus {
  id: string;
  /** The node's wall clock (Date.now()), so the clock nemesis can be observed from outside. */
  time: number;
  /** Process uptime in ms, so a restart can be observed. */
  uptimeMs: number;
  pid: number;
  bugs: string[];
  /** Group "0" for the single-group cluster; one entry per hosted shard replica later. */
  groups: GroupStatus[];
  /** Shorthands for the first group, for humans and simple health checks. */
  role: GroupStatus['role'];
  term: number;
  leader: string | null;
  commit: number;
  applied: number;
}

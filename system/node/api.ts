// The node's HTTP/JSON client API, declared once: the contract between the server (system/node/server.ts), the
// harness's clients of the reference target (targets/reference) and the runtimes' health checks. Each endpoint
// below names its method, path, request shape and answers by status code (system/node/schema.ts); the types
// everyone compiles against are inferred from these declarations, the server can only send a declared answer
// (server.ts `send`), and the API table in docs/node.md is generated from them (`npm run docs:node`; a unit
// test fails when the table and these declarations differ).
//
// One client port per node; Raft peer traffic uses a separate peer port so that the local runtime's fault relay
// can sit on node-to-node links only. Requests are routed by shard: shardOf(key, lock name, or a transaction's
// first key, S). A node that holds no replica of the shard, or holds one but is not its leader, answers 421
// with the shard, its replicas' URLs and the leader if it knows it.
//
// A 421 not-leader, 400 or 409 answer is definite: nothing was applied (the client records `fail` or follows the
// hint). A 503 or a lost connection is indefinite (the client records `info` for a write or a transaction).
// Limits (system/kv/json.ts): a body over 1 MiB, or a value nested deeper than 64 arrays/objects, is answered
// 400 before anything is proposed.
import {
  array,
  boolean,
  integer,
  json,
  literal,
  named,
  nul,
  number,
  object,
  optional,
  string,
  tuple,
  union,
  type Endpoint,
  type Infer,
} from './schema.js';

export type { Json } from './schema.js';

// ---- shared answers ----

export const NotLeaderS = named(
  'NotLeader',
  "not this node's to answer: `shard` = shardOf(key, S), `shards` = S, `replicas` = client URLs of the shard's " +
    'replicas (try them when `leaderUrl` is null); `leader`/`leaderUrl` are null when this node holds no replica ' +
    'of the shard or does not know its leader. Nothing was done.',
  object({
    ok: literal(false),
    error: literal('not-leader'),
    leader: union(string(), nul()),
    leaderUrl: union(string(), nul()),
    shard: optional(integer()),
    shards: optional(integer()),
    replicas: optional(array(string())),
  }),
);
export const UnavailableS = named(
  'Unavailable',
  'no outcome within the request timeout, or an internal error: the outcome is unknown',
  object({ ok: literal(false), error: union(literal('timeout'), literal('unavailable')), message: optional(string()) }),
);
export const BadRequestS = named(
  'BadRequest',
  'the body is not valid (or, for a command the state machine refuses, invalid-command): nothing was done',
  object({ ok: literal(false), error: literal('bad-request'), message: string() }),
);
/** A command that reached the log but cannot apply (the same on every replica; nothing changed): answered 400. */
export const InvalidCommandS = object({ ok: literal(false), error: literal('invalid-command'), message: string() });

// ---- /kv ----

/** Optional fencing token (the lock issue): the store rejects a write whose token is lower than the highest seen. */
export const FenceS = named(
  'Fence',
  'a fencing token for the lock `lock`',
  object({ lock: string(), token: integer() }),
);
export const KvRequestS = named(
  'KvRequest',
  'a read (with a fence it goes through the log, so the token is registered in log order), write or cas; ' +
    '`client` + `seq` make a retried write apply once',
  union(
    object({ op: literal('read'), key: string(), fence: optional(FenceS) }),
    object({
      op: literal('write'),
      key: string(),
      value: json(),
      client: optional(string()),
      seq: optional(integer()),
      fence: optional(FenceS),
    }),
    object({
      op: literal('cas'),
      key: string(),
      from: json(),
      to: json(),
      client: optional(string()),
      seq: optional(integer()),
      fence: optional(FenceS),
    }),
  ),
);
export const KvOkS = named(
  'KvOk',
  'done; a read carries the value (null: absent)',
  object({ ok: literal(true), value: optional(json()), index: optional(integer()) }),
);
export const KvCasMismatchS = named(
  'KvCasMismatch',
  'the current value differs from `from`: nothing written',
  object({ ok: literal(false), error: literal('cas-mismatch'), value: json() }),
);
export const KvFencedS = named(
  'KvFenced',
  'a higher token was seen for the fence lock: refused',
  object({ ok: literal(false), error: literal('fenced'), highest: integer() }),
);

// ---- /lock ----

export const LockRequestS = named(
  'LockRequest',
  'acquire (a lease of ttlMs), release or renew (by owner and token)',
  union(
    object({ op: literal('acquire'), name: string(), owner: string(), ttlMs: integer() }),
    object({ op: literal('release'), name: string(), owner: string(), token: integer() }),
    object({ op: literal('renew'), name: string(), owner: string(), token: integer(), ttlMs: integer() }),
  ),
);
export const LockGrantedS = named(
  'LockGranted',
  'granted (token = the Raft index of the grant entry, a fencing token), released or renewed',
  object({ ok: literal(true), token: integer(), holder: string() }),
);
export const LockHeldS = named(
  'LockHeld',
  'another owner holds it',
  object({ ok: literal(false), error: literal('held'), holder: string(), token: integer() }),
);
export const LockNotHolderS = named(
  'LockNotHolder',
  'owner and token do not match the current grant',
  object({ ok: literal(false), error: literal('not-holder') }),
);

// ---- /txn ----

export const TxnKeyS = named(
  'TxnKey',
  'a non-empty string or a safe integer (7 and "7" are the same key)',
  union(string(), integer()),
);
export const MicroOpS = named(
  'MicroOp',
  'Jepsen\'s micro-op: ["r", k, null] reads k (its list, its register value, or null), ["append", k, v] appends v ' +
    'to the list k, ["w", k, v] sets the register k; in an answer, reads are filled in',
  union(
    tuple(literal('r'), TxnKeyS, json()),
    tuple(literal('append'), TxnKeyS, json()),
    tuple(literal('w'), TxnKeyS, json()),
  ),
);
export const TxnRequestS = named(
  'TxnRequest',
  '1 to 256 micro-ops, done atomically and strict serializably; send it to the leader of the first key’s shard',
  object({ ops: array(MicroOpS) }),
);
export const TxnCommittedS = named(
  'TxnCommitted',
  'committed: the micro-ops with the reads filled in, the transaction id and the shards it spanned',
  object({ ok: literal(true), ops: array(MicroOpS), id: string(), shards: array(integer()) }),
);
export const TxnAbortReasonS = union(
  literal('conflict'),
  literal('wrong-type'),
  literal('limit'),
  literal('busy'),
  literal('timeout'),
  literal('recovered'),
);
export const TxnAbortedS = named(
  'TxnAborted',
  'aborted, nothing applied: `conflict` (a lock held by another transaction; no-wait, retry), `wrong-type` (append ' +
    'to a register or write to a list; `key` names it), `limit` (a list of 10,000), `busy` (too many in flight), ' +
    '`timeout` (a shard did not vote in time), `recovered` (recovery aborted it first)',
  object({
    ok: literal(false),
    error: literal('aborted'),
    reason: TxnAbortReasonS,
    key: optional(string()),
    message: string(),
    id: string(),
    shards: array(integer()),
  }),
);

// ---- /admin/membership ----
export const AdminUnauthorizedS = named(
  'AdminUnauthorized',
  'no `Authorization: Bearer <admin token>`, or the wrong one (system/node/admin-auth.ts): nothing was done',
  object({ ok: literal(false), error: literal('unauthorized'), message: string() }),
);
export const AdminForbiddenS = named(
  'AdminForbidden',
  'a node started without an admin token takes admin requests from loopback only: nothing was done',
  object({ ok: literal(false), error: literal('forbidden'), message: string() }),
);

export const MembershipRequestS = named(
  'MembershipRequest',
  'add or remove one voter of one shard’s group (a placement replica of it)',
  object({ op: union(literal('add'), literal('remove')), node: string(), shard: integer() }),
);
export const MembershipOkS = named(
  'MembershipOk',
  'the configuration entry is committed (or, changed: false, the latest configuration already was so)',
  object({ ok: literal(true), shard: integer(), members: array(string()), changed: boolean() }),
);
export const MembershipRefusedS = named(
  'MembershipRefused',
  'retry later (change-pending) or never (too-few-members: the removal would leave fewer than 2 voters)',
  object({
    ok: literal(false),
    error: union(literal('change-pending'), literal('too-few-members')),
    shard: integer(),
    message: string(),
  }),
);

// ---- /status ----

const RoleS = union(literal('follower'), literal('pre-candidate'), literal('candidate'), literal('leader'));
export const GroupStatusS = named(
  'GroupStatus',
  'one hosted shard replica: `members` the voters (latest configuration in this replica’s log), `member` this ' +
    'node is one, `confPending` a configuration entry is uncommitted, `quiesced` idle with no ticks; `txn`: ' +
    'transactions prepared here, undecided or unforgotten records, locked keys',
  object({
    group: string(),
    role: RoleS,
    term: integer(),
    leader: union(string(), nul()),
    commit: integer(),
    applied: integer(),
    lastIndex: integer(),
    snapshotIndex: integer(),
    peers: array(string()),
    quiesced: optional(boolean()),
    members: optional(array(string())),
    member: optional(boolean()),
    confPending: optional(boolean()),
    txn: optional(object({ prepared: integer(), records: integer(), locks: integer() })),
  }),
);
export const NodeStatusS = named(
  'NodeStatus',
  'the node: wall-clock `time` (for the clock nemesis), `uptimeMs` (a restart shows), S, R and `placement` ' +
    '(shard → replica ids), `ready` (every hosted group it votes in knows a leader), WAL and peer-frame counters, ' +
    '`txn` (transactions it coordinates now, decided ones it is finishing, outcomes since start), and shorthands ' +
    'of the first group',
  object({
    id: string(),
    shards: optional(integer()),
    replication: optional(integer()),
    placement: optional(array(array(string()))),
    ready: optional(boolean()),
    time: number(),
    uptimeMs: number(),
    pid: integer(),
    bugs: array(string()),
    groups: array(GroupStatusS),
    wal: optional(object({ syncs: integer(), rolls: integer() })),
    io: optional(object({ passes: integer(), framesOut: integer(), framesIn: integer() })),
    transfers: optional(integer()),
    txn: optional(
      object({
        inFlight: integer(),
        finishing: integer(),
        committed: integer(),
        aborted: integer(),
        unknown: integer(),
        recoveries: integer(),
      }),
    ),
    role: RoleS,
    term: integer(),
    leader: union(string(), nul()),
    commit: integer(),
    applied: integer(),
  }),
);

// ---- the endpoints ----

const endpoint = <const E extends Endpoint>(e: E): E => e;

export const API = {
  status: endpoint({
    method: 'GET',
    path: '/status',
    summary: 'this node and every shard replica it hosts',
    responses: { 200: NodeStatusS },
  }),
  kv: endpoint({
    method: 'POST',
    path: '/kv',
    summary: 'one key: linearizable read (ReadIndex), write, cas; routed by shardOf(key)',
    request: KvRequestS,
    responses: {
      200: union(KvOkS, KvCasMismatchS, KvFencedS),
      400: BadRequestS,
      421: NotLeaderS,
      503: UnavailableS,
    },
  }),
  lock: endpoint({
    method: 'POST',
    path: '/lock',
    summary: 'a lease lock with fencing tokens; routed by shardOf(name); a 503 acquire may still be granted',
    request: LockRequestS,
    responses: {
      200: union(LockGrantedS, LockHeldS, LockNotHolderS),
      400: BadRequestS,
      421: NotLeaderS,
      503: UnavailableS,
    },
  }),
  txn: endpoint({
    method: 'POST',
    path: '/txn',
    summary:
      'a transaction over any keys (docs/txn.md): two-phase commit across shards, one entry within one; ' +
      'routed by shardOf(first key)',
    request: TxnRequestS,
    responses: { 200: TxnCommittedS, 400: BadRequestS, 409: TxnAbortedS, 421: NotLeaderS, 503: UnavailableS },
  }),
  membership: endpoint({
    method: 'POST',
    path: '/admin/membership',
    summary: 'one single-server change of a shard’s voters (diss. §4.1); send it to that shard’s leader',
    request: MembershipRequestS,
    responses: {
      200: MembershipOkS,
      400: BadRequestS,
      401: AdminUnauthorizedS,
      403: AdminForbiddenS,
      409: MembershipRefusedS,
      421: NotLeaderS,
      503: UnavailableS,
    },
  }),
} as const;

// ---- the types, inferred from the declarations ----

export type Fence = Infer<typeof FenceS>;
export type KvRequest = Infer<typeof KvRequestS>;
export type KvRead = Extract<KvRequest, { op: 'read' }>;
export type KvWrite = Extract<KvRequest, { op: 'write' }>;
export type KvCas = Extract<KvRequest, { op: 'cas' }>;
export type KvOk = Infer<typeof KvOkS>;
export type KvCasMismatch = Infer<typeof KvCasMismatchS>;
export type KvFenced = Infer<typeof KvFencedS>;
export type NotLeader = Infer<typeof NotLeaderS>;
export type LockRequest = Infer<typeof LockRequestS>;
export type LockGranted = Infer<typeof LockGrantedS>;
export type LockHeld = Infer<typeof LockHeldS>;
export type LockNotHolder = Infer<typeof LockNotHolderS>;
export type Unavailable = Infer<typeof UnavailableS>;
export type BadRequest = Infer<typeof BadRequestS>;
export type InvalidCommand = Infer<typeof InvalidCommandS>;
export type MicroOp = Infer<typeof MicroOpS>;
export type TxnRequest = Infer<typeof TxnRequestS>;
export type TxnCommitted = Infer<typeof TxnCommittedS>;
export type TxnAborted = Infer<typeof TxnAbortedS>;
export type MembershipRequest = Infer<typeof MembershipRequestS>;
export type MembershipOk = Infer<typeof MembershipOkS>;
export type MembershipRefused = Infer<typeof MembershipRefusedS>;
export type GroupStatus = Infer<typeof GroupStatusS>;
export type NodeStatus = Infer<typeof NodeStatusS>;

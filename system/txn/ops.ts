// Transactions as clients send them and as the log carries them (docs/txn.md). A transaction is one request: a
// list of micro-ops in Jepsen's shape (Elle, Kingsbury & Alvaro, VLDB 2020), so a client maps its history's
// `value` to the request and the answer back without translation:
//   ["r", k, null]       read k: its list, its register value, or null when k holds nothing
//   ["append", k, v]     append v to the list k (list-append)
//   ["w", k, v]          set the register k to v (rw-register)
// A key is a non-empty string or a safe integer; the integer 7 and the string "7" name the same key, because
// keys are strings inside the cluster (shard = hash(key) mod S, system/shard/placement.ts).
import { MAX_VALUE_DEPTH, deeperThan, isJson } from '../kv/json.js';
import type { Json, MicroOp } from '../node/api.js';

export type TxnFn = MicroOp[0];
export type TxnKey = MicroOp[1];
/** A micro-op as the client sends it and gets it back (reads filled in): the API's declaration. */
export type ClientOp = MicroOp;
/** A micro-op in the log: its position in the client's list (so reads map back), function, key, value. */
export type LogOp = [i: number, f: TxnFn, key: string, value: Json];

/** Most micro-ops in one transaction (Jepsen's default is 1 to 4; a request is at most 1 MiB anyway). */
export const MAX_TXN_OPS = 256;
/** Longest list a key may hold: an append beyond it aborts the transaction (reason "limit"). */
export const MAX_LIST_LENGTH = 10_000;

const FNS: readonly string[] = ['r', 'append', 'w'];

/** The cluster's name for a client key. */
export function keyOf(k: TxnKey): string {
  return typeof k === 'number' ? String(k) : k;
}

/**
 * The key whose shard holds the transaction's record and coordinates it: the first micro-op's key (the client
 * sends the request to that shard's leader; any other node answers 421 with a hint, as for /kv).
 */
export function anchorKey(ops: readonly ClientOp[]): string {
  return keyOf(ops[0][1]);
}

function validKey(k: unknown): boolean {
  return (typeof k === 'string' && k !== '') || (typeof k === 'number' && Number.isSafeInteger(k));
}

/** Why `op` is not a micro-op (undefined when it is). An element of a list nests one deeper than itself. */
function opError(op: unknown, at: string): string | undefined {
  if (!Array.isArray(op) || op.length !== 3) return `${at} must be [f, key, value]`;
  const [f, k, v] = op as unknown[];
  if (typeof f !== 'string' || !FNS.includes(f)) return `${at}: f must be "r", "append" or "w"`;
  if (!validKey(k)) return `${at}: key must be a non-empty string or a safe integer`;
  if (f === 'r') return v === null ? undefined : `${at}: a read's value must be null`;
  if (!isJson(v)) return `${at}: value must be a JSON value`;
  if (deeperThan(v, MAX_VALUE_DEPTH - 1)) return `${at}: value nests deeper than ${MAX_VALUE_DEPTH - 1} levels`;
  return undefined;
}

/** Checks a POST /txn body; returns a one-line reason or undefined. */
export function validateTxnRequest(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'body must be a JSON object {"ops": [...]}';
  const ops = (body as { ops?: unknown }).ops;
  if (!Array.isArray(ops) || ops.length === 0) return 'ops must be a non-empty array of micro-ops';
  if (ops.length > MAX_TXN_OPS) return `ops holds ${ops.length} micro-ops; at most ${MAX_TXN_OPS}`;
  for (let i = 0; i < ops.length; i++) {
    const bad = opError(ops[i], `ops[${i}]`);
    if (bad) return bad;
  }
  return undefined;
}

/** Checks micro-ops as the log carries them (the same rules, keys already strings, positions in range). */
export function logOpsError(ops: unknown): string | undefined {
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > MAX_TXN_OPS)
    return `ops must hold 1 to ${MAX_TXN_OPS} micro-ops`;
  for (const op of ops) {
    if (!Array.isArray(op) || op.length !== 4) return 'a logged micro-op is [i, f, key, value]';
    const [i, ...rest] = op as unknown[];
    if (!Number.isSafeInteger(i) || (i as number) < 0 || (i as number) >= MAX_TXN_OPS)
      return 'a micro-op position is out of range';
    if (typeof rest[1] !== 'string') return 'a logged key must be a string';
    const bad = opError(rest, `ops[${i}]`);
    if (bad) return bad;
  }
  return undefined;
}

/** The client's micro-ops grouped by shard, each with its position, in the client's order within a shard. */
export function byShard(ops: readonly ClientOp[], shardOf: (key: string) => number): Map<number, LogOp[]> {
  const out = new Map<number, LogOp[]>();
  ops.forEach(([f, k, v], i) => {
    const key = keyOf(k);
    const s = shardOf(key);
    const l = out.get(s) ?? [];
    if (l.length === 0) out.set(s, l);
    l.push([i, f, key, v] as LogOp);
  });
  return out;
}

/** The client's list with the reads filled in from [position, value] pairs. */
export function withReads(ops: readonly ClientOp[], reads: Iterable<readonly [number, Json]>): ClientOp[] {
  const out = ops.map((o) => [...o] as ClientOp);
  for (const [i, v] of reads) if (out[i]?.[0] === 'r') out[i][2] = v;
  return out;
}

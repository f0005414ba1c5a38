// The shape a command must have, checked twice with the same code: at the API, so a bad request gets a 400
// before anything is proposed, and at apply, so an entry that reached the log anyway (an older node's log, a
// replayed entry) gets the same deterministic error result on every replica instead of throwing (issue 14,
// item 1). Nothing here recurses: value depth is measured with an explicit stack (system/kv/json.ts).
import { MAX_VALUE_DEPTH, deeperThan, isJson } from '../kv/json.js';
import { logOpsError } from '../txn/ops.js';

const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v !== '';
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function validFence(f: unknown): boolean {
  return isObject(f) && typeof f.lock === 'string' && Number.isSafeInteger(f.token);
}

function valueError(name: string, v: unknown): string | undefined {
  if (!isJson(v)) return `${name} must be a JSON value`;
  if (deeperThan(v, MAX_VALUE_DEPTH)) return `${name} nests deeper than ${MAX_VALUE_DEPTH} levels`;
  return undefined;
}

/** Checks a /kv body (or a kv command); returns an error message or undefined. */
export function validateKv(r: unknown): string | undefined {
  if (!isObject(r)) return 'body must be a JSON object';
  const q = r;
  if (q.op !== 'read' && q.op !== 'write' && q.op !== 'cas') return 'op must be read, write or cas';
  if (!nonEmpty(q.key)) return 'key must be a non-empty string';
  if (q.op === 'write' && !('value' in q)) return 'write needs a value';
  if (q.op === 'cas' && (!('from' in q) || !('to' in q))) return 'cas needs from and to';
  for (const f of ['value', 'from', 'to'] as const) {
    if (!(f in q) || q.op === 'read') continue;
    const bad = valueError(f, q[f]);
    if (bad) return bad;
  }
  if (q.client !== undefined && typeof q.client !== 'string') return 'client must be a string';
  if (q.seq !== undefined && !Number.isSafeInteger(q.seq)) return 'seq must be an integer';
  if (q.fence !== undefined && !validFence(q.fence)) return 'fence must be {lock, token}';
  return wholeDepth(q);
}

/** Fields nobody reads still travel in the log: the whole object is bounded too (one level for the body). */
function wholeDepth(q: Record<string, unknown>): string | undefined {
  return deeperThan(q, MAX_VALUE_DEPTH + 1) ? `body nests deeper than ${MAX_VALUE_DEPTH} levels` : undefined;
}

const KV_FIELDS = ['op', 'key', 'value', 'from', 'to', 'client', 'seq', 'fence'] as const;
const LOCK_FIELDS = ['op', 'name', 'owner', 'ttlMs', 'token'] as const;

/** Only the fields a command has: anything else a client sent never reaches the log. */
export function commandOf(kind: 'kv' | 'lock', body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { kind };
  for (const f of kind === 'kv' ? KV_FIELDS : LOCK_FIELDS) if (Object.hasOwn(body, f)) out[f] = body[f];
  return out;
}

/** Checks a /lock body. `internal` also admits "expire", which only a shard leader proposes. */
export function validateLock(r: unknown, internal = false): string | undefined {
  if (!isObject(r)) return 'body must be a JSON object';
  const q = r;
  if (internal && q.op === 'expire') {
    if (!nonEmpty(q.name)) return 'name must be a non-empty string';
    return Number.isSafeInteger(q.token) ? wholeDepth(q) : 'token must be an integer';
  }
  if (q.op !== 'acquire' && q.op !== 'release' && q.op !== 'renew') return 'op must be acquire, release or renew';
  if (!nonEmpty(q.name)) return 'name must be a non-empty string';
  if (!nonEmpty(q.owner)) return 'owner must be a non-empty string';
  if ((q.op === 'acquire' || q.op === 'renew') && !(Number.isSafeInteger(q.ttlMs) && (q.ttlMs as number) > 0))
    return 'ttlMs must be a positive integer';
  if ((q.op === 'release' || q.op === 'renew') && !Number.isSafeInteger(q.token)) return 'token must be an integer';
  return wholeDepth(q);
}

const isShard = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

/** Checks a transaction command (system/txn/machine.ts) as it comes out of the log. */
export function validateTxnCommand(q: Record<string, unknown>): string | undefined {
  if (!nonEmpty(q.id)) return 'id must be a non-empty string';
  switch (q.op) {
    case 'one':
      return logOpsError(q.ops);
    case 'prepare':
      if (!isShard(q.coord)) return 'coord must be a shard number';
      if (q.parts !== undefined && !(Array.isArray(q.parts) && q.parts.every(isShard)))
        return 'parts must be shard numbers';
      return logOpsError(q.ops);
    case 'decide':
    case 'resolve':
      return typeof q.commit === 'boolean' ? undefined : 'commit must be a boolean';
    case 'forget':
      return undefined;
    default:
      return 'txn op must be one, prepare, decide, resolve or forget';
  }
}

/** Checks a command as it comes out of the log. */
export function validateCommand(cmd: unknown): string | undefined {
  if (!isObject(cmd)) return 'command must be an object';
  if (cmd.kind === 'kv') return validateKv(cmd);
  if (cmd.kind === 'lock') return validateLock(cmd, true);
  if (cmd.kind === 'txn') return validateTxnCommand(cmd);
  return 'command kind must be kv, lock or txn';
}

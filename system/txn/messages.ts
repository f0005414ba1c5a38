// What nodes tell each other about transactions (docs/txn.md), carried in the peer frame's `txn` list beside the
// Raft messages (system/node/transport.ts), so they share the authenticated links and the faults on them. Every
// message names the group it is about (`g`); a node that does not lead that group answers `not-leader`. Each
// request is idempotent: retries and duplicates are answered from the replicated state, never applied twice.
import type { Json } from '../node/api.js';
import type { NodeId } from '../raft/types.js';
import type { AbortReason } from './machine.js';
import type { LogOp } from './ops.js';

export type TxnMessage =
  /** Coordinator → participant g's leader: prepare these micro-ops (the coordinator group is `coord`). */
  | { t: 'prepare'; id: string; g: number; coord: number; ops: LogOp[] }
  /** Participant → coordinator: the prepare is committed in g's log (yes, with the reads) or refused (no). */
  | { t: 'vote'; id: string; g: number; ok: true; reads: [number, Json][] }
  | { t: 'vote'; id: string; g: number; ok: false; reason: AbortReason | 'invalid'; key?: string; message: string }
  /**
   * Coordinator group's leader → participant g's leader: the decision, committed in the coordinator's log (or,
   * to a participant that asked about a transaction its coordinator group holds no record of, abort).
   */
  | { t: 'resolve'; id: string; g: number; commit: boolean }
  /** Participant → coordinator: the resolution is committed in g's log. */
  | { t: 'resolved'; id: string; g: number }
  /** Participant g's leader, holding a prepared transaction too long → the coordinator group's leader: decided? */
  | { t: 'status'; id: string; g: number; coord: number }
  /** I do not lead g (leader: who does, if known). */
  | { t: 'not-leader'; id: string; g: number; leader: NodeId | null };

const REASONS: readonly string[] = ['conflict', 'wrong-type', 'limit', 'busy', 'resolved', 'invalid'];

const isId = (v: unknown): v is string => typeof v === 'string' && v !== '' && v.length <= 256;

/**
 * The message if `x` is one (peers are authenticated, but a message is still data: a malformed one is dropped,
 * never thrown on). `shards` bounds group numbers. Micro-ops are checked again when their entry applies.
 */
export function parseTxnMessage(x: unknown, shards: number): TxnMessage | undefined {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const m = x as Record<string, unknown>;
  const isShard = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < shards;
  if (!isId(m.id) || !isShard(m.g)) return undefined;
  switch (m.t) {
    case 'prepare':
      return isShard(m.coord) && Array.isArray(m.ops) ? (m as TxnMessage) : undefined;
    case 'vote':
      if (m.ok === true) return Array.isArray(m.reads) ? (m as TxnMessage) : undefined;
      return m.ok === false && typeof m.reason === 'string' && REASONS.includes(m.reason)
        ? (m as TxnMessage)
        : undefined;
    case 'resolve':
      return typeof m.commit === 'boolean' ? (m as TxnMessage) : undefined;
    case 'resolved':
      return m as TxnMessage;
    case 'status':
      return isShard(m.coord) ? (m as TxnMessage) : undefined;
    case 'not-leader':
      return m.leader === null || typeof m.leader === 'string' ? (m as TxnMessage) : undefined;
    default:
      return undefined;
  }
}

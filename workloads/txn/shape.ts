// The shape of transactional workloads' transactions, from the run's flags: --txn-ops (micro-ops per
// transaction, "1-4" or "3"), --keys (active keys at any time), --max-writes-per-key (writes a key takes before a
// fresh key replaces it): the options of Jepsen's elle.list-append/gen (key-count, min- and max-txn-length,
// max-writes-per-key), with issue 21's defaults.
import type { TxnShape } from '../types.js';

export const DEFAULT_TXN_SHAPE: TxnShape = { minOps: 1, maxOps: 4, keys: 8, maxWritesPerKey: 32 };

/** Bounds on the flags: the reference cluster takes at most 256 micro-ops per transaction (system/txn/ops.ts). */
export const TXN_LIMITS = { ops: 256, keys: 100_000, maxWritesPerKey: 10_000 } as const;

/** The flags as a run records them (RunOptions): unset ones take the defaults. */
export interface TxnFlags {
  txnOps?: string;
  keys?: number;
  maxWritesPerKey?: number;
}

function count(flag: string, v: unknown, max: number): number {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${flag} must be an integer from 1 to ${max}, got ${String(v)}`);
  return n;
}

/** The shape the flags ask for; throws a one-line Error naming the flag. */
export function txnShape(f: TxnFlags): TxnShape {
  const s = { ...DEFAULT_TXN_SHAPE };
  if (f.txnOps !== undefined) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(String(f.txnOps));
    if (!m) throw new Error(`--txn-ops must be N or MIN-MAX (e.g. 1-4), got ${String(f.txnOps)}`);
    s.minOps = count('txn-ops', Number(m[1]), TXN_LIMITS.ops);
    s.maxOps = count('txn-ops', Number(m[2] ?? m[1]), TXN_LIMITS.ops);
    if (s.minOps > s.maxOps) throw new Error(`--txn-ops ${f.txnOps}: the minimum is above the maximum`);
  }
  if (f.keys !== undefined) s.keys = count('keys', f.keys, TXN_LIMITS.keys);
  if (f.maxWritesPerKey !== undefined)
    s.maxWritesPerKey = count('max-writes-per-key', f.maxWritesPerKey, TXN_LIMITS.maxWritesPerKey);
  return s;
}

/** The shape as a flag value, e.g. "1-4". */
export function txnOpsText(s: TxnShape): string {
  return s.minOps === s.maxOps ? String(s.minOps) : `${s.minOps}-${s.maxOps}`;
}

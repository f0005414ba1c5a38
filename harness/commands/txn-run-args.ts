// The flags of transactional workloads (list-append, rw-register) for the commands that start runs: the shape
// of the transactions and the consistency models the history must satisfy. Kept apart from run-args.ts; they
// become RunOptions fields (txnOps, keys, maxWritesPerKey, consistencyModel) only for transactional workloads,
// so other runs record nothing of them.
import { unknownModels } from '../checker/txn/consistency-model.js';
import type { RunOptions } from '../store/test.js';
import { numberOption } from './numbers.js';
import { txnShape, txnOpsText } from '../../workloads/txn/shape.js';
import { isTxnWorkload, TXN_WORKLOADS } from '../../workloads/txn/workload.js';

export interface TxnRunArgs {
  'txn-ops'?: string;
  keys?: number;
  'max-writes-per-key'?: number;
  'consistency-model'?: string[];
}

const FOR = `${TXN_WORKLOADS.join(', ')}:`;

export const txnRunFlags = {
  'txn-ops': { type: 'string', describe: `${FOR} micro-ops per transaction, N or MIN-MAX (default 1-4)` },
  keys: numberOption('keys', { whole: true, min: 1 }, { describe: `${FOR} active keys at any time (default 8)` }),
  'max-writes-per-key': numberOption(
    'max-writes-per-key',
    { whole: true, min: 1 },
    { describe: `${FOR} writes a key takes before a fresh key replaces it (default 32)` },
  ),
  'consistency-model': {
    type: 'string',
    array: true,
    nargs: 1,
    describe: `${FOR} a model the history must satisfy, repeatable (default strict-serializable)`,
  },
} as const;

/**
 * Checks these flags for a command whose runs are of `workloads`: their values, and that one of the workloads is
 * transactional when any is given. Throws a one-line Error.
 */
export function checkTxnArgs(a: TxnRunArgs, workloads: readonly string[]): void {
  const given = (['txn-ops', 'keys', 'max-writes-per-key', 'consistency-model'] as const).filter(
    (k) => a[k] !== undefined && !(k === 'consistency-model' && a[k]!.length === 0),
  );
  const txn = workloads.find(isTxnWorkload);
  if (txn) txnRunFields(a, txn);
  else if (given.length) throw new Error(`--${given[0]} applies to the ${TXN_WORKLOADS.join(' and ')} workloads only`);
}

/**
 * The RunOptions fields these flags give a run of `workload`: every one with its value for a transactional
 * workload (so test.json and the rerun command line hold them), nothing otherwise (a matrix of test-all may mix
 * workloads). Throws a one-line Error for a bad value (checkTxnArgs checks them before any run starts).
 */
export function txnRunFields(a: TxnRunArgs, workload: string): Partial<RunOptions> {
  if (!isTxnWorkload(workload)) return {};
  const s = txnShape({ txnOps: a['txn-ops'], keys: a.keys, maxWritesPerKey: a['max-writes-per-key'] });
  const models = a['consistency-model']?.length ? a['consistency-model'] : ['strict-serializable'];
  const bad = unknownModels(models);
  if (bad.length) throw new Error(`unknown --consistency-model ${bad.join(', ')}`);
  return { txnOps: txnOpsText(s), keys: s.keys, maxWritesPerKey: s.maxWritesPerKey, consistencyModel: models };
}

// What a run's transactional options (RunOptions.txnOps, keys, maxWritesPerKey, consistencyModel) give the
// workload and the check: the transactions' shape, and the consistency models recorded in the check spec's args.
import type { WorkloadOptions } from '../../workloads/types.js';
import { txnShape } from '../../workloads/txn/shape.js';
import { isTxnWorkload } from '../../workloads/txn/workload.js';
import type { RunOptions } from '../store/test.js';

/** The workload options a transactional run adds (the shape of its transactions); nothing for other workloads. */
export function txnWorkloadOptions(o: RunOptions): Pick<WorkloadOptions, 'txn'> {
  return isTxnWorkload(o.workload) ? { txn: txnShape(o) } : {};
}

/** The check arguments a transactional run records (CheckSpec.args); undefined for other workloads. */
export function txnCheckArgs(o: RunOptions): Record<string, unknown> | undefined {
  if (!isTxnWorkload(o.workload)) return undefined;
  return { consistencyModels: o.consistencyModel?.length ? o.consistencyModel : ['strict-serializable'] };
}

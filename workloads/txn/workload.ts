// `list-append` and `rw-register`: Jepsen's append and wr tests. Transactions of micro-ops over a rotating window
// of keys (stream.ts), recorded as {"f": "txn", "value": [["append", 7, 3], ["r", 9, null]]} and completed with the
// reads filled in; after healing, every key the load used is read back (a few keys per transaction, each worker
// its share), so an acknowledged write that was lost shows in those final reads. Checked by the transactional
// checker (Elle's analysis, harness/checker/txn) against the run's consistency models, strict serializable unless
// --consistency-model says otherwise; named here as data, so this workload imports nothing of the checker.
import type { Generator } from '../../harness/generator/generator.js';
import type { MicroOp } from '../../harness/history/txn.js';
import type { Workload, WorkloadOptions, WorkloadSession } from '../types.js';
import { DEFAULT_TXN_SHAPE } from './shape.js';
import { TxnStream } from './stream.js';

/** Keys read by one final transaction. */
export const FINAL_KEYS_PER_TXN = 8;

/**
 * Worker w reads back the keys k with k mod concurrency = w, FINAL_KEYS_PER_TXN at a time (its count in the final
 * phase says which ones), so the workers share the final reads and each transaction stays small.
 */
export function finalReads(stream: TxnStream, concurrency: number): Generator {
  return (ctx) => {
    const mine: number[] = [];
    for (let k = ctx.worker; k < stream.keysUsed(); k += concurrency) mine.push(k);
    const chunk = mine.slice(ctx.count * FINAL_KEYS_PER_TXN, (ctx.count + 1) * FINAL_KEYS_PER_TXN);
    if (chunk.length === 0) return undefined;
    return { f: 'txn', value: chunk.map((k): MicroOp => ['r', k, null]) };
  };
}

function txnWorkload(name: string, writeF: 'append' | 'w', describe: string): Workload {
  const session = (o: WorkloadOptions): WorkloadSession => {
    const stream = new TxnStream(o.txn ?? DEFAULT_TXN_SHAPE, writeF, o.seed);
    return { generator: () => ({ f: 'txn', value: stream.next() }), final: finalReads(stream, o.concurrency) };
  };
  return {
    name,
    describe,
    // lostAppends: acknowledged appends missing from later reads (harness/checker/txn/lost-append.ts).
    checks: [{ checker: 'txn', args: writeF === 'append' ? { model: name, lostAppends: true } : { model: name } }],
    session,
    generator: (o) => session(o).generator,
    // The final reads come from the session, which knows the keys the load used.
    finalOp: () => undefined,
  };
}

export const listAppendWorkload = txnWorkload(
  'list-append',
  'append',
  'transactions of reads and appends (1-4) over a rotating window of list keys (8; Jepsen append); ' +
    'checked by Elle-style analysis, strict serializable unless --consistency-model says otherwise',
);

export const rwRegisterWorkload = txnWorkload(
  'rw-register',
  'w',
  'transactions of reads and writes (1-4) over a rotating window of register keys (8; Jepsen wr); ' +
    'checked by Elle-style analysis, strict serializable unless --consistency-model says otherwise',
);

/** The transactional workloads (they take --txn-ops, --keys, --max-writes-per-key, --consistency-model). */
export const TXN_WORKLOADS: readonly string[] = [listAppendWorkload.name, rwRegisterWorkload.name];

export function isTxnWorkload(name: string): boolean {
  return TXN_WORKLOADS.includes(name);
}

// How many of a history's transactions span shards of the reference cluster (shard = hash(key) mod S,
// system/shard/placement.ts): the measure issue 21 asks of a list-append run ("more than half of its
// transactions spanning shards"), for the tests, the benchmark and a person checking a run folder.
import type { HistoryEvent } from '../../harness/history/op.js';
import { isTxnValue } from '../../harness/history/txn.js';
import { shardOf } from '../../system/shard/placement.js';
import { keyOf } from '../../system/txn/ops.js';

export interface TxnSpans {
  /** Transactions invoked, and those of them whose keys lie in two shards or more. */
  invoked: number;
  spanning: number;
  /** Committed (ok) transactions, and those of them that spanned shards. */
  ok: number;
  okSpanning: number;
  /** Definitely not committed (fail: aborted or refused), and unknown (info). */
  fail: number;
  info: number;
}

/** The number of shards a transaction's keys lie in. */
export function shardsOf(value: unknown, shards: number): number {
  if (!isTxnValue(value)) return 0;
  return new Set((value as [string, string | number, unknown][]).map((m) => shardOf(keyOf(m[1]), shards))).size;
}

/** Counts over the client transactions of a history (invokes paired with completions by process). */
export function txnSpans(events: readonly HistoryEvent[], shards: number): TxnSpans {
  const s: TxnSpans = { invoked: 0, spanning: 0, ok: 0, okSpanning: 0, fail: 0, info: 0 };
  const open = new Map<unknown, boolean>();
  for (const e of events) {
    if (e.process === 'nemesis' || e.f !== 'txn') continue;
    if (e.type === 'invoke') {
      const spans = shardsOf(e.value, shards) > 1;
      open.set(e.process, spans);
      s.invoked++;
      if (spans) s.spanning++;
      continue;
    }
    const spans = open.get(e.process) ?? false;
    open.delete(e.process);
    if (e.type === 'ok') {
      s.ok++;
      if (spans) s.okSpanning++;
    } else if (e.type === 'fail') s.fail++;
    else s.info++;
  }
  return s;
}

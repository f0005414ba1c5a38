// bench:cluster's transaction part: cross-shard transactions per second on the default cluster (5 nodes, 8
// shards, R=3, fsync on), at concurrency 1, 16 and 64, each client a closed loop sending the list-append
// workload's transactions (workloads/txn: 1-4 micro-ops, half of them appends) through the reference target's
// txn client. Two key windows: the workload's default of 8 active keys (heavy contention: locks never wait, so a
// conflict aborts) and 1,000 keys (little contention: what the protocol itself costs). Printed per figure:
// committed transactions/s and of those the cross-shard ones per second, the fraction of transactions that span
// shards (of those sent, and of those committed), the abort rate (409 answers among all answers), unknown
// outcomes, and the committed latency p50/p99.
import type { MicroOp } from '../harness/history/txn.js';
import type { TxnShape } from '../workloads/types.js';
import { DEFAULT_TXN_SHAPE } from '../workloads/txn/shape.js';
import { TxnStream } from '../workloads/txn/stream.js';
import { TxnHttpClient } from '../targets/reference/clients/txn.js';
import { shardsOf } from '../targets/reference/txn-spans.js';
import { http, pct, SECONDS, WARMUP_SECONDS, withCluster } from './cluster-lib.js';

const SHARDS = 8;

interface TxnFigure {
  sent: number;
  spanning: number;
  ok: number;
  okSpanning: number;
  aborted: number;
  info: number;
  latencies: number[];
}

/** Each measurement draws its own stream over keys of its own, so no key is ever appended the same value twice. */
let streams = 0;

async function measure(urls: string[], concurrency: number, shape: TxnShape, seconds: number): Promise<TxnFigure> {
  const nodes = urls.map((url, i) => ({ name: `n${i + 1}`, url }));
  const clients = Array.from({ length: concurrency }, (_, c) => new TxnHttpClient(nodes, c, 5000, http));
  // Keys are numbered from 0 in every stream: each stream's keys are offset, so that streams never share a key.
  const stream = new TxnStream(shape, 'append', 1000 + ++streams);
  const offset = streams * 1_000_000;
  const f: TxnFigure = { sent: 0, spanning: 0, ok: 0, okSpanning: 0, aborted: 0, info: 0, latencies: [] };
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        const value = stream.next().map(([f, k, v]): MicroOp => [f, (k as number) + offset, v]);
        const spans = shardsOf(value, SHARDS) > 1;
        const t0 = performance.now();
        const r = await client.invoke({ f: 'txn', value });
        f.sent++;
        if (spans) f.spanning++;
        if (r.type === 'ok') {
          f.ok++;
          if (spans) f.okSpanning++;
          f.latencies.push(performance.now() - t0);
        } else if (r.type === 'info') f.info++;
        else if (r.error.startsWith('aborted')) f.aborted++;
      }
    }),
  );
  f.latencies.sort((a, b) => a - b);
  return f;
}

function line(concurrency: number, keys: number, f: TxnFigure, seconds: number): string {
  const pc = (a: number, b: number): string => (b === 0 ? '—' : `${((100 * a) / b).toFixed(0)}%`);
  return (
    `  c${String(concurrency).padEnd(2)} keys ${String(keys).padStart(4)}: ` +
    `${(f.ok / seconds).toFixed(1).padStart(6)} committed/s, ${(f.okSpanning / seconds).toFixed(1).padStart(6)} ` +
    `cross-shard committed/s; spanning shards ${pc(f.spanning, f.sent)} of sent, ${pc(f.okSpanning, f.ok)} ` +
    `of committed; aborted ${pc(f.aborted, f.sent)}, unknown ${f.info}; ` +
    `p50 ${pct(f.latencies, 0.5).toFixed(1)} ms  p99 ${pct(f.latencies, 0.99).toFixed(1)} ms`
  );
}

export async function benchTxn(): Promise<void> {
  await withCluster(5, SHARDS, async (urls) => {
    console.log(
      `transactions, 5 nodes, S=${SHARDS}, R=3: list-append transactions of 1-4 micro-ops, closed loops ` +
        `(after ${WARMUP_SECONDS} s of load):`,
    );
    for (const keys of [DEFAULT_TXN_SHAPE.keys, 1000]) {
      const shape = { ...DEFAULT_TXN_SHAPE, keys };
      for (const c of [1, 16, 64]) {
        if (WARMUP_SECONDS > 0) await measure(urls, c, shape, WARMUP_SECONDS);
        console.log(line(c, keys, await measure(urls, c, shape, SECONDS), SECONDS));
      }
    }
  });
}

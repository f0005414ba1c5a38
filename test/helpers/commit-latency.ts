// Raft commit latency as a probe for peer-link latency: sequential writes to one key, each committed only after
// the shard leader's AppendEntries reached a follower and its ack came back (two peer hops, Raft §5.3), so a
// delay d on every node's incoming peer bytes adds about 2d to each write. Client traffic is never delayed.
import type { TestKv } from './kv-client.js';

let seq = 0;

/** Milliseconds per write for `n` sequential writes to `key` (after one warm-up write that finds the leader). */
export async function commitLatencies(kv: TestKv, key: string, n: number): Promise<number[]> {
  await kv.call({ op: 'write', key, value: 0, client: 'latency-probe', seq: ++seq }, 20_000);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await kv.call({ op: 'write', key, value: i, client: 'latency-probe', seq: ++seq }, 20_000);
    if (r.ok !== true) throw new Error(`write failed: ${JSON.stringify(r)}`);
    out.push(performance.now() - t0);
  }
  return out;
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

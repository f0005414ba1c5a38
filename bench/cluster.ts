// npm run bench:cluster — the reference cluster as processes on loopback, fsync on.
//  1. One Raft group (3 nodes, S=1): acknowledged writes/s with p50/p99 at concurrency 1, 16, 64, then
//     linearizable (ReadIndex) reads/s likewise.
//  2. Sharded (5 nodes, R=3): writes/s at concurrency 64 for S = 1, 4, 8, 16, each with its ratio to S=1 in
//     the same run (sharding should add throughput: the issue's targets are S=8 ≥ 1.0× and S=16 ≥ 0.9×).
//     Two figures per S under the same load: "cold", BENCH_WARMUP seconds (default 2) after the cluster is
//     ready (elections settle, the clients learn the leaders), and "steady", measured once BENCH_STEADY_AFTER
//     seconds (default 20) of load have passed. The sharded clusters take far longer than one group to reach
//     their plateau (measured here: S=8 needs 20-25 s, S=1 about 8 s: V8 tiering up code that five processes
//     each run a fifth as often, and leadership rebalancing); the ratios compare like with like, S=1 included.
//  3. Locks (5 nodes, S=8): acquire+release rounds on distinct names at concurrency 16, p50/p99 per round
//     (after the same warm-up).
//  4. Failover (5 nodes, S=8): a shard's leader node is killed (SIGKILL); time until the next acknowledged
//     write to that shard, median of BENCH_FAILOVERS (default 5).
//  5. Transactions (5 nodes, S=8): cross-shard transactions per second at concurrency 1, 16, 64, the fraction
//     that spans shards and the abort rate (bench/cluster-txn.ts).
// Each client starts at a different node and follows not-leader hints, as a real client does.
// BENCH_SECONDS (default 5) sets the time per figure; BENCH_PARTS=single,sharded,locks,failover,txn picks parts.
import { shardOf } from '../system/shard/placement.js';
import { benchTxn } from './cluster-txn.js';
import type { Router } from '../targets/reference/router.js';
import type { NodeStatus } from '../system/node/api.js';
import {
  SECONDS,
  WARMUP_SECONDS,
  fmt,
  http,
  load,
  median,
  ok,
  readOp,
  routers,
  statusOf,
  waitReady,
  withCluster,
  writeOp,
} from './cluster-lib.js';

const parts = new Set((process.env.BENCH_PARTS ?? 'single,sharded,locks,failover,txn').split(','));
const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 5);
const STEADY_AFTER = Number(process.env.BENCH_STEADY_AFTER ?? 20);

console.log(
  `cluster benchmark: loopback, fsync ${process.env.BENCH_FSYNC === '0' ? 'off' : 'on'}, ` +
    `${SECONDS} s per figure, node ${process.version}`,
);
if (parts.has('single')) {
  await withCluster(3, 1, async (urls) => {
    console.log('one Raft group, 3 nodes:');
    for (const c of [1, 16, 64])
      console.log(`  writes concurrency ${String(c).padStart(2)}: ${fmt(await load(c, writeOp(routers(urls, c))))}`);
    for (const c of [1, 16, 64])
      console.log(`  reads  concurrency ${String(c).padStart(2)}: ${fmt(await load(c, readOp(routers(urls, c))))}`);
  });
}

if (parts.has('sharded')) {
  console.log(
    'sharded, 5 nodes, R=3, writes at concurrency 64 ' +
      `(steady: after ${STEADY_AFTER} s of load; cold: after ${WARMUP_SECONDS} s):`,
  );
  let base = NaN;
  let coldBase = NaN;
  for (const s of [1, 4, 8, 16]) {
    await withCluster(5, s, async (urls) => {
      const op = writeOp(routers(urls, 64));
      if (WARMUP_SECONDS > 0) await load(64, op, WARMUP_SECONDS);
      const cold = await load(64, op);
      if (s === 1) coldBase = cold.opsPerSec;
      const more = STEADY_AFTER - WARMUP_SECONDS - SECONDS;
      if (more > 0) await load(64, op, more);
      // Batching, per acknowledged write: WAL syncs, ready passes and peer frames over the whole cluster.
      const counters = async (): Promise<{
        syncs: number;
        passes: number;
        frames: number;
        sts: (NodeStatus | undefined)[];
      }> => {
        const sts = await Promise.all(urls.map((u) => statusOf(u)));
        const sum = (f: (st: NodeStatus) => number | undefined): number =>
          sts.reduce((a, st) => a + (st ? (f(st) ?? 0) : 0), 0);
        return {
          syncs: sum((st) => st.wal?.syncs),
          passes: sum((st) => st.io?.passes),
          frames: sum((st) => st.io?.framesOut),
          sts,
        };
      };
      const c0 = await counters();
      const r = await load(64, op);
      if (s === 1) base = r.opsPerSec;
      const c1 = await counters();
      const leads = c1.sts.map((st) => st?.groups.filter((g) => g.role === 'leader').length ?? 0);
      const transfers = c1.sts.reduce((a, st) => a + (st?.transfers ?? 0), 0);
      const per = (k: 'syncs' | 'passes' | 'frames'): string => ((c1[k] - c0[k]) / (r.opsPerSec * SECONDS)).toFixed(2);
      console.log(
        `  S=${String(s).padEnd(2)}: ${fmt(r)}  ${(r.opsPerSec / base).toFixed(2)}× S=1  ` +
          `(leaders per node ${leads.join('/')}, ${transfers} transfers; ` +
          `per write ${per('syncs')} syncs, ${per('passes')} passes, ${per('frames')} frames; ` +
          `cold: ${cold.opsPerSec.toFixed(0)} ops/s ${(cold.opsPerSec / coldBase).toFixed(2)}× S=1)`,
      );
    });
  }
}

if (parts.has('locks')) {
  await withCluster(5, 8, async (urls) => {
    const rs = routers(urls, 16);
    const round = async (c: number, i: number): Promise<boolean> => {
      const name = `bench-lock-${c}-${i % 4}`;
      const a = await rs[c].send('/lock', { op: 'acquire', name, owner: `o${c}`, ttlMs: 10_000 }, 5000, name);
      if (!ok(a) || 'none' in a) return false;
      return ok(await rs[c].send('/lock', { op: 'release', name, owner: `o${c}`, token: a.body.token }, 5000, name));
    };
    if (WARMUP_SECONDS > 0) await load(16, round, WARMUP_SECONDS);
    const r = await load(16, round);
    console.log(
      'locks, 5 nodes, S=8, acquire+release rounds at concurrency 16: ' +
        `${r.opsPerSec.toFixed(0)} rounds/s  p50 ${r.p50.toFixed(1)} ms  ` +
        `p99 ${r.p99.toFixed(1)} ms${r.errors ? `  (${r.errors} errors)` : ''}`,
    );
  });
}

if (parts.has('failover')) {
  await withCluster(5, 8, async (urls, lp) => {
    const times: number[] = [];
    const rs = routers(urls, 1);
    for (let round = 0; round < FAILOVERS; round++) {
      const key = `failover-${round}`;
      const shard = shardOf(key, 8);
      const write = (r: Router, seq: number, timeoutMs: number): Promise<boolean> =>
        r.send('/kv', { op: 'write', key, value: seq, client: `fo${round}`, seq }, timeoutMs, key).then(ok);
      if (!(await write(rs[0], 1, 5000))) throw new Error('failover: no first write');
      const leader = await leaderOf(urls, shard);
      if (!leader) throw new Error(`failover: no leader for shard ${shard}`);
      const victim = lp.nodes[urls.indexOf(leader)];
      const t0 = performance.now();
      await lp.kill(victim.name);
      // One client keeps writing with short timeouts: the first acknowledged write after the kill.
      const survivors = routers(
        urls.filter((u) => u !== leader),
        1,
      )[0];
      let seq = 2;
      while (!(await write(survivors, seq++, 300)))
        if (performance.now() - t0 > 10_000) throw new Error('failover: no write within 10 s');
      times.push(performance.now() - t0);
      lp.start(victim.name);
      await waitReady(urls);
      await new Promise((r) => setTimeout(r, 1500)); // let leadership rebalance before the next kill
    }
    console.log(
      'failover, 5 nodes, S=8: leader killed → next acknowledged write, ' +
        `median ${median(times).toFixed(0)} ms of ${times.length} ` +
        `(${times.map((t) => t.toFixed(0)).join(', ')})`,
    );
  });
}
if (parts.has('txn')) await benchTxn();
http.close();

async function leaderOf(urls: string[], shard: number): Promise<string | undefined> {
  for (const u of urls) {
    const st = await statusOf(u);
    const g = st?.groups.find((x) => x.group === String(shard));
    if (g?.leader) {
      const k = Number(g.leader.slice(1)) - 1;
      return urls[k];
    }
  }
  return undefined;
}

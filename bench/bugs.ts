// `npm run bench:bugs`: how fast the harness finds each planted bug of the reference cluster end to end. For
// every bug, up to RUNS seeded runs (default 10 × 30 s) with the fault mix recommended for it, stopping at the
// first invalid run: runs-to-detection and the time to the first violation (the earliest operation the checker
// names, from the history, relative to the load's start). The correct cluster then runs the same seeds and mix:
// any invalid run there is a false positive. Last, FP_RUNS runs (default 50) of the correct cluster under
// `--nemesis all`. Prints a markdown table (README's planted-bug section).
//
//   npm run bench:bugs [-- --runtime docker] [-- --bugs stale-read,no-fsync | --bugs none]
//   FAULTLINE_BENCH_RUNS=10 FAULTLINE_BENCH_SECONDS=30 FAULTLINE_BENCH_FP_RUNS=50 FAULTLINE_BENCH_SEED=1000
//   FAULTLINE_BENCH_CORRECT=0 (skip the correct-cluster runs) FAULTLINE_BENCH_MIX='{"bug":{...}}' (try another mix)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstViolationS } from '../harness/check/first-violation.js';
import { DEFAULTS } from '../harness/run/options.js';
import type { RunOptions } from '../harness/store/test.js';
import { StopSignal } from '../harness/run/run.js';
import { executeRun } from '../harness/commands/execute.js';
import type { Results } from '../harness/checker/results.js';
import type { HistoryEvent } from '../harness/history/op.js';
import { parseNemesisSpec, requiredKinds } from '../harness/nemesis/packages.js';
import { readHistory } from '../harness/store/folder.js';
import { prepareTarget } from '../targets/prepare.js';
import { KNOWN_BUGS } from '../system/node/config.js';

interface Mix {
  workload: string;
  nemesis: string;
  schedule: RunOptions['nemesisSchedule'];
  intervalS: number;
  nodes: number;
  /** Reference target options besides the bug (e.g. one shard, so every fault hits the one Raft group). */
  targetOpts?: Record<string, string>;
  /** Client ops/s (default 100) and client processes (default 10). */
  rate?: number;
  concurrency?: number;
  /** Client operation timeout, ms (default 3000): shorter makes clients stuck on a cut-off leader move on sooner. */
  opTimeoutMs?: number;
  /** Why this mix exposes the bug. */
  why: string;
}

/** The fault mix recommended for each planted bug. */
export const MIXES: Record<(typeof KNOWN_BUGS)[number], Mix> = {
  'stale-read': {
    workload: 'kv',
    nemesis: 'partition:isolate-hot-leader/one-way-mute',
    schedule: 'alternate',
    intervalS: 3,
    nodes: 3,
    why: 'a deposed leader (or any follower) still answers reads from its own state while the others move on',
  },
  'wrong-shard': {
    workload: 'kv',
    nemesis: 'partition:isolate-one/halves',
    schedule: 'alternate',
    intervalS: 3,
    nodes: 5,
    why: "with 5 nodes and 3 replicas per shard, clients reach nodes that do not hold a key's shard",
  },
  'lock-no-fence': {
    workload: 'fenced-counter',
    nemesis: 'pause:one/leader',
    schedule: 'alternate',
    intervalS: 3,
    nodes: 3,
    why: "holders stall past their lease (the workload's own stalls, pauses add more); only fencing stops stale writes",
  },
  'lease-local-clock': {
    workload: 'lock',
    nemesis: 'clock:bump',
    schedule: 'alternate',
    intervalS: 3,
    nodes: 3,
    why: 'a replica whose clock jumps ahead expires a 120 s lease early and grants the lock twice',
  },
  'no-fsync': {
    // One key (register), so every worker reads what was written just before the kill; kv rotates keys away.
    workload: 'register',
    nemesis: 'kill:all',
    schedule: 'alternate',
    intervalS: 2,
    nodes: 3,
    targetOpts: { shards: '1' },
    concurrency: 5,
    why: 'acknowledged writes still in memory on every node vanish when all of them are killed together',
  },
  'no-dir-fsync': {
    // The renames happen when the WAL rolls to a checkpoint segment and when a shard snapshots: small segments
    // and frequent snapshots make them happen within seconds. Needs the disk-fault layer (issue 24).
    workload: 'register',
    nemesis: 'disk:lose-unsynced',
    schedule: 'alternate',
    intervalS: 3,
    nodes: 3,
    targetOpts: { shards: '1', 'wal-segment-bytes': '16384', 'snapshot-every': '100' },
    concurrency: 5,
    why: 'a checkpoint segment renamed into place without a folder fsync vanishes in a crash, and the log after it',
  },
  'vote-twice': {
    workload: 'register',
    nemesis: 'kill:one/leader,pause:leader,partition:isolate-leader/one-way-mute',
    schedule: 'random',
    intervalS: 2,
    nodes: 3,
    targetOpts: { shards: '1', 'election-ms': '150' },
    concurrency: 5,
    why: 'a voter restarted mid-election forgets its vote and may elect a second leader in the same term',
  },
  'old-term-commit': {
    workload: 'register',
    nemesis: 'partition:isolate-leader/halves/majorities-ring/bridge,kill:leader/minority,latency',
    schedule: 'burst',
    intervalS: 2,
    nodes: 5,
    targetOpts: { shards: '1', 'election-ms': '150' },
    concurrency: 5,
    why: 'Raft figure 8: leaders come and go with entries of old terms half replicated',
  },
  'read-no-heartbeat': {
    // The old leader serves reads only until check quorum deposes it (within two election timeouts), and a new
    // leader exists at most for the tail of that: a longer election timeout widens the window, and a short client
    // timeout frees the clients stuck on writes to the cut-off leader in time to find its successor inside it.
    workload: 'register',
    nemesis: 'partition:isolate-hot-leader',
    schedule: 'alternate',
    intervalS: 3,
    nodes: 3,
    targetOpts: { shards: '1', 'election-ms': '1000' },
    opTimeoutMs: 500,
    why: 'a deposed leader that has not yet stepped down answers reads at its own commit index without asking a quorum',
  },
  'early-ack': {
    workload: 'register',
    nemesis: 'partition:isolate-hot-leader',
    schedule: 'alternate',
    intervalS: 3,
    nodes: 3,
    targetOpts: { shards: '1' },
    concurrency: 5,
    why:
      'an isolated leader acknowledges writes only it holds; ' +
      'its successor never had them, and later reads miss them',
  },
  'release-any-owner': {
    workload: 'lock',
    nemesis: 'partition:isolate-one',
    schedule: 'alternate',
    intervalS: 3,
    nodes: 3,
    why: "a process whose acquire failed (or whose grant ended) still releases, and frees the holder's lock",
  },
  'conf-concurrent': {
    // Five voters per group: with three, any two single-server configurations still share a majority. The
    // hot leader and one follower are cut off, and the leader alone is asked for two removals of majority-side
    // nodes at once (membership:split-minority): the bug accepts the second while the first is pending, and
    // {leader, follower} is a majority of its shrunken configuration while the other side elects its own.
    workload: 'register',
    nemesis: 'membership:split-minority',
    schedule: 'alternate',
    intervalS: 4,
    nodes: 5,
    targetOpts: { shards: '1', replication: '5' },
    concurrency: 5,
    why:
      'two membership changes in flight: ' +
      'a minority leader shrinks its configuration until it has a majority of its own',
  },
  // The transaction bugs (docs/txn.md), with issue 21's criterion: a default list-append run under --nemesis all
  // on the default 5-node, 8-shard cluster. The list-append workload arrives with that issue's harness step.
  'txn-read-uncommitted-lock': {
    workload: 'list-append',
    nemesis: 'all',
    schedule: 'random',
    intervalS: 3,
    nodes: 5,
    why: 'concurrent transactions read keys another has prepared a write to: read and write skew (G-single, G2-item)',
  },
  '2pc-early-ack': {
    workload: 'list-append',
    nemesis: 'all',
    schedule: 'random',
    intervalS: 3,
    nodes: 5,
    why: 'a coordinator killed between its early answer and its decision: recovery aborts an acknowledged transaction',
  },
  '2pc-unlock-before-decision': {
    workload: 'list-append',
    nemesis: 'all',
    schedule: 'random',
    intervalS: 3,
    nodes: 5,
    why: 'prepared writes are readable and overwritable before the decision: dirty reads (G1a, G1c) and lost appends',
  },
};

// Experiments: FAULTLINE_BENCH_MIX='{"no-fsync":{"workload":"register"}}' overrides fields of a bug's mix.
if (process.env.FAULTLINE_BENCH_MIX) {
  try {
    const over = JSON.parse(process.env.FAULTLINE_BENCH_MIX) as Record<string, Partial<Mix>>;
    for (const [b, m] of Object.entries(over)) if (b in MIXES) Object.assign(MIXES[b as keyof typeof MIXES], m);
  } catch (e) {
    process.stderr.write(`bench:bugs: FAULTLINE_BENCH_MIX is not JSON: ${(e as Error).message}\n`);
    process.exit(2);
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`bench:bugs: ${name} must be a non-negative integer, got "${v}"\n`);
    process.exit(2);
  }
  return n;
}

const RUNS = envInt('FAULTLINE_BENCH_RUNS', 10);
const SECONDS = envInt('FAULTLINE_BENCH_SECONDS', 30);
const FP_RUNS = envInt('FAULTLINE_BENCH_FP_RUNS', 50);
const SEED = envInt('FAULTLINE_BENCH_SEED', 1000);
/** 0: skip the correct-cluster runs of each bug's mix (quicker experiments with mixes). */
const CORRECT = envInt('FAULTLINE_BENCH_CORRECT', 1);
const runtime = (arg('runtime') ?? 'local') as RunOptions['runtime'];
if (!['local', 'docker', 'auto'].includes(runtime)) {
  process.stderr.write(`bench:bugs: --runtime must be local, docker or auto, got "${runtime}"\n`);
  process.exit(2);
}
// --bugs none: only the --nemesis all false-positive runs.
const only = arg('bugs') === 'none' ? [] : arg('bugs')?.split(',').filter(Boolean);
for (const b of only ?? []) {
  if (!(b in MIXES)) {
    process.stderr.write(`bench:bugs: unknown bug "${b}"; known: ${KNOWN_BUGS.join(', ')}\n`);
    process.exit(2);
  }
}
const out = mkdtempSync(join(tmpdir(), 'fl-bench-bugs-'));
const quiet = { line: () => undefined, message: () => undefined, fault: () => undefined };

interface Outcome {
  dir: string;
  results: Results;
  events: HistoryEvent[];
}

/** One run as `faultline run` does it (executeRun), and its history read back from its folder. */
async function once(o: Partial<RunOptions> & { seed: number }): Promise<{ r?: Outcome; error?: string }> {
  const opts: RunOptions = {
    ...DEFAULTS,
    runtime,
    out,
    timeLimitS: SECONDS,
    rate: 100,
    concurrency: 10,
    opTimeoutMs: 3000,
    checkTimeoutS: 60,
    ...o,
  };
  try {
    const kinds = requiredKinds(parseNemesisSpec(opts.nemesis));
    const prepared = await prepareTarget(opts.target, opts.targetOpts, opts.workload, kinds);
    const x = await executeRun(opts, prepared, new StopSignal(), quiet);
    if (x.verdict === 'error' || !x.dir || !x.results) return { error: x.error ?? 'the run left no results' };
    return { r: { dir: x.dir, results: x.results, events: (await readHistory(x.dir, 'jsonl')).events } };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  }
}

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

interface Row {
  bug: string;
  mix: Mix;
  runs: number;
  detectedAt?: number;
  firstViolationS?: number;
  fp: number;
  fpRuns: number;
  errors: string[];
}

async function benchBug(bug: keyof typeof MIXES): Promise<Row> {
  const mix = MIXES[bug];
  const base = {
    workload: mix.workload,
    nemesis: mix.nemesis,
    nemesisSchedule: mix.schedule,
    nemesisIntervalS: mix.intervalS,
    nodes: mix.nodes,
    rate: mix.rate ?? 100,
    concurrency: mix.concurrency ?? 10,
    ...(mix.opTimeoutMs ? { opTimeoutMs: mix.opTimeoutMs } : {}),
  };
  const opts = mix.targetOpts ?? {};
  const row: Row = { bug, mix, runs: 0, fp: 0, fpRuns: 0, errors: [] };
  for (let i = 1; i <= RUNS && row.detectedAt === undefined; i++) {
    const { r, error } = await once({ ...base, seed: SEED + i, targetOpts: { ...opts, bug } });
    row.runs = i;
    if (error) {
      row.errors.push(`seed ${SEED + i}: ${error}`);
      continue;
    }
    if (r!.results.valid === false) {
      row.detectedAt = i;
      row.firstViolationS = firstViolationS(r!.events, r!.results);
    }
    process.stderr.write(
      `  ${bug} seed ${SEED + i}: ${r!.results.valid === false ? 'INVALID' : String(r!.results.valid)}  ${r!.dir}\n`,
    );
  }
  // The correct cluster, same seeds, same mix.
  for (let i = 1; i <= (CORRECT ? row.runs : 0); i++) {
    const { r, error } = await once({ ...base, seed: SEED + i, targetOpts: opts });
    if (error) {
      row.errors.push(`correct seed ${SEED + i}: ${error}`);
      continue;
    }
    row.fpRuns++;
    if (r!.results.valid === false) {
      row.fp++;
      process.stderr.write(`  FALSE POSITIVE ${bug} mix, seed ${SEED + i}: ${r!.dir}\n`);
    }
  }
  return row;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const bugs = (only ?? [...KNOWN_BUGS]) as (keyof typeof MIXES)[];
  process.stderr.write(
    `bench:bugs: ${runtime} runtime, up to ${RUNS} runs of ${SECONDS} s per bug, ` +
      `seeds from ${SEED + 1}; results under ${out}\n`,
  );
  const rows: Row[] = [];
  for (const b of bugs) rows.push(await benchBug(b));
  let fpAll = 0,
    fpAllRuns = 0;
  const fpErrors: string[] = [];
  for (let i = 1; i <= FP_RUNS; i++) {
    const { r, error } = await once({
      workload: 'kv',
      nemesis: 'all',
      nemesisSchedule: 'random',
      nemesisIntervalS: 3,
      nodes: 3,
      seed: SEED + 100 + i,
      targetOpts: {},
    });
    if (error) {
      fpErrors.push(`seed ${SEED + 100 + i}: ${error}`);
      continue;
    }
    fpAllRuns++;
    if (r!.results.valid === false) {
      fpAll++;
      process.stderr.write(`  FALSE POSITIVE --nemesis all, seed ${SEED + 100 + i}: ${r!.dir}\n`);
    }
  }
  const minutes = ((Date.now() - t0) / 60_000).toFixed(1);
  const lines = [
    '| planted bug | workload | fault mix (schedule, interval) | runs to detection | first violation ' +
      '| false positives (correct cluster, same runs) |',
    `|---|---|---|---|---|---|`,
    ...rows.map((r) => {
      const opts = Object.entries(r.mix.targetOpts ?? {})
        .map(([k, v]) => `, ${k}=${v}`)
        .join('');
      const rate = r.mix.rate ? `, ${r.mix.rate} ops/s` : '';
      const timeout = r.mix.opTimeoutMs ? `, op timeout ${r.mix.opTimeoutMs} ms` : '';
      const mix =
        `\`${r.mix.nemesis}\` (${r.mix.schedule}, ${r.mix.intervalS} s, ${r.mix.nodes} nodes` +
        `${opts}${rate}${timeout})`;
      const first = r.firstViolationS !== undefined ? `${r.firstViolationS.toFixed(1)} s` : '—';
      return (
        `| \`${r.bug}\` | ${r.mix.workload} | ${mix} | ${r.detectedAt ?? `not in ${r.runs}`} | ${first} ` +
        `| ${r.fp} / ${r.fpRuns} |`
      );
    }),
  ];
  const found = rows.filter((r) => r.detectedAt !== undefined);
  const firstViolations = found.flatMap((r) => (r.firstViolationS !== undefined ? [r.firstViolationS] : []));
  console.log(lines.join('\n'));
  console.log('');
  console.log(
    `detected: ${found.length} of ${rows.length}; ` +
      `median runs to detection ${median(found.map((r) => r.detectedAt!)) ?? '—'}, ` +
      `median first violation ${median(firstViolations)?.toFixed(1) ?? '—'} s`,
  );
  console.log(
    `--nemesis all (random schedule, 3 s) on the correct cluster: ${fpAll} ` +
      `false positives in ${fpAllRuns} runs of ${SECONDS} s`,
  );
  for (const r of rows) for (const e of r.errors) console.log(`run error (${r.bug}): ${e}`);
  for (const e of fpErrors) console.log(`run error (--nemesis all): ${e}`);
  console.log(
    `${runtime} runtime, ${SECONDS} s runs, seeds from ${SEED + 1}; took ${minutes} min; results under ${out}`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:bugs failed: ${(e as Error).message}\n`);
  process.exit(1);
});

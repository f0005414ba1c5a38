// npm run bench:shrink — how small and how fast `faultline shrink` makes the planted stale-read runs. Collects
// invalid runs of the reference cluster with --bug stale-read on the local runtime (the issue's command:
// `faultline run --runtime local --bug stale-read --test-count 10 --time-limit 10`, one seed at a time so that
// several invalid runs are found), then shrinks each in-process and prints operations before/after and the time.
// Target (issue 10): at most 10 operations in under 10 s. BENCH_DIRS=dir1,dir2 shrinks existing run folders instead.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadForCheck } from '../harness/check/check-history.js';
import { shrinkHistory } from '../harness/shrink/shrink.js';
import { CLI } from '../test/helpers/paths.js';

const WANT = Number(process.env.BENCH_RUNS ?? 3);
const MAX_SEEDS = Number(process.env.BENCH_MAX_SEEDS ?? 20);
const dirs = (process.env.BENCH_DIRS ?? '').split(',').filter(Boolean);
if (dirs.length === 0) {
  const out = mkdtempSync(join(tmpdir(), 'fl-bench-shrink-'));
  for (let seed = 1; seed <= MAX_SEEDS && dirs.length < WANT; seed++) {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'run',
        '--runtime',
        'local',
        '--bug',
        'stale-read',
        '--time-limit',
        '10',
        '--seed',
        String(seed),
        '--out',
        out,
      ],
      { encoding: 'utf8' },
    );
    const m = /INVALID\s+(\S+)\/report\.html/.exec(r.stdout);
    console.log(`seed ${seed}: exit ${r.status}${m ? ` invalid: ${m[1]}` : ''}`);
    if (m) dirs.push(m[1]);
  }
}
let worstOps = 0,
  worstMs = 0;
for (const d of dirs) {
  const { history, spec } = await loadForCheck(d);
  const t0 = performance.now();
  const r = shrinkHistory(history, spec);
  const ms = performance.now() - t0;
  worstOps = Math.max(worstOps, r.after.ops);
  worstMs = Math.max(worstMs, ms);
  console.log(
    `${d}: ${r.before.ops} ops → ${r.after.ops} ops (key ${String(r.key)}), ` +
      `${r.tests} checks, ${ms.toFixed(0)} ms, verdict ${r.results.valid}`,
  );
}
console.log(
  `\n${dirs.length} invalid runs shrunk; worst: ${worstOps} operations, ${(worstMs / 1000).toFixed(2)} s ` +
    '(target: ≤ 10 operations, < 10 s) ' +
    `${worstOps <= 10 && worstMs < 10_000 && dirs.length > 0 ? 'MET' : 'NOT MET'}`,
);

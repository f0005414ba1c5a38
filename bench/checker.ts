// npm run bench:checker — checker speed and memory, parsing excluded.
// First every history of Porcupine's corpus on its own, as Porcupine's CheckEvents: a model instance, pairing the
// events into operations, partitioning, entry lists and search are timed, parsing the file is not (as in
// `faultline check`'s ms). After BENCH_WARMUP (20) untimed passes over the corpus (JIT warm-up, which Go does not
// need), each file gets the median of BENCH_RUNS (5) checks done back to back, verdict only. With
// PORCUPINE_TIMING=<file>[:<file>...] (outputs of ../shared/tools/porcupine-timing, run in the same sitting with
// the same REPS; several give each file their median) each file's time is also given as a ratio to Porcupine's,
// with one line saying whether every file is at most 0.5x (issue 20's goal). On a loaded machine, BENCH_ROUNDS=k
// repeats the per-file figures k times (each file gets the median of its rounds); take Porcupine's runs between
// such benchmarks and give them all. Then all 102 etcd logs in one pass (with and without the longest prefixes the
// report needs), a generated history of 100,000 operations over 1,000 keys (kv-register), and peak RSS.
// Then single-register histories, each in its own process so that its peak RSS is its own: 100,000+ operations
// from 10, 50 and 100 clients with unique values (decided without search) and 1,000,000 from 50 clients; the
// same shapes with repeated values (values 0-4: the general search, given 10 s, reports how far it got).
// BENCH_QUICK=1 skips the single-register part; BENCH_SCENARIO=<name> runs one scenario and prints JSON.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getModel } from '../harness/checker/models/registry.js';
import { checkOperations } from '../harness/checker/porcupine/index.js';
import type { CheckOptions, CheckVerdict } from '../harness/checker/porcupine/types.js';
import { clientEvents, type HistoryEvent } from '../harness/history/op.js';
import { readHistoryFile } from '../harness/history/readers/index.js';
import { syntheticRegisterHistory } from '../test/fixtures/synthetic-history.js';
import { type PorcupineTiming, readPorcupineTimingRuns } from './porcupine-timing.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const DIR = process.env.FAULTLINE_CONFORMANCE_DIR ?? resolve(ROOT, '..', 'shared', 'conformance', 'porcupine');
const RUNS = count('BENCH_RUNS', 5);
/** Rounds of the per-file figures over the corpus: each file's figure is the median of its rounds' medians. */
const ROUNDS = count('BENCH_ROUNDS', 1);
/**
 * Untimed passes over the corpus before the per-file figures. With 3, V8 was still compiling and deoptimizing the
 * checker's functions during the first files timed (a stretch of them 7x slower in most runs); 20 leave it settled.
 */
const WARMUP = count('BENCH_WARMUP', 20);
/** Issue 20's goal: every corpus file checked in at most this fraction of Porcupine's time. */
const GOAL = 0.5;

/** A positive integer from the environment, or a one-line error. */
function count(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:checker: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

interface Loaded {
  name: string;
  model: string;
  /** The history's client events, parsed: pairing them into operations is part of the check, as in Porcupine. */
  events: HistoryEvent[];
  ops: number;
}

async function load(rel: string, model: string): Promise<Loaded> {
  const h = await readHistoryFile(join(DIR, rel));
  const { toOperations } = getModel(model).create({});
  const events = clientEvents(h.events);
  return { name: rel, model, events, ops: toOperations(events).length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One check as `faultline check` times it: a model instance, events paired into operations, the search. */
function checkOne(h: Loaded, opts: CheckOptions): CheckVerdict {
  const { model, toOperations } = getModel(h.model).create({});
  return checkOperations(model, toOperations(h.events), opts).verdict;
}

function time(histories: Loaded[], opts: CheckOptions): { ms: number; verdicts: string[] } {
  const runs: number[] = [];
  let verdicts: string[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const t0 = performance.now();
    verdicts = histories.map((h) => checkOne(h, opts));
    if (r > 0) runs.push(performance.now() - t0); // run 0 warms the JIT
  }
  return { ms: median(runs), verdicts };
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
/** Milliseconds to the microsecond, as Porcupine's timing prints them, in a column of 9. */
const ms3 = (ms: number): string => `${ms.toFixed(3)} ms`.padStart(9);
const ratio = (ours: number, theirs: number): string => (theirs > 0 ? (ours / theirs).toFixed(2) : '-');

interface Scenario {
  name: string;
  ops: number;
  clients: number;
  unique: boolean;
  timeoutMs: number;
}
const SCENARIOS: Scenario[] = [
  ...[10, 50, 100].map((c) => ({ name: `unique-c${c}`, ops: 150_000, clients: c, unique: true, timeoutMs: 0 })),
  // 1,150,000 invocations leave about 1,010,000 operations once failed cas (which did not happen) are dropped.
  { name: 'unique-1m', ops: 1_150_000, clients: 50, unique: true, timeoutMs: 0 },
  ...[10, 50, 100].map((c) => ({ name: `repeated-c${c}`, ops: 150_000, clients: c, unique: false, timeoutMs: 10_000 })),
];

/** One single-register scenario in this process: generate, convert, check once; the check alone is timed. */
function runScenario(sc: Scenario): void {
  const events = syntheticRegisterHistory({
    seed: 9,
    ops: sc.ops,
    clients: sc.clients,
    keys: 0,
    infoRate: 0.004,
    unique: sc.unique,
  });
  const { model, toOperations } = getModel('cas-register').create({});
  const ops = toOperations(events);
  // Start the check with a clean heap: collecting the generator's garbage is not the checker's cost.
  (globalThis as { gc?: () => void }).gc?.();
  const r = checkOperations(model, ops, { timeoutMs: sc.timeoutMs, computeInfo: true });
  const p = r.partitions[0];
  console.log(
    JSON.stringify({
      ms: r.ms,
      verdict: r.verdict,
      method: p.method,
      ops: ops.length,
      invocations: sc.ops,
      steps: p.steps,
      deepest: p.deepest ?? null,
      evictions: r.cacheEvictions ?? 0,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

const only = process.env.BENCH_SCENARIO;
if (only) {
  const sc = SCENARIOS.find((x) => x.name === only);
  if (!sc) {
    console.error(`unknown scenario ${only}; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
    process.exit(3);
  }
  runScenario(sc);
  process.exit(0);
}

let porcupine: Map<string, PorcupineTiming> | undefined;
if (process.env.PORCUPINE_TIMING) {
  try {
    porcupine = readPorcupineTimingRuns(process.env.PORCUPINE_TIMING.split(delimiter));
  } catch (e) {
    console.error(`bench:checker: ${(e as Error).message}`);
    process.exit(2);
  }
}

const manifest = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  files: Record<string, { model: string; expected: string }>;
};
const corpus = await Promise.all(Object.entries(manifest.files).map(([f, m]) => load(f, m.model)));
const etcd = corpus.filter((h) => h.model === 'etcd');
const verdictOnly: CheckOptions = { computeInfo: false };
const withInfo: CheckOptions = { computeInfo: true };

let t0 = performance.now();
for (const h of corpus) checkOne(h, verdictOnly);
const coldMs = performance.now() - t0;
for (let w = 1; w < WARMUP; w++) for (const h of corpus) checkOne(h, verdictOnly);
console.log(
  `checker benchmark: node ${process.version}; parsing excluded, pairing included. Per file: median of ${RUNS} ` +
    `checks back to back${ROUNDS > 1 ? ` (median of ${ROUNDS} rounds over the corpus)` : ''} ` +
    `(verdict only), after ${WARMUP} untimed passes over the corpus (the first, JIT cold, took ${fmt(coldMs)}).`,
);
console.log(
  porcupine
    ? `Porcupine: ${process.env.PORCUPINE_TIMING} (median of its REPS checks per file, and of the files given; ` +
        'same sitting for the ratios)'
    : 'Porcupine: set PORCUPINE_TIMING=<output of ../shared/tools/porcupine-timing> for ratios',
);

interface Row {
  name: string;
  ms: number;
  porcupine?: PorcupineTiming;
}
// Each file's checks back to back, as Porcupine's timing does its REPS (the same statistic on both sides); with
// BENCH_ROUNDS, that again round after round over the corpus, so that a stretch of load from elsewhere on the
// machine spoils one round of a few files, which the median over rounds drops.
const rounds = corpus.map(() => [] as number[]);
const verdicts = corpus.map(() => 'unknown' as CheckVerdict);
for (let round = 0; round < ROUNDS; round++) {
  corpus.forEach((h, i) => {
    const runs: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      t0 = performance.now();
      verdicts[i] = checkOne(h, verdictOnly);
      runs.push(performance.now() - t0);
    }
    rounds[i].push(median(runs));
  });
}
const rows: Row[] = [];
let wrong = 0;
let disagree = 0;
console.log(
  `${'file'.padEnd(22)} ${'ops'.padStart(5)}  verdict  ${'ours'.padStart(9)}  ${'Porcupine'.padStart(9)}  ratio`,
);
corpus.forEach((h, i) => {
  const verdict = verdicts[i];
  const name = h.name.replace(/^test_data\//, '');
  const row: Row = { name, ms: median(rounds[i]), porcupine: porcupine?.get(name) };
  rows.push(row);
  if ((verdict === 'ok') !== (manifest.files[h.name].expected === 'linearizable')) wrong++;
  if (row.porcupine && row.porcupine.linearizable !== (verdict === 'ok')) disagree++;
  const p = row.porcupine;
  console.log(
    `${name.padEnd(22)} ${String(h.ops).padStart(5)}  ${verdict.padEnd(7)}  ${ms3(row.ms)}  ` +
      `${p ? ms3(p.ms) : '        -'}  ${p ? ratio(row.ms, p.ms) : '-'}`,
  );
});
const etcdRows = rows.filter((r) => r.name.startsWith('jepsen/'));
const etcdSum = etcdRows.reduce((a, r) => a + r.ms, 0);
const etcdTheirs = etcdRows.every((r) => r.porcupine) ? etcdRows.reduce((a, r) => a + r.porcupine!.ms, 0) : 0;
console.log(
  `${`jepsen: ${etcdRows.length} logs, sum`.padEnd(36)} ${ms3(etcdSum)}  ` +
    `${etcdTheirs ? `${ms3(etcdTheirs)}  ${ratio(etcdSum, etcdTheirs)}` : '        -  -'}`,
);
console.log(`verdicts: ${wrong} differ from expected.json${porcupine ? `, ${disagree} from Porcupine's` : ''}`);
if (porcupine) console.log(goalLine(rows));

/** Whether every file is within GOAL of Porcupine's time, which are not, and the worst ratio. */
function goalLine(rows: Row[]): string {
  const timed = rows.filter((r) => r.porcupine);
  const r = (x: Row): number => x.ms / x.porcupine!.ms;
  const over = timed.filter((x) => r(x) > GOAL);
  const worst = timed.reduce((w, x) => (r(x) > r(w) ? x : w), timed[0]);
  const missing = rows.length - timed.length;
  const parts = [`${timed.length - over.length} of ${rows.length} files`];
  if (missing) parts.push(`${missing} without a Porcupine figure`);
  if (worst) parts.push(`worst ${worst.name} ${r(worst).toFixed(2)}x`);
  if (over.length) parts.push(`over: ${over.map((x) => `${x.name} ${r(x).toFixed(2)}x`).join(', ')}`);
  const met = over.length === 0 && missing === 0;
  return `every file at most ${GOAL}x Porcupine: ${met ? 'yes' : 'no'} (${parts.join('; ')})`;
}

const all = time(etcd, verdictOnly).ms;
const info = time(etcd, withInfo).ms;
console.log(`etcd: all ${etcd.length} logs in one pass      ${fmt(all)}  (verdict only)`);
const why = 'longest prefixes for the report, as `faultline check` does';
console.log(`etcd: all ${etcd.length} logs, with info    ${fmt(info)}  (${why})`);

// 100,000 operations over 1,000 keys, 50 clients, 2% indeterminate: linearizable by construction.
const events = syntheticRegisterHistory({ seed: 42, ops: 100_000, clients: 50, keys: 1000, infoRate: 0.02 });
const big: Loaded = { name: 'synthetic', model: 'kv-register', events, ops: 0 };
const bigRun = time([big], verdictOnly);
console.log(`kv-register: 100,000 ops over 1,000 keys  ${fmt(bigRun.ms)}  (verdict ${bigRun.verdicts[0]})`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (whole process, inputs included)`);

if (!process.env.BENCH_QUICK) {
  console.log(
    'single register (cas-register), one process each, 0.4% indeterminate; check time only, peak RSS of that process:',
  );
  for (const sc of SCENARIOS) {
    const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_SCENARIO: sc.name },
      encoding: 'utf8',
    });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      console.log(`  ${sc.name}: failed (${child.stderr.trim().split('\n').pop()})`);
      continue;
    }
    const r = JSON.parse(line) as {
      ms: number;
      verdict: string;
      method: string;
      ops: number;
      invocations: number;
      steps: number;
      deepest: number | null;
      evictions: number;
      maxRssMiB: number;
    };
    const values = sc.unique ? 'unique values' : 'values 0-4';
    const how =
      r.method === 'decide'
        ? 'decided without search'
        : `search: ${r.steps.toLocaleString('en')} steps, ` +
          `deepest ${r.deepest?.toLocaleString('en')} of ${r.ops.toLocaleString('en')} ops linearized` +
          `${r.evictions ? `, cache emptied ${r.evictions}×` : ''}`;
    console.log(
      `  ${String(sc.clients).padStart(3)} clients, ${r.ops.toLocaleString('en').padStart(9)} ops ` +
        `(of ${r.invocations.toLocaleString('en')} invoked), ${values.padEnd(13)} ${r.verdict.padEnd(7)} ` +
        `${fmt(r.ms).padStart(9)}  peak RSS ${r.maxRssMiB.toFixed(0)} MiB  (${how})`,
    );
  }
}

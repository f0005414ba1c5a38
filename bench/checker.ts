// npm run bench:checker — checker speed and memory, parsing excluded, median of 5 runs after one warm-up.
// Figures: all 102 Porcupine etcd logs together, the two hard ones alone, each kv file, and a generated
// history of 100,000 operations over 1,000 keys (kv-register), plus peak RSS. Then single-register histories,
// each in its own process so that its peak RSS is its own: 100,000+ operations from 10, 50 and 100 clients
// with unique values (decided without search) and 1,000,000 from 50 clients; the same shapes with repeated
// values (values 0-4: the general search, given 10 s, reports how far it got).
// BENCH_QUICK=1 skips the single-register part; BENCH_SCENARIO=<name> runs one scenario and prints JSON.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getModel } from '../harness/checker/models/registry.js';
import { checkOperations } from '../harness/checker/porcupine/index.js';
import type { CheckOptions, Operation } from '../harness/checker/porcupine/types.js';
import { readHistoryFile } from '../harness/history/readers/index.js';
import { syntheticRegisterHistory } from '../harness/history/synthetic.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const DIR = process.env.FAULTLINE_CONFORMANCE_DIR ?? resolve(ROOT, '..', 'shared', 'conformance', 'porcupine');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Loaded {
  name: string;
  model: string;
  ops: Operation[];
}

async function load(rel: string, model: string): Promise<Loaded> {
  const h = await readHistoryFile(join(DIR, rel));
  const { toOperations } = getModel(model).create({});
  return { name: rel, model, ops: toOperations(h.events.filter((e) => e.process !== 'nemesis')) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(histories: Loaded[], opts: CheckOptions): { ms: number; verdicts: string[] } {
  const runs: number[] = [];
  let verdicts: string[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const t0 = performance.now();
    verdicts = histories.map((h) => checkOperations(getModel(h.model).create({}).model, h.ops, opts).verdict);
    if (r > 0) runs.push(performance.now() - t0); // run 0 warms the JIT
  }
  return { ms: median(runs), verdicts };
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

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

const manifest = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  files: Record<string, { model: string; expected: string }>;
};
const etcdFiles = Object.keys(manifest.files).filter((f) => f.includes('jepsen/'));
const kvFiles = Object.keys(manifest.files).filter((f) => f.includes('kv/'));
const etcd = await Promise.all(etcdFiles.map((f) => load(f, 'etcd')));
const kv = await Promise.all(kvFiles.map((f) => load(f, 'kv')));

console.log(`checker benchmark: median of ${RUNS} runs after a warm-up; node ${process.version}; parsing excluded`);
const verdictOnly: CheckOptions = { computeInfo: false };
const withInfo: CheckOptions = { computeInfo: true };
const all = time(etcd, verdictOnly);
const wrong = all.verdicts.filter(
  (v, i) => (v === 'ok') !== (manifest.files[etcd[i].name].expected === 'linearizable'),
).length;
console.log(`etcd: all ${etcd.length} logs together      ${fmt(all.ms)}  (verdict only; ${wrong} wrong verdicts)`);
console.log(
  `etcd: all ${etcd.length} logs, with info    ${fmt(time(etcd, withInfo).ms)}` +
    `  (longest prefixes for the report, as \`faultline check\` does)`,
);
for (const n of ['etcd_002', 'etcd_007']) {
  const h = etcd.filter((x) => x.name.includes(n));
  console.log(`etcd: ${n} alone              ${fmt(time(h, verdictOnly).ms)}`);
}
for (const h of kv) console.log(`kv:   ${h.name.padEnd(26)} ${fmt(time([h], verdictOnly).ms)}  (${h.ops.length} ops)`);

// 100,000 operations over 1,000 keys, 50 clients, 2% indeterminate: linearizable by construction.
const events = syntheticRegisterHistory({ seed: 42, ops: 100_000, clients: 50, keys: 1000, infoRate: 0.02 });
const big: Loaded = {
  name: 'synthetic',
  model: 'kv-register',
  ops: getModel('kv-register').create({}).toOperations(events),
};
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
        : `search: ${r.steps.toLocaleString('en')} steps, deepest ${r.deepest?.toLocaleString('en')} ` +
          `of ${r.ops.toLocaleString('en')} ops linearized` +
          `${r.evictions ? `, cache emptied ${r.evictions}×` : ''}`;
    console.log(
      `  ${String(sc.clients).padStart(3)} clients, ${r.ops.toLocaleString('en').padStart(9)} ops ` +
        `(of ${r.invocations.toLocaleString('en')} invoked), ` +
        `${values.padEnd(13)} ${r.verdict.padEnd(7)} ${fmt(r.ms).padStart(9)}  ` +
        `peak RSS ${r.maxRssMiB.toFixed(0)} MiB  (${how})`,
    );
  }
}

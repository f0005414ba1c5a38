// npm run bench:checker — checker speed and memory, parsing excluded, median of 5 runs after one warm-up.
// Figures: all 102 Porcupine etcd logs together, the two hard ones alone, each kv file, and a generated
// history of 100,000 operations over 1,000 keys (kv-register), plus peak RSS.
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

interface Loaded { name: string; model: string; ops: Operation[] }

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

const manifest = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { files: Record<string, { model: string; expected: string }> };
const etcdFiles = Object.keys(manifest.files).filter((f) => f.includes('jepsen/'));
const kvFiles = Object.keys(manifest.files).filter((f) => f.includes('kv/'));
const etcd = await Promise.all(etcdFiles.map((f) => load(f, 'etcd')));
const kv = await Promise.all(kvFiles.map((f) => load(f, 'kv')));

console.log(`checker benchmark: median of ${RUNS} runs after a warm-up; node ${process.version}; parsing excluded`);
const verdictOnly: CheckOptions = { computeInfo: false };
const withInfo: CheckOptions = { computeInfo: true };
const all = time(etcd, verdictOnly);
const wrong = all.verdicts.filter((v, i) => (v === 'ok') !== (manifest.files[etcd[i].name].expected === 'linearizable')).length;
console.log(`etcd: all ${etcd.length} logs together      ${fmt(all.ms)}  (verdict only; ${wrong} wrong verdicts)`);
console.log(`etcd: all ${etcd.length} logs, with info    ${fmt(time(etcd, withInfo).ms)}  (longest prefixes for the report, as \`faultline check\` does)`);
for (const n of ['etcd_002', 'etcd_007']) {
  const h = etcd.filter((x) => x.name.includes(n));
  console.log(`etcd: ${n} alone              ${fmt(time(h, verdictOnly).ms)}`);
}
for (const h of kv) console.log(`kv:   ${h.name.padEnd(26)} ${fmt(time([h], verdictOnly).ms)}  (${h.ops.length} ops)`);

// 100,000 operations over 1,000 keys, 50 clients, 2% indeterminate: linearizable by construction.
const events = syntheticRegisterHistory({ seed: 42, ops: 100_000, clients: 50, keys: 1000, infoRate: 0.02 });
const big: Loaded = { name: 'synthetic', model: 'kv-register', ops: getModel('kv-register').create({}).toOperations(events) };
const bigRun = time([big], verdictOnly);
console.log(`kv-register: 100,000 ops over 1,000 keys  ${fmt(bigRun.ms)}  (verdict ${bigRun.verdicts[0]})`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (whole process, inputs included)`);

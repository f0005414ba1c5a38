#!/usr/bin/env node
// The three walks through the harness's code that docs/architecture.md describes, measured: which source files
// a run (`faultline run`, from the command to the verdict), a fault (one partition, from the schedule to the
// relay or iptables rule and its heal) and a re-check (`faultline check DIR`) pass through. A file is passed
// through when one of its functions ran (V8's precise coverage), not merely when it was loaded; the files are
// then checked against the layering (scripts/imports.mjs): how many of the imports among them run the wrong way.
//
//   node scripts/walks.mjs [--root DIR] [--runtime local|docker] [--json]
//
// Needs a build (dist/) of the checkout it measures. --root measures another checkout (built, with its own
// dist/) using this one's table: how the figures before a change are taken. The run is short (3 nodes, 6 s of
// register load under partitions); the fault walk brings a 3-node reference cluster up, then measures only the
// fault itself. Figures are file counts, so machine load does not change them, only how long this takes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cycles, importGraph, offence, readTable } from './imports.mjs';

const HERE = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const root = resolve(opt('--root', HERE));
const runtime = opt('--runtime', 'local');
if (!['local', 'docker'].includes(runtime)) {
  process.stderr.write(`walks: --runtime must be local or docker, got ${runtime}\n`);
  process.exit(3);
}

/** Source files (relative .ts paths) with a function other than the module's top level that ran. */
function ranFiles(coverage) {
  const out = new Set();
  for (const s of coverage) {
    if (!s.url.startsWith('file://')) continue;
    const file = relative(join(root, 'dist'), fileURLToPath(s.url));
    if (file.startsWith('..') || !file.endsWith('.js') || file.startsWith('test/')) continue;
    const ran = s.functions.some(
      (f) => !(f.functionName === '' && f.ranges[0].startOffset === 0) && f.ranges[0].count > 0,
    );
    if (ran) out.add(file.replace(/\.js$/, '.ts'));
  }
  return [...out].sort();
}

/** Runs node with V8 coverage on; returns the coverage of that process alone (not of the nodes it starts). */
function covered(argv, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fl-walk-cov-'));
  try {
    const r = spawnSync(process.execPath, argv, {
      cwd: root,
      env: { ...process.env, ...env, NODE_V8_COVERAGE: dir, FORCE_COLOR: '0' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const mine = readdirSync(dir).filter((f) => f.startsWith(`coverage-${r.pid}-`));
    const result = mine.flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).result);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const table = readTable(HERE);
const graph = importGraph(root);

function summary(name, files) {
  const inWalk = new Set(files);
  const edges = graph.edges.filter((e) => inWalk.has(e.from) && inWalk.has(e.to));
  const against = edges.filter((e) => offence(table, e) !== undefined);
  const folders = new Set(
    files.map((f) =>
      f
        .split('/')
        .slice(0, f.startsWith('harness/') ? 2 : 1)
        .join('/'),
    ),
  );
  const circles = cycles({ files, edges });
  return {
    walk: name,
    files: files.length,
    folders: folders.size,
    imports: edges.length,
    circles,
    against,
    list: files,
  };
}

const out = mkdtempSync(join(tmpdir(), 'fl-walk-out-'));
const walks = [];
try {
  const run = covered([
    'bin/faultline.js',
    'run',
    '--runtime',
    runtime,
    '--nodes',
    '3',
    '--workload',
    'register',
    '--nemesis',
    'partition',
    '--nemesis-interval',
    '2',
    '--time-limit',
    '6',
    '--seed',
    '1',
    '--out',
    out,
  ]);
  if (run.status !== 0) throw new Error(`the run walk exited ${run.status}: ${run.stderr.trim().split('\n').pop()}`);
  walks.push(summary('run', ranFiles(run.result)));
  const folder = /(\S+)\/report\.html/.exec(run.stdout)?.[1];
  if (!folder) throw new Error(`the run printed no report path:\n${run.stdout}`);
  const check = covered(['bin/faultline.js', 'check', folder]);
  if (check.status !== 0) throw new Error(`the re-check exited ${check.status}: ${check.stderr.trim()}`);
  walks.push(summary('re-check', ranFiles(check.result)));
  // The driver takes coverage itself around the fault alone (Profiler.takePreciseCoverage) and prints it.
  const fault = spawnSync(
    process.execPath,
    [join(HERE, 'scripts', 'walk-fault.mjs'), root, runtime, join(out, 'fault')],
    { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (fault.status !== 0) throw new Error(`the fault walk exited ${fault.status}: ${fault.stderr.trim()}`);
  walks.push(summary('fault', ranFiles(JSON.parse(fault.stdout.trim().split('\n').pop()).result)));
} finally {
  rmSync(out, { recursive: true, force: true });
}

if (args.includes('--json')) process.stdout.write(`${JSON.stringify(walks)}\n`);
else {
  process.stdout.write(`walks through ${root} (${runtime} runtime), files whose code ran:\n`);
  for (const w of walks) {
    process.stdout.write(
      `  ${w.walk}: ${w.files} files in ${w.folders} folders; ${w.imports} imports among them, ` +
        `${w.circles.length} cycles, ${w.against.length} against docs/layers.json\n`,
    );
    for (const c of w.circles) process.stdout.write(`    cycle: ${c.circle.join(' -> ')}\n`);
    for (const e of w.against) process.stdout.write(`    ${e.from}:${e.line} imports ${e.to}\n`);
  }
  if (args.includes('--list'))
    for (const w of walks) process.stdout.write(`\n${w.walk}:\n${w.list.map((f) => `  ${f}`).join('\n')}\n`);
}

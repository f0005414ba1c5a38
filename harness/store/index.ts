// The results index: every run folder under a results root (root/<test>/<run>/ holding test.json), newest first,
// with what a person scans for (verdict, test, runtime, target, nemesis, seed, duration, and for an invalid run
// the operation that proves it). `faultline serve` lists it, and after every run results/index.html is rewritten
// with the same list (rendered by report/index-page.ts), so a CI artifact is browsable without a server.
// Only real folders are walked: a symlink (results/latest, or one planted to lead out of the root) is skipped.
// How an invalid run's results are summarised is the caller's (the check pipeline knows how to describe an
// operation; the store sits below it and only hands the parsed results.json over).
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Results, Validity } from '../checker/results.js';
import { writeFileAtomic } from './files.js';
import { readResults, readTest, readVerdict } from './folder.js';
import type { RunOptions } from './test.js';

export type EntryVerdict = Validity | 'incomplete' | 'unreadable';

export interface RunEntry {
  /** Folder relative to the root, with forward slashes: "<test>/<run>". */
  path: string;
  name: string;
  verdict: EntryVerdict;
  /** The run itself failed (its verdict is then never valid). */
  error?: string;
  /** Where the cluster ran: docker, local, ssh (test.json's runtime, as resolved from auto). */
  runtime: string;
  target: string;
  workload: string;
  nemesis: string;
  /** An invalid run's first offending operation, or its anomalies' names, as one short line. */
  offending?: string;
  /** Anomaly names the checkers stored (transactional checkers: G1c, G2, ...). */
  anomalies?: string[];
  seed?: number;
  startedAt: string;
  durationS?: number;
  command?: string;
  hasReport: boolean;
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
}

/** What an invalid run's results.json says went wrong, for the index (the check pipeline's firstOffending). */
export type Summarise = (results: Results) => { offending?: string; anomalies?: string[] };

/**
 * Largest results.json parsed for the index's offending column: an invalid run's file holds every failing
 * partition's operations; past this the column says so instead of parsing it on every listing.
 */
export const MAX_INDEX_RESULTS_BYTES = 32 * 1024 * 1024;

/** Caches entries by folder and the mtimes of its JSON files: serve lists often, runs change rarely. */
const cache = new Map<string, { stamp: string; entry: RunEntry }>();

function stampOf(dir: string): string {
  const m = (f: string): string => {
    try {
      return String(statSync(join(dir, f)).mtimeMs);
    } catch {
      return '-';
    }
  };
  return `${m('test.json')}|${m('results.json')}|${m('report.html')}`;
}

function summary(dir: string, summarise: Summarise | undefined): Pick<RunEntry, 'offending' | 'anomalies'> {
  if (!summarise) return {};
  try {
    if (statSync(join(dir, 'results.json')).size > MAX_INDEX_RESULTS_BYTES)
      return { offending: `(results.json over ${MAX_INDEX_RESULTS_BYTES / 2 ** 20} MiB: see the report)` };
    const r = readResults(dir);
    if (!r) return {};
    const s = summarise(r);
    return {
      ...(s.offending ? { offending: s.offending } : {}),
      ...(s.anomalies?.length ? { anomalies: s.anomalies } : {}),
    };
  } catch (e) {
    return { offending: `(unreadable: ${(e as Error).message.split('\n')[0]})` };
  }
}

export function readEntry(root: string, rel: string, summarise?: Summarise): RunEntry {
  const dir = join(root, rel);
  const stamp = `${stampOf(dir)}|${summarise ? 's' : '-'}`;
  const hit = cache.get(dir);
  if (hit && hit.stamp === stamp) return hit.entry;
  let entry: RunEntry;
  const base = {
    path: rel,
    name: rel.split('/')[0],
    runtime: '',
    target: '',
    workload: '',
    nemesis: '',
    startedAt: '',
    hasReport: isFile(join(dir, 'report.html')),
  };
  try {
    const t = readTest(dir)!;
    let verdict: EntryVerdict = 'incomplete';
    try {
      const v = readVerdict(dir);
      if (v !== undefined) verdict = v;
    } catch {
      verdict = 'unreadable';
    }
    const o = (t.options ?? {}) as Partial<RunOptions>;
    const started = Date.parse(t.startedAt);
    const finished = t.finishedAt ? Date.parse(t.finishedAt) : NaN;
    entry = {
      ...base,
      name: t.name,
      verdict,
      ...(t.error ? { error: t.error } : {}),
      runtime: String(t.runtime ?? o.runtime ?? ''),
      target: t.target?.name ?? String(o.target ?? ''),
      workload: String(o.workload ?? ''),
      nemesis: String(o.nemesis ?? ''),
      seed: typeof o.seed === 'number' ? o.seed : undefined,
      startedAt: t.startedAt,
      durationS: Number.isFinite(started) && Number.isFinite(finished) ? (finished - started) / 1000 : undefined,
      command: t.command,
      ...(verdict === false ? summary(dir, summarise) : {}),
    };
  } catch (e) {
    entry = { ...base, verdict: 'unreadable', error: (e as Error).message.split('\n')[0] };
  }
  cache.set(dir, { stamp, entry });
  return entry;
}

/**
 * Whether root/<test>/<run> is a run folder the index lists: neither name hidden, both real folders (no symlink on
 * the way), holding a regular test.json. What the index lists is what `serve` treats as Faultline's.
 */
export function isListedRun(root: string, test: string, run: string): boolean {
  if (test.startsWith('.') || run.startsWith('.') || !isDir(join(root, test))) return false;
  const dir = join(root, test, run);
  return isDir(dir) && isFile(join(dir, 'test.json'));
}

/** Every run under `root`, newest first; `summarise` fills the offending column of invalid runs. */
export function listRuns(root: string, summarise?: Summarise): RunEntry[] {
  const out: RunEntry[] = [];
  let tests: string[];
  try {
    tests = readdirSync(root);
  } catch {
    return [];
  }
  for (const t of tests) {
    if (t.startsWith('.') || !isDir(join(root, t))) continue;
    let runs: string[];
    try {
      runs = readdirSync(join(root, t));
    } catch {
      continue;
    }
    for (const r of runs) if (isListedRun(root, t, r)) out.push(readEntry(root, `${t}/${r}`, summarise));
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.path.localeCompare(a.path));
}

/** The columns the index filters on exactly (a select of the values present), and the substring ones. */
export const EXACT_FILTERS = ['verdict', 'runtime', 'target', 'workload', 'nemesis'] as const;
export const TEXT_FILTERS = ['name', 'offending'] as const;
export type IndexFilter = Partial<Record<(typeof EXACT_FILTERS)[number] | (typeof TEXT_FILTERS)[number], string>>;

/** A run's value for a filter column, as the page's data attributes hold it (text columns lower-cased). */
export function filterValue(r: RunEntry, key: keyof IndexFilter): string {
  switch (key) {
    case 'verdict':
      return verdictKey(r.verdict);
    case 'name':
      return r.name.toLowerCase();
    case 'offending':
      return [r.offending ?? '', ...(r.anomalies ?? [])].join(' ').toLowerCase();
    default:
      return r[key];
  }
}

/**
 * The filter both the server and the static page's script apply: exact columns must equal the value given, text
 * columns must contain it (case-insensitively); an empty value does not filter.
 */
export function filterRuns(runs: readonly RunEntry[], f: IndexFilter): RunEntry[] {
  return runs.filter(
    (r) =>
      EXACT_FILTERS.every((k) => !f[k] || filterValue(r, k) === f[k]) &&
      TEXT_FILTERS.every((k) => !f[k] || filterValue(r, k).includes(f[k]!.toLowerCase())),
  );
}

export function verdictKey(v: EntryVerdict): string {
  return v === true ? 'valid' : v === false ? 'invalid' : v;
}

/** Runs of one workload, seed and nemesis: the same test against different targets or runtimes. */
export interface SideBySide {
  workload: string;
  seed?: number;
  nemesis: string;
  /** Newest run of each (target, runtime), ordered by target then runtime. */
  runs: RunEntry[];
}

/**
 * Groups runs by (workload, seed, nemesis) and keeps the groups that ran on more than one target or runtime: the
 * side-by-side view, where the same schedule against reference, etcd and a user's target shows which anomalies
 * each one let through. Within a (target, runtime) only the newest run is shown (runs come newest first).
 */
export function sideBySide(runs: readonly RunEntry[]): SideBySide[] {
  const groups = new Map<string, SideBySide & { seen: Set<string> }>();
  for (const r of runs) {
    if (!r.workload) continue;
    const key = JSON.stringify([r.workload, r.seed ?? null, r.nemesis]);
    let g = groups.get(key);
    if (!g) {
      g = { workload: r.workload, seed: r.seed, nemesis: r.nemesis, runs: [], seen: new Set() };
      groups.set(key, g);
    }
    const where = JSON.stringify([r.target, r.runtime]);
    if (g.seen.has(where)) continue;
    g.seen.add(where);
    g.runs.push(r);
  }
  const out: SideBySide[] = [];
  for (const { seen, ...g } of groups.values()) {
    if (g.runs.length < 2) continue;
    g.runs.sort((a, b) => a.target.localeCompare(b.target) || a.runtime.localeCompare(b.runtime));
    out.push(g);
  }
  return out;
}

/** Replaces root/index.html with the page given (report/index-page.ts renders it); returns its path. */
export function writeIndexFile(root: string, html: string): string {
  const p = join(root, 'index.html');
  writeFileAtomic(p, html);
  return p;
}

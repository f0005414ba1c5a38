// The results index: every run folder under a results root (root/<test>/<run>/ holding test.json), newest first,
// with what a person scans for (verdict, test, target, seed, duration). `faultline serve` lists it, and after
// every run results/index.html is rewritten with the same list (rendered by report/index-page.ts), so a CI
// artifact is browsable without a server.
// Only real folders are walked: a symlink (results/latest, or one planted to lead out of the root) is skipped.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Validity } from '../checker/results.js';
import { writeFileAtomic } from './files.js';
import { readTest, readVerdict } from './folder.js';
import type { RunOptions } from './test.js';

export type EntryVerdict = Validity | 'incomplete' | 'unreadable';

export interface RunEntry {
  /** Folder relative to the root, with forward slashes: "<test>/<run>". */
  path: string;
  name: string;
  verdict: EntryVerdict;
  /** The run itself failed (its verdict is then never valid). */
  error?: string;
  target: string;
  workload: string;
  nemesis: string;
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

/** Caches entries by folder and the mtimes of its two JSON files: serve lists often, runs change rarely. */
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

export function readEntry(root: string, rel: string): RunEntry {
  const dir = join(root, rel);
  const stamp = stampOf(dir);
  const hit = cache.get(dir);
  if (hit && hit.stamp === stamp) return hit.entry;
  let entry: RunEntry;
  const base = {
    path: rel,
    name: rel.split('/')[0],
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
      target: t.target?.name ?? String(o.target ?? ''),
      workload: String(o.workload ?? ''),
      nemesis: String(o.nemesis ?? ''),
      seed: typeof o.seed === 'number' ? o.seed : undefined,
      startedAt: t.startedAt,
      durationS: Number.isFinite(started) && Number.isFinite(finished) ? (finished - started) / 1000 : undefined,
      command: t.command,
    };
  } catch (e) {
    entry = { ...base, verdict: 'unreadable', error: (e as Error).message.split('\n')[0] };
  }
  cache.set(dir, { stamp, entry });
  return entry;
}

/** Every run under `root`, newest first. */
export function listRuns(root: string): RunEntry[] {
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
    for (const r of runs) {
      const dir = join(root, t, r);
      if (r.startsWith('.') || !isDir(dir) || !isFile(join(dir, 'test.json'))) continue;
      out.push(readEntry(root, `${t}/${r}`));
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.path.localeCompare(a.path));
}

export interface IndexFilter {
  verdict?: string;
  name?: string;
}

/** The filter both the server and the static page's script apply: verdict exactly, name as a substring. */
export function filterRuns(runs: readonly RunEntry[], f: IndexFilter): RunEntry[] {
  const name = (f.name ?? '').toLowerCase();
  return runs.filter(
    (r) => (!f.verdict || verdictKey(r.verdict) === f.verdict) && (!name || r.name.toLowerCase().includes(name)),
  );
}

export function verdictKey(v: EntryVerdict): string {
  return v === true ? 'valid' : v === false ? 'invalid' : v;
}

/** Replaces root/index.html with the page given (report/index-page.ts renders it); returns its path. */
export function writeIndexFile(root: string, html: string): string {
  const p = join(root, 'index.html');
  writeFileAtomic(p, html);
  return p;
}

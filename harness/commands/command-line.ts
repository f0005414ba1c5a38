// The command line that reruns a test, recorded in test.json and shown in the report: `faultline run` with
// every option as its flag (never an internal option name), so it reruns the same test even if a default
// changes. Options this table does not know (added later) are written as their kebab-case flag.
import type { RunOptions } from '../store/test.js';

/** RunOptions field → flag; null: not part of a single rerun. */
const FLAGS: Record<string, string | null> = {
  runtime: '--runtime',
  target: '--target',
  targetOpts: '--target-opt',
  workload: '--workload',
  nemesis: '--nemesis',
  nodes: '--nodes',
  concurrency: '--concurrency',
  rate: '--rate',
  timeLimitS: '--time-limit',
  seed: '--seed',
  testCount: null,
  out: '--out',
  nemesisIntervalS: '--nemesis-interval',
  opTimeoutMs: '--op-timeout',
  checkTimeoutS: '--check-timeout',
};

/** A word for a POSIX shell: bare when it is plainly safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const kebab = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The flags of a run's options, in a stable order (the table's, then any others alphabetically). */
export function runFlags(o: RunOptions, actualRuntime?: string): string[] {
  const out: string[] = [];
  const rec = o as unknown as Record<string, unknown>;
  const keys = [
    ...Object.keys(FLAGS).filter((k) => k in rec),
    ...Object.keys(rec)
      .filter((k) => !(k in FLAGS))
      .sort(),
  ];
  for (const k of keys) {
    const flag = FLAGS[k] === undefined ? kebab(k) : FLAGS[k];
    const v = rec[k];
    if (flag === null || v === undefined || v === null) continue;
    if (k === 'targetOpts') {
      for (const [name, val] of Object.entries(v as Record<string, string>)) out.push(flag, `${name}=${val}`);
      continue;
    }
    if (k === 'runtime' && v === 'auto' && (actualRuntime === 'docker' || actualRuntime === 'local')) {
      out.push(flag, actualRuntime);
      continue;
    }
    if (typeof v === 'boolean') {
      out.push(v ? flag : `--no-${flag.slice(2)}`);
      continue;
    }
    if (Array.isArray(v)) {
      for (const x of v) out.push(flag, String(x));
      continue;
    }
    if (typeof v === 'object') {
      out.push(flag, JSON.stringify(v));
      continue;
    }
    out.push(flag, String(v));
  }
  return out;
}

export function commandLine(o: RunOptions, actualRuntime?: string): string {
  return ['faultline', 'run', ...runFlags(o, actualRuntime)].map(shellWord).join(' ');
}

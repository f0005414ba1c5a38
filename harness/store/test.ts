// The record of one test, Jepsen's test map: every option of the run, the target it ran against, what its
// history is checked with, what ran it and how it went. test.json is this record; the history header and the check
// spec are views of it (historyHeader, checks), so the three never disagree. The store reads and validates it
// (validate.ts) and names the test's folder by it (testName).
import type { CheckSpec } from '../checker/check-spec.js';

/** Everything that defines a run, every option with its value: a run can be understood and redone from it. */
export interface RunOptions {
  runtime: 'docker' | 'local' | 'ssh' | 'auto';
  /** What is tested: a built-in target (reference, etcd) or the path of a user's target module. */
  target: string;
  /** --target-opt NAME=VALUE pairs (the reference target's planted bugs are `bug`). */
  targetOpts: Record<string, string>;
  workload: string;
  nemesis: string;
  nodes: number;
  concurrency: number;
  /** Target total ops/s across all workers (0: as fast as possible). */
  rate: number;
  timeLimitS: number;
  seed: number;
  testCount: number;
  /** Results root (default results/). */
  out: string;
  /**
   * The nemesis schedule's time unit in seconds: alternate's quiet and fault length, random's mean gap and duration.
   */
  nemesisIntervalS: number;
  /** How faults are timed (harness/nemesis/plan.ts): alternate, random or burst. */
  nemesisSchedule: 'alternate' | 'random' | 'burst';
  /** Client ops/s for burstSeconds either side of every planned fault start and stop (undefined: 3 × rate). */
  burstRate?: number;
  /** Half-width of a load burst around each fault transition, seconds (0: no bursts). */
  burstSeconds: number;
  opTimeoutMs: number;
  /** Checker time budget in seconds (0: no limit). */
  checkTimeoutS: number;
  /** --runtime ssh: the hosts file, and the key and known_hosts when not beside it (docs/ssh.md). */
  hosts?: string;
  sshKey?: string;
  sshKnownHosts?: string;
  sshAcceptNew?: boolean;
}

export interface Test {
  name: string;
  options: RunOptions;
  runtime: string;
  /** The system under test: a built-in target's name or a module path, its resolved options, its version. */
  target: { name: string; options: Record<string, string>; version?: string };
  /** What the history is checked with (the workload's checkers, model, time budget): `check DIR` uses exactly this. */
  checks?: CheckSpec;
  /** The command line that reruns this test (flags, not option names). */
  command?: string;
  startedAt: string;
  finishedAt?: string;
  nodes: { name: string; url: string }[];
  versions: { faultline: string; node: string };
  /** Why the run stopped early (SIGINT, error), if it did. */
  interrupted?: string;
  error?: string;
}

/**
 * The test's name in the results tree: the target's own name (unless the reference cluster), workload, faults,
 * planted bugs. Without the loaded target's name (a run that failed before loading it), a module path's file
 * name stands in.
 */
export function testName(
  o: RunOptions,
  targetName = o.target
    .replace(/\\/g, '/')
    .split('/')
    .pop()!
    .replace(/\.(m?js|cjs|ts)$/, ''),
): string {
  const parts = targetName === 'reference' ? [] : [targetName];
  parts.push(o.workload, o.nemesis.replace(/,/g, '+').replace(/[:/]/g, '.') || 'none');
  const bugs = (o.targetOpts.bug ?? '').split(',').filter(Boolean);
  if (bugs.length > 0) parts.push(`bug-${bugs.join('+')}`);
  for (const [k, v] of Object.entries(o.targetOpts)) if (k !== 'bug') parts.push(`${k}=${v}`);
  return parts.join('-').replace(/[^A-Za-z0-9+._=-]/g, '_');
}

/** The first line of history.jsonl: what produced the history, enough to re-check it without test.json. */
export function historyHeader(t: Test): Record<string, unknown> {
  const o = t.options;
  return {
    test: t.name,
    target: t.target.name,
    workload: o.workload,
    model: t.checks?.model,
    checkers: t.checks?.checkers,
    checkTimeoutS: o.checkTimeoutS,
    seed: o.seed,
    nemesis: o.nemesis,
    nodes: o.nodes,
  };
}

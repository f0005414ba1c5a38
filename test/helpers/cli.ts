// Runs the built CLI as a user would and captures what it printed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEvent } from '../../harness/history/op.js';
import { parseHistory } from '../../harness/history/readers/index.js';
import { CLI } from './paths.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {},
): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    env: opts.env,
    input: opts.input,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The run folder a `faultline run` printed (the line ending in /report.html). */
export function runDirOf(stdout: string): string {
  const m = /(\S+)\/report\.html/.exec(stdout);
  if (!m) throw new Error(`no report path in output:\n${stdout}`);
  return m[1];
}

/** `faultline run --runtime local --out OUT ARGS`, with the run folder and its history when it wrote one. */
export function runLocal(out: string, args: string[]): CliResult & { events: HistoryEvent[]; dir?: string } {
  const r = runCli(['run', '--runtime', 'local', '--out', out, ...args], { timeoutMs: 180_000 });
  let events: HistoryEvent[] = [];
  let dir: string | undefined;
  try {
    dir = runDirOf(r.stdout);
    events = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8')).events;
  } catch {
    /* no run folder: the caller asserts on the output */
  }
  return { ...r, events, dir };
}

/** How long a run in a test may take to bring its cluster up before the test gives up on it. */
const LOAD_START_MS = 180_000;

export interface StartedRun {
  child: ChildProcess;
  /** What it printed to stdout so far. */
  stdout: () => string;
  /** Resolves when the run says its load started; rejects when it exits first or takes over LOAD_START_MS. */
  loadStarted: Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Starts `faultline run ARGS` in the background. A signal meant for the middle of a run is timed from its
 * "load: ..." line, not from the spawn: on a loaded machine bringing the cluster up alone can take longer than a
 * fixed delay, and a signal then stops the run before its load (a different path from the one tested).
 */
export function startRun(args: string[]): StartedRun {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const loadStarted = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the run's load did not start within ${LOAD_START_MS} ms:\n${stdout}${stderr}`));
    }, LOAD_START_MS);
    child.stdout!.on('data', (c) => {
      stdout += c;
      if (/^load: /m.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (c) => {
      stderr += c;
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the run exited (${code}) before its load started:\n${stdout}${stderr}`));
    });
  });
  return { child, stdout: () => stdout, loadStarted, exited };
}

/** Starts `faultline run ARGS`, sends SIGINT `loadMs` after its load started, and waits for it to exit. */
export async function interruptedRun(args: string[], loadMs: number): Promise<{ code: number | null; stdout: string }> {
  const run = startRun(args);
  await run.loadStarted;
  await new Promise((r) => setTimeout(r, loadMs));
  run.child.kill('SIGINT');
  const code = await run.exited;
  return { code, stdout: run.stdout() };
}

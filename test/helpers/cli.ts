// Runs the built CLI as a user would and captures what it printed.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEvent } from '../../harness/history/op.js';
import { parseHistory } from '../../harness/history/readers/index.js';
import { CLI } from './paths.js';
import { setTimeout as sleep } from 'node:timers/promises';

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

/**
 * Starts `faultline run ARGS`, sends SIGNAL (SIGINT by default) `afterMs` after the load began (its first
 * progress sample, printed at once when stdout is not a terminal), and waits for it to exit. Counting from the
 * load rather than from the spawn keeps the test about an interrupted load: on a loaded machine bring-up alone
 * can outlast a fixed delay, and a SIGINT during bring-up is a different path (exit 3, "stopped before the load
 * started").
 */
export async function interruptedRun(
  args: string[],
  afterMs: number,
  signal: NodeJS.Signals = 'SIGINT',
): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let loadStarted: () => void = () => {};
  const started = new Promise<void>((r) => {
    loadStarted = r;
  });
  child.stdout.on('data', (c) => {
    stdout += c;
    if (/^\d+\/\d+ s {2}ok /m.test(stdout)) loadStarted();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  // Bring-up is bounded by the harness's own deadlines; 120 s is past all of them.
  const ended = await Promise.race([started.then(() => false), exited.then(() => true), sleep(120_000)]);
  if (ended === true) return { code: await exited, stdout };
  await sleep(afterMs);
  child.kill(signal);
  return { code: await exited, stdout };
}

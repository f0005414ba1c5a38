// Runs the built CLI as a user would and captures what it printed.
import { spawn, spawnSync } from 'node:child_process';
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

/** Starts `faultline run ARGS`, sends SIGINT after `afterMs`, and waits for it to exit. */
export async function interruptedRun(
  args: string[],
  afterMs: number,
): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  await new Promise((r) => setTimeout(r, afterMs));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { code, stdout };
}

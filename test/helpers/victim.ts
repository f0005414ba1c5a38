// Starts test/fixtures/harness-victim.js (a harness that brings a cluster up and waits) and resolves once the
// cluster is up, with the child and what it printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export const VICTIM = join(ROOT, 'dist', 'test', 'fixtures', 'harness-victim.js');

export function startVictim(
  kind: 'docker' | 'local',
  runId: string,
  logDir: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 120_000,
): Promise<{ child: ChildProcess; pids: Record<string, number>; stderr: () => string }> {
  const child = spawn(process.execPath, [VICTIM, kind, runId, logDir], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`victim not up within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`victim exited ${code} before it was up: ${err}`));
    });
    child.stdout!.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, pids: (JSON.parse(line) as { pids: Record<string, number> }).pids, stderr: () => err });
    });
  });
}

/** SIGKILLs the child and waits until it is gone. */
export async function killVictim(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 100,
): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) return -1;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

// Where local-runtime runs are written down, so that nothing they start can outlive them unnoticed. A run
// registers itself (one small JSON record per run under the state folder) with the harness's pid and process
// start time and the run's node folder, where every node's pid is kept (<dir>/<node>/node.pid); a detached
// watchdog (watchdog.ts) kills the nodes when the harness disappears, even by SIGKILL, and `faultline clean`
// finds the records of runs whose harness is gone. A pid is only ever signalled after /proc/<pid>/environ
// proves it is one of our nodes for that run (the run-folder marker the process host gives every node), so a
// recycled pid is never hit.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variable that marks a node process with its run's node folder (set by ProcessHost). */
export const RUN_DIR_ENV = 'FAULTLINE_RUN_DIR';
const WATCHDOG = resolve(fileURLToPath(import.meta.url), '..', 'watchdog.js');

export interface LocalRunRecord {
  runId: string;
  harnessPid: number;
  /** Start time of the harness process (/proc/<pid>/stat field 22), so a recycled pid is not taken for it. */
  harnessStart: string | null;
  /** The run's node folder: <dir>/<node>/node.pid, <dir>/<node>/data. */
  dir: string;
  registeredAt: string;
}

export function stateDir(): string {
  return process.env.FAULTLINE_STATE_DIR ?? join(tmpdir(), `faultline-${process.getuid?.() ?? 'user'}`, 'local-runs');
}

function recordPath(runId: string): string {
  return join(stateDir(), `${runId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100)}.${process.pid}.json`);
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or null when unknown. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process that registered the run is still the one with that pid. */
export function harnessAlive(r: LocalRunRecord): boolean {
  try {
    process.kill(r.harnessPid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(r.harnessPid);
  return r.harnessStart === null || start === null || start === r.harnessStart;
}

/**
 * Whether pid is one of our node processes for the run in `dir`, by what the process itself carries, not by trust
 * in the pid: the process host marks every node it starts with FAULTLINE_RUN_DIR=<the run's node folder> in its
 * environment, whatever the program (a target's nodes may be any executable).
 */
export function isOurNode(pid: number, dir: string): boolean {
  let env: string[];
  try {
    env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return false;
  }
  return env.includes(`${RUN_DIR_ENV}=${resolve(dir)}`);
}

/** Pids of the run's node processes that are running now (verified). */
export function liveNodePids(r: LocalRunRecord): number[] {
  const pids: number[] = [];
  let names: string[];
  try {
    names = readdirSync(r.dir);
  } catch {
    return pids;
  }
  for (const name of names) {
    let pid: number;
    try {
      pid = Number(readFileSync(join(r.dir, name, 'node.pid'), 'utf8').trim());
    } catch {
      continue;
    }
    if (Number.isInteger(pid) && pid > 1 && isOurNode(pid, r.dir)) pids.push(pid);
  }
  return pids;
}

/** SIGKILLs the run's verified node processes (a stopped one dies too); returns the pids signalled. */
export function killNodes(r: LocalRunRecord): number[] {
  const killed: number[] = [];
  for (const pid of liveNodePids(r)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* already gone */
    }
  }
  return killed;
}

export function readRecord(path: string): LocalRunRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as LocalRunRecord;
    if (typeof r.runId !== 'string' || !Number.isInteger(r.harnessPid) || typeof r.dir !== 'string') return undefined;
    return r;
  } catch {
    return undefined;
  }
}

export function listRecords(): { path: string; record: LocalRunRecord }[] {
  let names: string[];
  try {
    names = readdirSync(stateDir());
  } catch {
    return [];
  }
  const out: { path: string; record: LocalRunRecord }[] = [];
  for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
    const path = join(stateDir(), n);
    const record = readRecord(path);
    if (record) out.push({ path, record });
  }
  return out;
}

export function removeRecord(path: string): void {
  rmSync(path, { force: true });
}

/**
 * Registers a local run and starts its watchdog. Returns release(), to call once the run's nodes are down: it
 * removes the record, and the watchdog, seeing it gone, exits without touching anything.
 */
export function registerLocalRun(runId: string, dir: string): { release: () => void; recordPath: string } {
  mkdirSync(stateDir(), { recursive: true, mode: 0o700 });
  const path = recordPath(runId);
  const rec: LocalRunRecord = {
    runId,
    harnessPid: process.pid,
    harnessStart: processStart(process.pid),
    dir: resolve(dir),
    registeredAt: new Date().toISOString(),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(rec)}\n`);
  renameSync(tmp, path);
  if (existsSync(WATCHDOG)) {
    // Detached, in its own session, with no pipes to us: it must survive our death to do its job.
    const w = spawn(process.execPath, [WATCHDOG, path], { detached: true, stdio: 'ignore' });
    w.on('error', () => undefined);
    w.unref();
  }
  let released = false;
  return {
    recordPath: path,
    release: () => {
      if (released) return;
      released = true;
      removeRecord(path);
    },
  };
}

// Node processes of any program as children of the harness: the process layer of the local runtime. It starts
// exactly the command a ClusterSpec gives, streams stdout and stderr to <dir>/<name>/node.log, and signals only
// the processes it started, by pid. <dir>/<name>/node.pid lets `faultline clean` and tests find a node if the
// harness itself is SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { RUN_DIR_ENV } from './registry.js';

export interface HostedProcess {
  name: string;
  logFile: string;
  proc?: ChildProcess;
  paused: boolean;
}

export class ProcessHost {
  private readonly procs = new Map<string, HostedProcess>();
  private readonly logs = new Map<string, WriteStream>();

  constructor(private readonly dir: string) {}

  get list(): HostedProcess[] {
    return [...this.procs.values()];
  }

  get(name: string): HostedProcess {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no node ${name} (nodes: ${[...this.procs.keys()].join(', ')})`);
    return p;
  }

  /** Starts `command` (argv[0] is the executable) as node `name`, unless it already runs. */
  start(name: string, command: string[], env: Record<string, string>): void {
    let h = this.procs.get(name);
    if (!h) {
      mkdirSync(join(this.dir, name), { recursive: true });
      h = { name, logFile: join(this.dir, name, 'node.log'), paused: false };
      this.procs.set(name, h);
    }
    if (h.proc && h.proc.exitCode === null && h.proc.signalCode === null) return;
    let log = this.logs.get(name);
    if (!log) {
      log = createWriteStream(h.logFile, { flags: 'a' });
      this.logs.set(name, log);
    }
    // The run-folder marker lets the watchdog and `faultline clean` prove a pid is this run's node.
    const p = spawn(command[0], command.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, [RUN_DIR_ENV]: resolve(this.dir) },
    });
    p.on('error', (e) => log!.write(`[faultline] could not start ${command[0]}: ${e.message}\n`));
    p.stdout!.pipe(log, { end: false });
    p.stderr!.pipe(log, { end: false });
    h.proc = p;
    h.paused = false;
    if (p.pid !== undefined) writeFileSync(join(this.dir, name, 'node.pid'), `${p.pid}\n`);
  }

  isRunning(name: string): boolean {
    const p = this.procs.get(name)?.proc;
    return !!p && p.pid !== undefined && p.exitCode === null && p.signalCode === null;
  }

  pid(name: string): number | undefined {
    return this.isRunning(name) ? this.get(name).proc!.pid : undefined;
  }

  /** Resolves with the exit code (null after a signal) when the node's current process ends. */
  exited(name: string): Promise<number | null> {
    const p = this.get(name).proc;
    if (!p || !this.isRunning(name)) return Promise.resolve(p?.exitCode ?? null);
    return new Promise((r) => p.once('exit', (code) => r(code)));
  }

  /** Sends `signal` (SIGKILL by default) and waits until the process is gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const h = this.get(name);
    const p = h.proc;
    if (!p || !this.isRunning(name)) return;
    if (h.paused) p.kill('SIGCONT');
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    await gone;
    h.paused = false;
  }

  pause(name: string): void {
    const h = this.get(name);
    if (h.proc && this.isRunning(name) && !h.paused) {
      h.proc.kill('SIGSTOP');
      h.paused = true;
    }
  }

  resume(name: string): void {
    const h = this.get(name);
    if (h.proc && h.paused) {
      h.proc.kill('SIGCONT');
      h.paused = false;
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((n) => this.kill(n, 'SIGKILL')));
    for (const l of this.logs.values()) l.end();
    this.logs.clear();
  }

  /** At process exit nothing asynchronous runs: SIGKILL every process we started, by pid. */
  killAllSync(): void {
    for (const h of this.procs.values()) {
      const p = h.proc;
      if (!p || p.pid === undefined || p.exitCode !== null || p.signalCode !== null) continue;
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

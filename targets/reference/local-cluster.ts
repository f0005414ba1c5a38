// Reference-cluster nodes as child processes on loopback, peers wired directly (no fault relay): for the
// loopback tests and bench:cluster, which need the node alone, without the harness's runtime. Each node gets
// its own data folder and log file; only processes this object started are ever signalled, by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../harness/runtime/ports.js';

const NODE_MAIN = resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'system', 'node', 'main.js');

export interface LocalNode {
  name: string;
  clientPort: number;
  peerPort: number;
  url: string;
  dataDir: string;
  logFile: string;
  proc?: ChildProcess;
  paused: boolean;
}

export interface LocalProcessesOptions {
  nodes: number;
  /** Folder for data and logs: <dir>/<name>/data, <dir>/<name>/node.log. */
  dir: string;
  bugs?: string[];
  fsync?: boolean;
  tickMs?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  snapshotEvery?: number;
  /** Peer addresses to advertise instead of the real ones (the local runtime's fault relay). */
  peerAddrOverride?: (from: string, to: string, realPort: number) => number;
  extraArgs?: string[];
  /** Extra environment for the node processes (added to this process's), the same for all or per node. */
  env?: Record<string, string> | ((name: string) => Record<string, string>);
}

export class LocalProcesses {
  readonly nodes: LocalNode[] = [];
  private logs = new Map<string, WriteStream>();

  private constructor(private readonly o: LocalProcessesOptions) {}

  static async create(o: LocalProcessesOptions): Promise<LocalProcesses> {
    const lp = new LocalProcesses(o);
    const ports = await freePorts(o.nodes * 2);
    for (let i = 0; i < o.nodes; i++) {
      const name = `n${i + 1}`;
      const base = join(o.dir, name);
      mkdirSync(base, { recursive: true });
      lp.nodes.push({
        name, clientPort: ports[2 * i], peerPort: ports[2 * i + 1], url: `http://127.0.0.1:${ports[2 * i]}`,
        dataDir: join(base, 'data'), logFile: join(base, 'node.log'), paused: false,
      });
    }
    return lp;
  }

  node(name: string): LocalNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  args(n: LocalNode): string[] {
    const o = this.o;
    const peers = this.nodes.map((p) => `${p.name}=127.0.0.1:${o.peerAddrOverride ? o.peerAddrOverride(n.name, p.name, p.peerPort) : p.peerPort}`).join(',');
    const urls = this.nodes.map((p) => `${p.name}=${p.url}`).join(',');
    const a = [
      '--id', n.name, '--peers', peers, '--client-urls', urls, '--listen', '127.0.0.1',
      '--client-port', String(n.clientPort), '--peer-port', String(n.peerPort), '--data-dir', n.dataDir,
      '--tick-ms', String(o.tickMs ?? 10), '--election-ticks', String(o.electionTicks ?? 30), '--heartbeat-ticks', String(o.heartbeatTicks ?? 3),
      '--snapshot-every', String(o.snapshotEvery ?? 10000), `--fsync=${o.fsync ?? true}`,
    ];
    for (const b of o.bugs ?? []) a.push('--bug', b);
    return [...a, ...(o.extraArgs ?? [])];
  }

  start(name: string): void {
    const n = this.node(name);
    if (n.proc && n.proc.exitCode === null && n.proc.signalCode === null) return;
    let log = this.logs.get(name);
    if (!log) this.logs.set(name, (log = createWriteStream(n.logFile, { flags: 'a' })));
    const extra = typeof this.o.env === 'function' ? this.o.env(name) : this.o.env;
    const env = extra ? { ...process.env, ...extra } : process.env;
    const p = spawn(process.execPath, [NODE_MAIN, ...this.args(n)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    p.stdout!.pipe(log, { end: false });
    p.stderr!.pipe(log, { end: false });
    n.proc = p;
    // The pid on disk lets `faultline clean` (and tests) find the node if the harness itself is SIGKILLed.
    if (p.pid !== undefined) writeFileSync(join(this.o.dir, name, 'node.pid'), `${p.pid}\n`);
    n.paused = false;
  }

  startAll(): void {
    for (const n of this.nodes) this.start(n.name);
  }

  isRunning(name: string): boolean {
    const p = this.node(name).proc;
    return !!p && p.exitCode === null && p.signalCode === null;
  }

  /** kill -9, then wait for the process to be gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const n = this.node(name);
    const p = n.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    if (n.paused) p.kill('SIGCONT');
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    await gone;
    n.paused = false;
  }

  pause(name: string): void {
    const n = this.node(name);
    if (n.proc && this.isRunning(name) && !n.paused) { n.proc.kill('SIGSTOP'); n.paused = true; }
  }

  resume(name: string): void {
    const n = this.node(name);
    if (n.proc && n.paused) { n.proc.kill('SIGCONT'); n.paused = false; }
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.name, 'SIGKILL')));
    for (const l of this.logs.values()) l.end();
    this.logs.clear();
  }
}

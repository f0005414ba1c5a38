// Reference-cluster nodes as child processes on loopback, peers wired directly (no fault relay): for the
// loopback tests and bench:cluster, which need the node alone, without the harness's runtime. Each node gets
// its own data folder and log file; only processes this object started are ever signalled, by pid.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessHost } from '../../harness/runtime/local/processes.js';
import { freePorts } from '../../harness/runtime/ports.js';

const NODE_MAIN = resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'system', 'node', 'main.js');

export interface LocalNode {
  name: string;
  clientPort: number;
  peerPort: number;
  url: string;
  dataDir: string;
  logFile: string;
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
  private readonly host: ProcessHost;

  private constructor(private readonly o: LocalProcessesOptions) {
    this.host = new ProcessHost(o.dir);
  }

  static async create(o: LocalProcessesOptions): Promise<LocalProcesses> {
    const lp = new LocalProcesses(o);
    const ports = await freePorts(o.nodes * 2);
    for (let i = 0; i < o.nodes; i++) {
      const name = `n${i + 1}`;
      const base = join(o.dir, name);
      mkdirSync(base, { recursive: true });
      lp.nodes.push({
        name,
        clientPort: ports[2 * i],
        peerPort: ports[2 * i + 1],
        url: `http://127.0.0.1:${ports[2 * i]}`,
        dataDir: join(base, 'data'),
        logFile: join(base, 'node.log'),
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
    const peers = this.nodes
      .map(
        (p) =>
          `${p.name}=127.0.0.1:${o.peerAddrOverride ? o.peerAddrOverride(n.name, p.name, p.peerPort) : p.peerPort}`,
      )
      .join(',');
    const urls = this.nodes.map((p) => `${p.name}=${p.url}`).join(',');
    const a = [
      '--id',
      n.name,
      '--peers',
      peers,
      '--client-urls',
      urls,
      '--listen',
      '127.0.0.1',
      '--client-port',
      String(n.clientPort),
      '--peer-port',
      String(n.peerPort),
      '--data-dir',
      n.dataDir,
      '--tick-ms',
      String(o.tickMs ?? 10),
      '--election-ticks',
      String(o.electionTicks ?? 30),
      '--heartbeat-ticks',
      String(o.heartbeatTicks ?? 3),
      '--snapshot-every',
      String(o.snapshotEvery ?? 10000),
      `--fsync=${o.fsync ?? true}`,
    ];
    for (const b of o.bugs ?? []) a.push('--bug', b);
    return [...a, ...(o.extraArgs ?? [])];
  }

  start(name: string): void {
    const extra = typeof this.o.env === 'function' ? this.o.env(name) : this.o.env;
    this.host.start(name, [process.execPath, NODE_MAIN, ...this.args(this.node(name))], extra ?? {});
  }

  startAll(): void {
    for (const n of this.nodes) this.start(n.name);
  }

  isRunning(name: string): boolean {
    return this.host.list.some((h) => h.name === name) && this.host.isRunning(name);
  }

  /** The node's pid while it runs. */
  pid(name: string): number | undefined {
    return this.host.list.some((h) => h.name === name) ? this.host.pid(name) : undefined;
  }

  /** Resolves with the exit code (null after a signal) when the node's current process ends. */
  exited(name: string): Promise<number | null> {
    return this.host.exited(name);
  }

  /** kill -9 (or `signal`), then wait for the process to be gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.node(name);
    if (this.isRunning(name)) await this.host.kill(name, signal);
  }

  pause(name: string): void {
    if (this.isRunning(name)) this.host.pause(name);
  }

  resume(name: string): void {
    if (this.isRunning(name)) this.host.resume(name);
  }

  async stopAll(): Promise<void> {
    await this.host.stopAll();
  }
}

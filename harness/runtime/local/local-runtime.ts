// The `local` Runtime: a target's nodes as child processes on loopback (ProcessHost), node-to-node traffic through
// a byte-level fault-injecting TCP relay (partitions, loss, latency), SIGSTOP/SIGCONT for pauses, SIGKILL for
// crashes, and libfaketime (when installed and the program is reached by it) for clock faults. No root, no
// Docker. Only processes this runtime started are ever signalled, by pid. It runs whatever command the
// ClusterSpec gives and knows no target.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup } from '../cleanup.js';
import { CLOCK_UNSUPPORTED, faketimeEnv, findLibfaketime, writeFaketimeFile } from '../faketime.js';
import { freePorts } from '../ports.js';
import type { Addressing, ClusterSpec, Grudge, NodeHandle, PartitionOptions, Runtime } from '../types.js';
import { START_HEALTHY_MS, waitFor } from '../wait.js';
import { ProcessHost } from './processes.js';
import { Relay, type CutMode } from './relay.js';
import { registerLocalRun } from './registry.js';
import { socketOwner } from './socket-owner.js';

export { CLOCK_UNSUPPORTED, findLibfaketime } from '../faketime.js';

export interface LocalRuntimeOptions {
  /** Path to libfaketime.so.1; default: searched in the usual places. `null` disables clock faults. */
  libfaketime?: string | null;
  /** How long up() waits for the cluster to be healthy. */
  upTimeoutMs?: number;
  /** Random source for relay loss and jitter. */
  random?: () => number;
}

export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  private host: ProcessHost | undefined;
  private relayInst: Relay | undefined;
  private spec: ClusterSpec | undefined;
  private addr: Addressing | undefined;
  private names: string[] = [];
  private readonly faketime: string | undefined;
  private clocks = new Map<string, number>();
  private unregister: (() => void) | undefined;
  private downing: Promise<void> | undefined;
  private registration: { release: () => void } | undefined;

  constructor(private readonly opts: LocalRuntimeOptions = {}) {
    this.faketime = opts.libfaketime === null ? undefined : (opts.libfaketime ?? findLibfaketime());
  }

  /** The fault relay (for tests and diagnostics: counters). */
  get relay(): Relay {
    if (!this.relayInst) throw new Error('local runtime is not up');
    return this.relayInst;
  }

  /** The process layer (for tests and diagnostics: pids). */
  get processes(): ProcessHost {
    if (!this.host) throw new Error('local runtime is not up');
    return this.host;
  }

  /** Pids of the node processes currently running. */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of this.names) {
      const pid = this.host?.pid(n);
      if (pid !== undefined) out[n] = pid;
    }
    return out;
  }

  private clockFile(name: string): string {
    return join(this.spec!.logDir, name, 'faketimerc');
  }

  /**
   * Brings the cluster up. Free ports are found by asking the kernel, then released for the nodes to bind, so
   * another process can take one in between: when a node exits during bring-up, the attempt is torn down, the
   * nodes' data folders are emptied, and it is tried again with fresh ports (three attempts).
   */
  async up(spec: ClusterSpec): Promise<NodeHandle[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.upOnce(spec);
      } catch (e) {
        const exited = (e as { exited?: string[] }).exited;
        if (!exited?.length || attempt >= 3) throw e;
        for (const n of this.names) rmSync(join(spec.logDir, n, 'data'), { recursive: true, force: true });
      }
    }
  }

  private async upOnce(spec: ClusterSpec): Promise<NodeHandle[]> {
    if (this.host) throw new Error('local runtime is already up; call down() first');
    if (!Number.isInteger(spec.nodes) || spec.nodes < 1)
      throw new Error(`nodes must be a positive integer, got ${spec.nodes}`);
    this.spec = spec;
    this.downing = undefined;
    mkdirSync(spec.logDir, { recursive: true });
    const names = Array.from({ length: spec.nodes }, (_, i) => `n${i + 1}`);
    this.names = names;
    const real = new Map<string, number>();
    const realPort = (n: string, p: string): number => {
      const v = real.get(`${n}/${p}`);
      if (v === undefined)
        throw new Error(`no port ${p} on ${n} (declared: ${spec.ports.map((x) => x.name).join(', ')})`);
      return v;
    };
    const peerPorts = spec.ports.filter((p) => p.kind === 'peer').map((p) => p.name);
    const pidMap = (): Map<string, number> => new Map(Object.entries(this.pids()));
    // The relay first: its fronts keep listening, so the node ports chosen next cannot be one of theirs (the
    // kernel would happily hand a just-released port to the next listener on port 0).
    const relay = await Relay.create({
      nodes: names,
      ports: peerPorts,
      realPort,
      random: this.opts.random,
      identify: (remotePort, frontPort) => socketOwner(remotePort, frontPort, pidMap()),
    });
    const ports = await freePorts(names.length * spec.ports.length).catch(async (e) => {
      await relay.close();
      throw e;
    });
    for (const [i, n] of names.entries())
      for (const [j, p] of spec.ports.entries()) real.set(`${n}/${p.name}`, ports[i * spec.ports.length + j]);
    this.relayInst = relay;
    this.addr = {
      runtime: 'local',
      names,
      listenHost: '127.0.0.1',
      port: realPort,
      peerAddr: (to, p) => `127.0.0.1:${peerPorts.includes(p) ? relay.port(to, p) : realPort(to, p)}`,
      clientAddr: (n, p) => `127.0.0.1:${realPort(n, p)}`,
      dataDir: (n) => join(spec.logDir, n, 'data'),
    };
    this.host = new ProcessHost(spec.logDir);
    for (const n of names) mkdirSync(this.addr.dataDir(n), { recursive: true });
    if (this.clockable()) for (const n of names) writeFaketimeFile(this.clockFile(n), 0);
    this.unregister?.();
    this.unregister = onCleanup(
      `local cluster ${spec.runId}`,
      () => this.down(),
      () => this.host?.killAllSync(),
    );
    // A watchdog kills these nodes if the harness dies, even by SIGKILL; `faultline clean` finds them.
    this.registration = registerLocalRun(spec.runId, spec.logDir);
    for (const n of names) this.startProcess(n);
    try {
      await this.waitHealthy(this.opts.upTimeoutMs ?? 30_000);
    } catch (e) {
      const exited = names.filter((n) => !this.host!.isRunning(n));
      await this.down();
      throw Object.assign(
        new Error(`local cluster did not come up: ${(e as Error).message} (node logs under ${spec.logDir})`),
        { exited },
      );
    }
    return this.nodes();
  }

  private clockable(): boolean {
    return this.faketime !== undefined && this.spec!.clockFaults;
  }

  private startProcess(name: string): void {
    const s = this.spec!.node(name, this.addr!);
    const env = { ...(s.env ?? {}), ...(this.clockable() ? faketimeEnv(this.faketime!, this.clockFile(name)) : {}) };
    this.host!.start(name, s.command, env);
  }

  nodes(): NodeHandle[] {
    const spec = this.spec;
    const addr = this.addr;
    if (!spec || !addr || !this.host) return [];
    const client = spec.ports.find((p) => p.kind === 'client') ?? spec.ports[0];
    return this.names.map((n) => ({
      name: n,
      addrs: Object.fromEntries(spec.ports.map((p) => [p.name, addr.clientAddr(n, p.name)])),
      url: `http://${addr.clientAddr(n, client.name)}`,
    }));
  }

  async waitHealthy(timeoutMs: number, names?: string[]): Promise<void> {
    const spec = this.spec!;
    const nodes = this.nodes();
    await waitFor('cluster not healthy', timeoutMs, async () => {
      const exited = (names ?? this.names).filter((n) => !this.processes.isRunning(n));
      // A node that exited will not become healthy by waiting (kill and start go through start(), not here).
      if (exited.length)
        throw new Error(
          `${exited.join(', ')} exited (see ${exited.map((n) => this.processes.get(n).logFile).join(', ')})`,
        );
      return spec.health(nodes, names);
    });
  }

  async kill(name: string): Promise<void> {
    await this.processes.kill(name, 'SIGKILL');
  }

  async start(name: string): Promise<void> {
    if (this.processes.isRunning(name)) return;
    // Same relay fronts and the same clock file: partitions, loss and clock offsets still apply.
    this.startProcess(name);
    await this.waitHealthy(START_HEALTHY_MS, [name]);
  }

  async pause(name: string): Promise<void> {
    this.processes.pause(name);
  }

  async resume(name: string): Promise<void> {
    this.processes.resume(name);
  }

  async partition(grudge: Grudge, opts: PartitionOptions = {}): Promise<void> {
    const relay = this.relay;
    const mode: CutMode = opts.mode ?? 'drop';
    const names = new Set(this.names);
    // X must not hear from Y: cut the directed link Y → X.
    const want = new Map<string, [string, string]>();
    for (const [x, ys] of Object.entries(grudge)) {
      if (!names.has(x)) throw new Error(`partition: no node ${x}`);
      for (const y of ys) {
        if (!names.has(y)) throw new Error(`partition: no node ${y}`);
        if (y !== x) want.set(`${y}->${x}`, [y, x]);
      }
    }
    for (const [from, to] of relay.cuts()) if (!want.has(`${from}->${to}`)) relay.uncut(from, to);
    for (const [from, to] of want.values()) if (relay.isCut(from, to) !== mode) relay.cut(from, to, mode);
  }

  async heal(): Promise<void> {
    this.relay.uncutAll();
  }

  async loss(names: string[], p: number): Promise<void> {
    for (const n of names) this.relay.loss(n, p);
  }

  async latency(names: string[], ms: number, jitterMs = 0): Promise<void> {
    for (const n of names) this.relay.latency(n, ms, jitterMs);
  }

  async clockSupported(): Promise<boolean> {
    return this.spec ? this.clockable() : this.faketime !== undefined;
  }

  async clockSet(name: string, offsetMs: number): Promise<void> {
    if (!this.clockable())
      throw new Error(this.faketime ? "clock faults do not reach this target's programs" : CLOCK_UNSUPPORTED);
    this.processes.get(name);
    writeFaketimeFile(this.clockFile(name), offsetMs);
    if (offsetMs === 0) this.clocks.delete(name);
    else this.clocks.set(name, offsetMs);
  }

  async clockReset(names?: string[]): Promise<void> {
    if (!this.clockable()) {
      if (this.clocks.size === 0) return;
      throw new Error(CLOCK_UNSUPPORTED);
    }
    for (const n of names ?? this.names) await this.clockSet(n, 0);
  }

  /** Current clock offsets (ms) of nodes whose clock was moved. */
  clockOffsets(): Record<string, number> {
    return Object.fromEntries(this.clocks);
  }

  async healAll(): Promise<void> {
    const host = this.processes;
    this.relay.uncutAll();
    this.relay.clearLoss();
    this.relay.clearLatency();
    if (this.clockable()) await this.clockReset();
    for (const n of this.names) host.resume(n);
    const dead = this.names.filter((n) => !host.isRunning(n));
    await Promise.all(dead.map((n) => this.start(n)));
  }

  async down(): Promise<void> {
    if (!this.downing) this.downing = this.doDown();
    return this.downing;
  }

  private async doDown(): Promise<void> {
    const host = this.host;
    const relay = this.relayInst;
    if (host) await host.stopAll();
    if (relay) await relay.close();
    this.host = undefined;
    this.relayInst = undefined;
    this.clocks.clear();
    this.unregister?.();
    this.unregister = undefined;
    this.registration?.release(); // harden (issue 14.7)
    this.registration = undefined;
  }
}

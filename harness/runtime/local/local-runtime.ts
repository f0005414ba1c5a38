// The `local` Runtime: reference-cluster nodes as child processes on loopback (LocalProcesses), node-to-node
// traffic through a fault-injecting TCP relay (partitions, loss), SIGSTOP/SIGCONT for pauses, SIGKILL for
// crashes, and libfaketime (when installed) for clock faults. No root, no Docker. Only processes this runtime
// started are ever signalled, by pid.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient } from '../../../workloads/kv/http.js';
import type { NodeStatus } from '../../../system/node/api.js';
import { onCleanup } from '../cleanup.js';
import { LocalProcesses } from '../local-processes.js';
import type { ClusterSpec, Grudge, NodeHandle, PartitionOptions, Runtime } from '../types.js';
import { Relay, type CutMode } from './relay.js';
import { registerLocalRun } from './registry.js';

export const LIBFAKETIME_PATHS = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

export const CLOCK_UNSUPPORTED = 'clock faults need libfaketime (apt-get install faketime)';

const TICK_MS = 10;

export function findLibfaketime(): string | undefined {
  const env = process.env.FAULTLINE_LIBFAKETIME;
  if (env) return existsSync(env) ? env : undefined;
  return LIBFAKETIME_PATHS.find((p) => existsSync(p));
}

/** libfaketime's relative-offset syntax: "+60s", "-2.5s", "+0s". */
export function faketimeOffset(offsetMs: number): string {
  if (!Number.isFinite(offsetMs)) throw new Error(`clock offset must be a finite number of ms, got ${offsetMs}`);
  const s = Math.abs(offsetMs) / 1000;
  const text = Number.isInteger(s) ? String(s) : s.toFixed(3).replace(/0+$/, '');
  return `${offsetMs < 0 ? '-' : '+'}${text}s`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface LocalRuntimeOptions {
  /** Path to libfaketime.so.1; default: searched in the usual places. `null` disables clock faults. */
  libfaketime?: string | null;
  /** How long up() waits for the cluster to be healthy. */
  upTimeoutMs?: number;
  /** Random source for relay loss. */
  random?: () => number;
}

export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  private lp: LocalProcesses | undefined;
  private relayInst: Relay | undefined;
  private spec: ClusterSpec | undefined;
  private http = new HttpClient();
  private readonly faketime: string | undefined;
  private clocks = new Map<string, number>();
  private unregister: (() => void) | undefined;
  private downing: Promise<void> | undefined;
  private registration: { release: () => void } | undefined;

  constructor(private readonly opts: LocalRuntimeOptions = {}) {
    this.faketime = opts.libfaketime === null ? undefined : opts.libfaketime ?? findLibfaketime();
  }

  /** The fault relay (for tests and diagnostics: counters). */
  get relay(): Relay {
    if (!this.relayInst) throw new Error('local runtime is not up');
    return this.relayInst;
  }

  /** The process layer (for tests and diagnostics: pids). */
  get processes(): LocalProcesses {
    if (!this.lp) throw new Error('local runtime is not up');
    return this.lp;
  }

  /** Pids of the node processes currently running. */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of this.lp?.nodes ?? []) if (n.proc?.pid !== undefined && this.lp!.isRunning(n.name)) out[n.name] = n.proc.pid;
    return out;
  }

  private clockFile(name: string): string {
    return join(this.spec!.logDir, name, 'faketimerc');
  }

  async up(spec: ClusterSpec): Promise<NodeHandle[]> {
    if (this.lp) throw new Error('local runtime is already up; call down() first');
    if (!Number.isInteger(spec.nodes) || spec.nodes < 1) throw new Error(`nodes must be a positive integer, got ${spec.nodes}`);
    this.spec = spec;
    this.downing = undefined;
    this.http = new HttpClient();
    mkdirSync(spec.logDir, { recursive: true });
    const names = Array.from({ length: spec.nodes }, (_, i) => `n${i + 1}`);
    // The relay first: its listeners hold their ports, so the node ports chosen next cannot collide with them.
    const relay = await Relay.create({ nodes: names, realPort: (n) => this.lp!.node(n).peerPort, random: this.opts.random });
    this.relayInst = relay;
    const o = spec.node ?? {};
    const electionTicks = o.electionMs !== undefined ? Math.max(2, Math.round(o.electionMs / TICK_MS)) : undefined;
    let heartbeatTicks = o.heartbeatMs !== undefined ? Math.max(1, Math.round(o.heartbeatMs / TICK_MS)) : undefined;
    if (electionTicks !== undefined && heartbeatTicks !== undefined && heartbeatTicks >= electionTicks) heartbeatTicks = electionTicks - 1;
    if (electionTicks !== undefined && heartbeatTicks === undefined) heartbeatTicks = Math.max(1, Math.min(3, electionTicks - 1));
    const faketime = this.faketime;
    this.lp = await LocalProcesses.create({
      nodes: spec.nodes,
      dir: spec.logDir,
      bugs: o.bugs,
      tickMs: TICK_MS,
      electionTicks,
      heartbeatTicks,
      extraArgs: o.extraArgs,
      peerAddrOverride: (from, to, realPort) => (from === to ? realPort : relay.port(from, to)),
      env: (name) => {
        const env: Record<string, string> = { ...(o.env ?? {}) };
        if (faketime) {
          Object.assign(env, {
            LD_PRELOAD: faketime,
            FAKETIME_TIMESTAMP_FILE: this.clockFile(name),
            FAKETIME_CACHE_DURATION: '1',
            FAKETIME_DONT_FAKE_MONOTONIC: '1',
          });
        }
        return env;
      },
    });
    if (faketime) for (const n of names) writeFileSync(this.clockFile(n), '+0s\n');
    this.unregister?.();
    this.unregister = onCleanup(`local cluster ${spec.runId}`, () => this.down(), () => this.killAllSync());
    // harden (issue 14.7): a watchdog kills these nodes if the harness dies, even by SIGKILL; `faultline clean` finds them.
    this.registration = registerLocalRun(spec.runId, spec.logDir);
    this.lp.startAll();
    try {
      await this.waitHealthy(this.opts.upTimeoutMs ?? 30_000);
    } catch (e) {
      await this.down();
      throw new Error(`local cluster did not come up: ${(e as Error).message} (node logs under ${spec.logDir})`);
    }
    return this.nodes();
  }

  nodes(): NodeHandle[] {
    if (!this.lp) return [];
    return this.lp.nodes.map((n) => ({ name: n.name, url: n.url, peerAddr: `127.0.0.1:${n.peerPort}` }));
  }

  private async status(url: string, timeoutMs = 500): Promise<NodeStatus | undefined> {
    try {
      const r = await this.http.call(`${url}/status`, 'GET', undefined, timeoutMs);
      return r.status === 200 ? (r.body as NodeStatus) : undefined;
    } catch {
      return undefined;
    }
  }

  async waitHealthy(timeoutMs: number, names?: string[]): Promise<void> {
    const lp = this.processes;
    const targets = (names ?? lp.nodes.map((n) => n.name)).map((n) => lp.node(n));
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const sts = await Promise.all(targets.map((n) => this.status(n.url)));
      const missing = targets.filter((_, i) => !sts[i]).map((n) => n.name);
      const leader = sts.some((s) => s?.leader) || sts.some((s) => s?.role === 'leader');
      // The whole cluster is healthy when every node's every shard group knows a leader (`ready`); for named
      // nodes (e.g. one just restarted, maybe still cut off) answering is enough.
      const ready = names !== undefined || sts.every((s) => s?.ready !== false);
      if (missing.length === 0 && leader && ready) return;
      last = missing.length > 0 ? `no /status from ${missing.join(', ')}` : !leader ? 'no node reports a leader' : 'some shards have no leader yet';
      if (Date.now() >= deadline) throw new Error(`cluster not healthy within ${timeoutMs} ms: ${last}`);
      await sleep(50);
    }
  }

  private async waitStatus(name: string, timeoutMs: number): Promise<void> {
    const n = this.processes.node(name);
    const deadline = Date.now() + timeoutMs;
    while (!(await this.status(n.url))) {
      if (!this.lp?.isRunning(name)) throw new Error(`${name} exited while starting (see ${n.logFile})`);
      if (Date.now() >= deadline) throw new Error(`${name} did not answer /status within ${timeoutMs} ms (see ${n.logFile})`);
      await sleep(50);
    }
  }

  async kill(name: string): Promise<void> {
    await this.processes.kill(name, 'SIGKILL');
  }

  async start(name: string): Promise<void> {
    const lp = this.processes;
    if (lp.isRunning(name)) return;
    // Same relay ports and the same clock file: partitions, loss and clock offsets still apply.
    lp.start(name);
    await this.waitStatus(name, 15_000);
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
    const names = new Set(this.processes.nodes.map((n) => n.name));
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

  async clockSupported(): Promise<boolean> {
    return this.faketime !== undefined;
  }

  async clockSet(name: string, offsetMs: number): Promise<void> {
    if (!this.faketime) throw new Error(CLOCK_UNSUPPORTED);
    this.processes.node(name);
    writeFileSync(this.clockFile(name), faketimeOffset(offsetMs) + '\n');
    if (offsetMs === 0) this.clocks.delete(name);
    else this.clocks.set(name, offsetMs);
  }

  async clockReset(names?: string[]): Promise<void> {
    if (!this.faketime) {
      if (this.clocks.size === 0) return;
      throw new Error(CLOCK_UNSUPPORTED);
    }
    for (const n of names ?? this.processes.nodes.map((x) => x.name)) await this.clockSet(n, 0);
  }

  /** Current clock offsets (ms) of nodes whose clock was moved. */
  clockOffsets(): Record<string, number> {
    return Object.fromEntries(this.clocks);
  }

  async healAll(): Promise<void> {
    const lp = this.processes;
    this.relay.uncutAll();
    this.relay.clearLoss();
    if (this.faketime) await this.clockReset();
    for (const n of lp.nodes) if (n.paused) lp.resume(n.name);
    const dead = lp.nodes.filter((n) => !lp.isRunning(n.name)).map((n) => n.name);
    await Promise.all(dead.map((n) => this.start(n)));
  }

  async down(): Promise<void> {
    if (!this.downing) this.downing = this.doDown();
    return this.downing;
  }

  private async doDown(): Promise<void> {
    const lp = this.lp;
    const relay = this.relayInst;
    if (lp) await lp.stopAll();
    if (relay) await relay.close();
    this.lp = undefined;
    this.relayInst = undefined;
    this.clocks.clear();
    this.http.close();
    this.unregister?.();
    this.unregister = undefined;
    this.registration?.release(); // harden (issue 14.7)
    this.registration = undefined;
  }

  /** At process exit nothing asynchronous runs: SIGKILL every node we started, by pid. */
  private killAllSync(): void {
    for (const n of this.lp?.nodes ?? []) {
      const p = n.proc;
      if (!p || p.pid === undefined || p.exitCode !== null || p.signalCode !== null) continue;
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

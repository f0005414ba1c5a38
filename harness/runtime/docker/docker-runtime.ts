// The docker Runtime: one container per node on a user-defined bridge network with a fixed /24, data on named
// volumes, a per-node clock folder for libfaketime. Faults use the mechanisms DESIGN.md measured here:
// iptables rules inside each container's network namespace (entered from the host with nsenter), dockerode
// kill/start, pause/unpause (cgroup freezer), and offsets written to the node's faketimerc.
//
// Every object carries the labels faultline=1, faultline.run=<runId> (and faultline.node=<name>), so
// `faultline clean` finds leftovers of a run that died. Only objects this runtime created are ever removed.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { ClusterSpec, Grudge, NodeHandle, PartitionOptions, Runtime } from '../types.js';
import { onCleanup } from '../cleanup.js';
import { cleanLeftovers } from '../clean.js';
import { ensureNodeImage, imageHasFaketime } from './image.js';
import { startReaper } from './reaper.js';

export const CLIENT_PORT = 8000;
export const PEER_PORT = 7000;
export const TICK_MS = 10;

export interface DockerRuntimeOptions {
  docker?: Docker;
  /** Use this image instead of building faultline-node:<hash>. */
  image?: string;
  /** First two octets of the subnets to try: <prefix>.<x>.0/24 for x = 0..255. Default 10.213. */
  subnetPrefix?: string;
  log?: (msg: string) => void;
  /** How long up() waits for every node to answer /status and a leader to exist. Default 60 s. */
  healthyTimeoutMs?: number;
}

type NodeState = 'running' | 'paused' | 'killed';

interface DockerNode {
  name: string;
  ip: string;
  containerName: string;
  volume: string;
  clockDir: string;
  container: Docker.Container;
  state: NodeState;
  pid?: number;
  /** iptables rule specs (after "-A INPUT") installed in the node's current network namespace. */
  rules: string[][];
  log?: WriteStream;
  attach?: NodeJS.ReadableStream;
  /** Serializes kill/start/pause/resume/rule changes on this node (the nemesis may overlap calls). */
  queue: Promise<unknown>;
}

function serial<T>(n: DockerNode, f: () => Promise<T>): Promise<T> {
  const p = n.queue.then(f, f);
  n.queue = p.catch(() => undefined);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function is404(e: unknown): boolean {
  return (e as { statusCode?: number }).statusCode === 404;
}

/** GET url with a hard timeout; resolves the status code and body, or undefined when no answer. */
export function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: unknown } | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }); } catch { resolve({ status: res.statusCode ?? 0, body: text }); }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** "+60s", "-2.5s", "+0s": the libfaketime relative-offset form for an offset in milliseconds. */
export function faketimeOffset(offsetMs: number): string {
  const s = Math.round(offsetMs) / 1000;
  return `${s < 0 ? '-' : '+'}${Math.abs(s)}s`;
}

/** Subnets (as "a.b.c.d/n") of the host's routes, from /proc/net/route (little-endian hex). */
function hostRoutes(): Array<{ net: number; mask: number }> {
  try {
    return readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).filter(Boolean).map((l) => {
      const f = l.trim().split(/\s+/);
      const le = (h: string) => Buffer.from(h, 'hex').readUInt32LE(0);
      return { net: le(f[1]) >>> 0, mask: le(f[7]) >>> 0 };
    }).filter((r) => r.mask !== 0);
  } catch {
    return [];
  }
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
}

function cidrOverlaps(a: string, b: string): boolean {
  const [ai, al] = a.split('/');
  const [bi, bl] = b.split('/');
  const len = Math.min(Number(al), Number(bl));
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((ipToInt(ai) & mask) >>> 0) === ((ipToInt(bi) & mask) >>> 0);
}

export class DockerRuntime implements Runtime {
  readonly kind = 'docker' as const;
  readonly docker: Docker;
  private readonly log: (msg: string) => void;
  private spec?: ClusterSpec;
  private list: DockerNode[] = [];
  private networkName?: string;
  private network?: Docker.Network;
  private subnet?: string;
  private image?: string;
  private faketime = false;
  private grudge: Grudge = {};
  private mode: 'drop' | 'reject' = 'drop';
  private lossP = new Map<string, number>();
  private clocks = new Map<string, number>();
  private unregister?: () => void;
  private downed = false;
  private clockRoot?: string;

  constructor(private readonly o: DockerRuntimeOptions = {}) {
    this.docker = o.docker ?? new Docker();
    this.log = o.log ?? ((m) => process.stderr.write(`[docker] ${m}\n`));
  }

  // ---- bring-up ------------------------------------------------------------------------------------------

  async up(spec: ClusterSpec): Promise<NodeHandle[]> {
    if (this.spec) throw new Error('DockerRuntime.up called twice; make a new runtime per cluster');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(spec.runId)) throw new Error(`runId "${spec.runId}" must be [a-zA-Z0-9_.-] (it names containers)`);
    if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || spec.nodes > 200) throw new Error(`nodes must be 1..200, got ${spec.nodes}`);
    this.spec = spec;
    const labels = { faultline: '1', 'faultline.run': spec.runId };
    this.unregister = onCleanup(`docker run ${spec.runId}`, () => this.down(), () => this.downSync());
    try {
      if (this.o.image) {
        this.image = this.o.image;
        this.faketime = await imageHasFaketime(this.docker, this.image);
      } else {
        const img = await ensureNodeImage(this.docker, { log: this.log });
        this.image = img.image;
        this.faketime = img.faketime;
      }
      // harden (issue 14.7): a Ryuk-style reaper removes this run's labelled objects if the harness is SIGKILLed.
      await startReaper(this.docker, this.image!, spec.runId, this.log);
      await this.createNetwork(labels);
      const third = this.subnet!.split('.')[2];
      const prefix = this.subnet!.split('.').slice(0, 2).join('.');
      this.clockRoot = mkdtempSync(join(tmpdir(), `faultline-clock-${spec.runId}-`));
      for (let i = 1; i <= spec.nodes; i++) {
        const name = `n${i}`;
        const clockDir = join(this.clockRoot, name);
        mkdirSync(clockDir, { recursive: true });
        writeFileSync(join(clockDir, 'faketimerc'), '+0s\n');
        this.list.push({
          name, ip: `${prefix}.${third}.${10 + i}`, containerName: `faultline-${spec.runId}-${name}`,
          volume: `faultline-${spec.runId}-${name}-data`, clockDir, state: 'killed', rules: [], queue: Promise.resolve(),
          container: undefined as unknown as Docker.Container,
        });
      }
      await Promise.all(this.list.map((n) => this.createNode(n, labels)));
      await Promise.all(this.list.map((n) => this.startContainer(n)));
      await this.waitHealthy(this.o.healthyTimeoutMs ?? 60_000);
      return this.nodes();
    } catch (e) {
      await this.down().catch(() => undefined);
      throw e;
    }
  }

  private async createNetwork(labels: Record<string, string>): Promise<void> {
    const name = `faultline-${this.spec!.runId}`;
    const prefix = this.o.subnetPrefix ?? '10.213';
    const used = new Set<string>();
    for (const n of await this.docker.listNetworks()) for (const c of n.IPAM?.Config ?? []) if (c.Subnet) used.add(c.Subnet);
    const routes = hostRoutes();
    let lastErr: unknown;
    for (let x = 0; x < 256; x++) {
      const subnet = `${prefix}.${x}.0/24`;
      if ([...used].some((u) => u.includes('.') && cidrOverlaps(u, subnet))) continue;
      if (routeOverlaps(routes, `${prefix}.${x}.0`)) continue; // some host interface already routes it
      try {
        this.network = await this.docker.createNetwork({
          Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels,
          IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: `${prefix}.${x}.1` }] },
        });
        this.networkName = name;
        this.subnet = subnet;
        this.log(`network ${name}: ${subnet}`);
        return;
      } catch (e) {
        lastErr = e;
        const msg = (e as Error).message;
        if (/overlap|in use|Pool/i.test(msg)) continue; // taken meanwhile (a concurrent run): try the next /24
        throw e;
      }
    }
    throw new Error(`no free ${prefix}.x.0/24 subnet for the network: ${(lastErr as Error | undefined)?.message ?? 'all taken'}`);
  }

  private args(n: DockerNode): string[] {
    const node = this.spec!.node;
    const peers = this.list.map((p) => `${p.name}=${p.ip}:${PEER_PORT}`).join(',');
    const urls = this.list.map((p) => `${p.name}=http://${p.ip}:${CLIENT_PORT}`).join(',');
    const a = [
      '--id', n.name, '--peers', peers, '--client-urls', urls, '--listen', '0.0.0.0',
      '--client-port', String(CLIENT_PORT), '--peer-port', String(PEER_PORT), '--data-dir', '/data', '--tick-ms', String(TICK_MS),
    ];
    if (node.electionMs !== undefined || node.heartbeatMs !== undefined) {
      // The node's defaults are 30 and 3 ticks; the node insists heartbeat < election.
      const e = node.electionMs !== undefined ? Math.max(2, Math.round(node.electionMs / TICK_MS)) : 30;
      let h = node.heartbeatMs !== undefined ? Math.max(1, Math.round(node.heartbeatMs / TICK_MS)) : 3;
      if (h >= e) h = Math.max(1, Math.floor(e / 3));
      a.push('--election-ticks', String(e), '--heartbeat-ticks', String(h));
    }
    for (const b of node.bugs ?? []) a.push('--bug', b);
    return [...a, ...(node.extraArgs ?? [])];
  }

  private async createNode(n: DockerNode, labels: Record<string, string>): Promise<void> {
    const nodeLabels = { ...labels, 'faultline.node': n.name };
    await this.docker.createVolume({ Name: n.volume, Labels: nodeLabels });
    n.container = await this.docker.createContainer({
      name: n.containerName, Hostname: n.name, Image: this.image, Cmd: this.args(n), Labels: nodeLabels,
      Env: Object.entries(this.spec!.node.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ExposedPorts: { [`${CLIENT_PORT}/tcp`]: {}, [`${PEER_PORT}/tcp`]: {} },
      HostConfig: {
        NetworkMode: this.networkName,
        Binds: [`${n.volume}:/data`, `${n.clockDir}:/clock:ro`],
        RestartPolicy: { Name: 'no' },
      },
      NetworkingConfig: { EndpointsConfig: { [this.networkName!]: { IPAMConfig: { IPv4Address: n.ip }, Aliases: [n.name] } } },
    });
    const dir = join(this.spec!.logDir, n.name);
    mkdirSync(dir, { recursive: true });
    n.log = createWriteStream(join(dir, 'node.log'), { flags: 'a' });
  }

  /** Attaches the log stream (before starting, so no line is lost), starts, and records the new pid. */
  private async startContainer(n: DockerNode): Promise<void> {
    const stream = (await n.container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    n.attach = stream;
    if (n.log) {
      const log = n.log;
      const sink = { write: (c: Buffer) => { if (!log.destroyed && !log.writableEnded) log.write(c); return true; } };
      this.docker.modem.demuxStream(stream, sink as unknown as NodeJS.WritableStream, sink as unknown as NodeJS.WritableStream);
    }
    stream.on('error', () => undefined);
    await n.container.start();
    const info = await n.container.inspect();
    n.pid = info.State.Pid;
    n.state = 'running';
    n.rules = [];
  }

  nodes(): NodeHandle[] {
    return this.list.map((n) => ({ name: n.name, url: `http://${n.ip}:${CLIENT_PORT}`, peerAddr: `${n.ip}:${PEER_PORT}` }));
  }

  private node(name: string): DockerNode {
    const n = this.list.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} (nodes: ${this.list.map((x) => x.name).join(', ')})`);
    return n;
  }

  async waitHealthy(timeoutMs: number, names?: string[]): Promise<void> {
    const targets = (names ?? this.list.map((n) => n.name)).map((x) => this.node(x));
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      // Targets must answer; the leader may be any node (a named node cut off from the leader knows none).
      const sts = await Promise.all(this.list.map((n) => httpGet(`http://${n.ip}:${CLIENT_PORT}/status`, 1000)));
      const missing = targets.filter((n) => sts[this.list.indexOf(n)]?.status !== 200).map((n) => n.name);
      const leader = sts.some((s) => s?.status === 200 && ((s.body as { role?: string }).role === 'leader' || (s.body as { leader?: string | null }).leader));
      // The whole cluster is healthy when every node's every shard group knows a leader (`ready`); for named
      // nodes (e.g. one just restarted, maybe still cut off) answering is enough.
      const ready = names !== undefined || sts.every((s) => s?.status === 200 && (s.body as { ready?: boolean }).ready !== false);
      if (missing.length === 0 && leader && ready) return;
      last = missing.length ? `no /status from ${missing.join(', ')}` : !leader ? 'no leader yet' : 'some shards have no leader yet';
      if (Date.now() > deadline) {
        const dead = [];
        for (const n of targets) {
          try {
            const st = (await n.container.inspect()).State;
            if (!st.Running) dead.push(`${n.name} exited (${st.ExitCode}); see ${join(this.spec!.logDir, n.name, 'node.log')}`);
          } catch { /* gone */ }
        }
        throw new Error(`cluster not healthy within ${timeoutMs} ms: ${last}${dead.length ? `; ${dead.join('; ')}` : ''}`);
      }
      await sleep(100);
    }
  }

  // ---- process faults ------------------------------------------------------------------------------------

  kill(name: string): Promise<void> {
    const n = this.node(name);
    return serial(n, () => this.killNow(n));
  }

  private async killNow(n: DockerNode): Promise<void> {
    if (n.state === 'killed') return;
    try {
      await n.container.kill({ signal: 'SIGKILL' });
    } catch (e) {
      if (!/is not running/.test((e as Error).message)) throw e;
    }
    // Wait until it is really gone (a killed paused container is thawed by docker as it dies).
    for (let i = 0; i < 200; i++) {
      const st = (await n.container.inspect()).State;
      if (!st.Running) break;
      await sleep(25);
    }
    n.state = 'killed';
    n.pid = undefined;
    n.rules = []; // the network namespace, and every rule in it, died with the container
  }

  start(name: string): Promise<void> {
    const n = this.node(name);
    return serial(n, async () => {
      if (n.state !== 'killed') return;
      await this.startContainer(n);
      // A NEW network namespace and pid: re-apply active partitions and loss. (The process runs unhindered for
      // the few ms between start and this; docker cannot create the namespace before the process starts.)
      await this.syncRulesNow(n);
    });
  }

  pause(name: string): Promise<void> {
    const n = this.node(name);
    return serial(n, async () => {
      if (n.state !== 'running') return;
      await n.container.pause();
      n.state = 'paused';
    });
  }

  resume(name: string): Promise<void> {
    const n = this.node(name);
    return serial(n, async () => {
      if (n.state !== 'paused') return;
      await n.container.unpause();
      n.state = 'running';
    });
  }

  // ---- network faults ------------------------------------------------------------------------------------

  async partition(grudge: Grudge, opts: PartitionOptions = {}): Promise<void> {
    for (const [x, ys] of Object.entries(grudge)) {
      this.node(x);
      for (const y of ys) this.node(y);
    }
    this.grudge = Object.fromEntries(Object.entries(grudge).map(([k, v]) => [k, [...v]]));
    this.mode = opts.mode ?? 'drop';
    await this.syncAll();
  }

  async heal(): Promise<void> {
    this.grudge = {};
    await this.syncAll();
  }

  async loss(names: string[], p: number): Promise<void> {
    if (!(p >= 0 && p < 1)) throw new Error(`loss probability must be in [0, 1), got ${p}`);
    for (const x of names) this.node(x);
    for (const x of names) {
      if (p === 0) this.lossP.delete(x);
      else this.lossP.set(x, p);
    }
    await this.syncAll();
  }

  /** The rules node n should have now, from the current grudge and loss settings. */
  private desiredRules(n: DockerNode): string[][] {
    const tag = ['-m', 'comment', '--comment', `faultline:${this.spec!.runId}`];
    const rules: string[][] = [];
    for (const y of new Set(this.grudge[n.name] ?? [])) {
      if (y === n.name) continue;
      const ip = this.node(y).ip;
      if (this.mode === 'reject') {
        // Let y's resets in (so X's own connects to y fail fast too when the grudge is mutual), answer the rest
        // of y's TCP with a reset, and drop whatever else y sends.
        rules.push(['-s', ip, '-p', 'tcp', '--tcp-flags', 'RST', 'RST', ...tag, '-j', 'ACCEPT']);
        rules.push(['-s', ip, '-p', 'tcp', ...tag, '-j', 'REJECT', '--reject-with', 'tcp-reset']);
      }
      rules.push(['-s', ip, ...tag, '-j', 'DROP']);
    }
    const p = this.lossP.get(n.name);
    if (p) {
      for (const y of this.list) {
        if (y === n) continue;
        rules.push(['-s', y.ip, '-m', 'statistic', '--mode', 'random', '--probability', String(p), ...tag, '-j', 'DROP']);
      }
    }
    return rules;
  }

  private async syncAll(): Promise<void> {
    await Promise.all(this.list.map((n) => this.syncRules(n)));
  }

  /** Brings node n's INPUT rules to the desired set: deletes exactly what we added and no longer want, adds the rest. */
  private syncRules(n: DockerNode): Promise<void> {
    return serial(n, () => this.syncRulesNow(n));
  }

  private async syncRulesNow(n: DockerNode): Promise<void> {
    if (n.state === 'killed' || n.pid === undefined) return;
    const want = this.desiredRules(n);
    const key = (r: string[]) => r.join(' ');
    const haveKeys = new Set(n.rules.map(key));
    const wantKeys = new Set(want.map(key));
    const del = n.rules.filter((r) => !wantKeys.has(key(r)));
    const add = want.filter((r) => !haveKeys.has(key(r)));
    if (del.length === 0 && add.length === 0) return;
    // One atomic iptables-restore per node (without flushing: Docker's own rules stay untouched).
    const text = ['*filter', ...add.map((r) => `-A INPUT ${r.map(quote).join(' ')}`), ...del.map((r) => `-D INPUT ${r.map(quote).join(' ')}`), 'COMMIT', ''].join('\n');
    const r = await run('nsenter', ['-t', String(n.pid), '-n', 'iptables-restore', '-w', '--noflush'], text);
    if (r.code !== 0) {
      // Fall back to one rule at a time (a rule may have vanished with a restart we did not see).
      for (const rule of del) await run('nsenter', ['-t', String(n.pid), '-n', 'iptables', '-w', '-D', 'INPUT', ...rule]);
      for (const rule of add) {
        const a = await run('nsenter', ['-t', String(n.pid), '-n', 'iptables', '-w', '-A', 'INPUT', ...rule]);
        if (a.code !== 0) throw new Error(`iptables in ${n.name}'s network namespace failed: ${a.stderr.trim() || r.stderr.trim()}`);
      }
    }
    n.rules = want;
  }

  // ---- clocks --------------------------------------------------------------------------------------------

  async clockSupported(): Promise<boolean> {
    if (this.image) return this.faketime;
    return true; // decided at up(); the image we build includes libfaketime when the host has it
  }

  async clockSet(name: string, offsetMs: number): Promise<void> {
    const n = this.node(name);
    if (!this.faketime) throw new Error(`clock faults need libfaketime in the node image (${this.image ?? 'not built yet'}); install libfaketime on the host (apt-get install faketime) and rebuild`);
    if (!Number.isFinite(offsetMs)) throw new Error(`clock offset must be a finite number of ms, got ${offsetMs}`);
    const file = join(n.clockDir, 'faketimerc');
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, `${faketimeOffset(offsetMs)}\n`);
    renameSync(tmp, file);
    if (offsetMs === 0) this.clocks.delete(name);
    else this.clocks.set(name, offsetMs);
  }

  async clockReset(names?: string[]): Promise<void> {
    for (const x of names ?? this.list.map((n) => n.name)) await this.clockSet(x, 0).catch((e) => { if (this.faketime) throw e; });
  }

  /** Current clock offsets (ms) of nodes with a non-zero offset. */
  clockOffsets(): Record<string, number> {
    return Object.fromEntries(this.clocks);
  }

  // ---- heal everything, tear down ------------------------------------------------------------------------

  async healAll(): Promise<void> {
    this.grudge = {};
    this.lossP.clear();
    await this.syncAll();
    if (this.faketime) await this.clockReset();
    // resume and start are no-ops unless the node is paused / killed when its turn in the node's queue comes.
    await Promise.all(this.list.map(async (n) => {
      await this.resume(n.name);
      await this.start(n.name);
    }));
  }

  async down(): Promise<void> {
    if (this.downed) return;
    this.downed = true;
    const runId = this.spec?.runId;
    await Promise.all(this.list.map(async (n) => {
      if (n.container) {
        try { await n.container.remove({ force: true, v: false }); } catch (e) { if (!is404(e) && !/already in progress/.test((e as Error).message)) this.log(`remove ${n.containerName}: ${(e as Error).message}`); }
      }
      (n.attach as unknown as { destroy?: () => void } | undefined)?.destroy?.();
      n.state = 'killed';
      n.pid = undefined;
      n.rules = [];
    }));
    await Promise.all(this.list.map((n) => new Promise<void>((r) => (n.log && !n.log.writableEnded ? n.log.end(() => r()) : r()))));
    if (this.network) {
      try { await this.network.remove(); } catch (e) { if (!is404(e)) this.log(`remove network ${this.networkName}: ${(e as Error).message}`); }
    }
    await Promise.all(this.list.map(async (n) => {
      try { await this.docker.getVolume(n.volume).remove(); } catch (e) { if (!is404(e)) this.log(`remove volume ${n.volume}: ${(e as Error).message}`); }
    }));
    // Anything else carrying this run's label (a half-created object after a failed up()).
    if (runId) await cleanLeftovers({ runId, docker: this.docker }).catch(() => undefined);
    if (this.clockRoot) rmSync(this.clockRoot, { recursive: true, force: true });
    this.unregister?.();
  }

  /** Synchronous best effort for process 'exit' (nothing async can run there): the docker CLI by label. */
  private downSync(): void {
    if (this.downed || !this.spec) return;
    this.downed = true;
    const label = `label=faultline.run=${this.spec.runId}`;
    const ids = spawnSync('docker', ['ps', '-aq', '--filter', label], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
    if (ids.length) spawnSync('docker', ['rm', '-f', ...ids]);
    const nets = spawnSync('docker', ['network', 'ls', '-q', '--filter', label], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
    if (nets.length) spawnSync('docker', ['network', 'rm', ...nets]);
    const vols = spawnSync('docker', ['volume', 'ls', '-q', '--filter', label], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
    if (vols.length) spawnSync('docker', ['volume', 'rm', ...vols]);
    if (this.clockRoot) rmSync(this.clockRoot, { recursive: true, force: true });
  }

  // ---- helpers for tests and the bench --------------------------------------------------------------------

  /** The host pid of the node's process (its network namespace), while it runs. */
  pidOf(name: string): number | undefined {
    return this.node(name).pid;
  }

  /** The iptables rules this runtime has installed in the node's namespace. */
  rulesOf(name: string): string[][] {
    return this.node(name).rules.map((r) => [...r]);
  }

  get networkSubnet(): string | undefined {
    return this.subnet;
  }
}

/** Whether a host route at least as specific as /16 overlaps the /24 starting at net24. */
function routeOverlaps(routes: Array<{ net: number; mask: number }>, net24: string): boolean {
  const base = ipToInt(net24);
  return routes.some((r) => {
    let bits = 0;
    for (let m = r.mask >>> 0; m; m >>>= 1) bits += m & 1;
    if (bits < 16) return false;
    const mask = (~0 << (32 - Math.min(bits, 24))) >>> 0;
    return ((base & mask) >>> 0) === ((r.net & mask) >>> 0);
  });
}

function quote(s: string): string {
  return /^[A-Za-z0-9_.:/=+-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('error', (e) => resolve({ code: -1, stdout, stderr: e.message }));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.on('error', () => undefined);
    p.stdin.end(input ?? '');
  });
}

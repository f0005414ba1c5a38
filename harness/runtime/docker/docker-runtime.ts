// The docker Runtime: one container per node on a user-defined bridge network with a fixed /24, data on named
// volumes. Faults use the mechanisms DESIGN.md measured here: iptables rules inside each container's network
// namespace (entered from the host with nsenter: host-bound, docs/architecture.md says why), dockerode
// kill/start, pause/unpause (cgroup freezer), and clock offsets put into the container's libfaketime control file
// through the engine (putArchive), so the clock works with a remote engine (DOCKER_HOST) too.
//
// Every object carries the labels faultline=1, faultline.run=<runId> (and faultline.node=<name>), so
// `faultline clean` finds leftovers of a run that died. Only objects this runtime created are ever removed.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Addressing, ClusterSpec, ImageBuilder, NodeHandle } from '../spec.js';
import type { Grudge, PartitionOptions, Runtime } from '../types.js';
import { onCleanup } from '../cleanup.js';
import { hostBinaryFiles, nodePackageFiles } from '../host-files.js';
import { cleanLeftovers, leftoverWarning } from '../clean.js';
import { faketimeOffset } from '../faketime.js';
import { NetFaults } from '../net-faults.js';
import { LatestWrite } from '../latest-write.js';
import { tarOf } from '../tar.js';
import { START_HEALTHY_MS, waitFor } from '../wait.js';
import { buildImage, imageHasFaketime } from './image.js';
import { desiredRules, inFilter, syncRules, type Rule } from './iptables.js';
import { PeerRelay, steeredLinks, steeringRules, type SteerRule } from './latency.js';
import { createRunNetwork } from './subnet.js';
import { ensureBaseImage } from './base-image.js';
import { runLivenessLabel } from './liveness.js';
import { startReaper } from './reaper.js';

/** Where a node's data volume is mounted in its container. */
export const DATA_DIR = '/data';
/** The libfaketime control file in a node's container (docker/Dockerfile's FAKETIME_TIMESTAMP_FILE). */
export const CLOCK_FILE = '/clock/faketimerc';

export interface DockerRuntimeOptions {
  docker?: Docker;
  /** Use this image instead of the one the ClusterSpec builds. */
  image?: string;
  /** First two octets of the subnets to try: <prefix>.<x>.0/24 for x = 0..255. Default 10.213. */
  subnetPrefix?: string;
  log?: (msg: string) => void;
  /** How long up() waits for the spec's health check to pass. Default 60 s. */
  healthyTimeoutMs?: number;
}

type NodeState = 'running' | 'paused' | 'killed';

interface DockerNode {
  name: string;
  ip: string;
  containerName: string;
  volume: string;
  container: Docker.Container;
  state: NodeState;
  pid?: number;
  /** iptables rule specs (after "-A INPUT") installed in the node's current network namespace. */
  rules: Rule[];
  /** OUTPUT rules steering this node's peer dials through the latency relay (docker/latency.ts). */
  steer: SteerRule[];
  log?: WriteStream;
  attach?: NodeJS.ReadableStream;
  /** Serializes kill/start/pause/resume/rule changes on this node (the nemesis may overlap calls). */
  queue: Promise<unknown>;
  /** The node's clock offset (ms), written into its container by putClock, latest value first. */
  clock: LatestWrite<number>;
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
  private readonly net = new NetFaults((x) => this.node(x));
  private clocks = new Map<string, number>();
  private peerRelay?: PeerRelay;
  private unregister?: () => void;
  private downed = false;
  private addr?: Addressing;

  constructor(private readonly o: DockerRuntimeOptions = {}) {
    this.docker = o.docker ?? new Docker();
    this.log = o.log ?? ((m) => process.stderr.write(`[docker] ${m}\n`));
  }

  // ---- bring-up ------------------------------------------------------------------------------------------

  async up(spec: ClusterSpec): Promise<NodeHandle[]> {
    if (this.spec) throw new Error('DockerRuntime.up called twice; make a new runtime per cluster');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(spec.runId))
      throw new Error(`runId "${spec.runId}" must be [a-zA-Z0-9_.-] (it names containers)`);
    if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || spec.nodes > 200)
      throw new Error(`nodes must be 1..200, got ${spec.nodes}`);
    this.spec = spec;
    const labels: Record<string, string> = { faultline: '1', 'faultline.run': spec.runId };
    this.unregister = onCleanup(
      `docker run ${spec.runId}`,
      () => this.down(),
      () => this.downSync(),
    );
    try {
      if (this.o.image) {
        this.image = this.o.image;
        this.faketime = await imageHasFaketime(this.docker, this.image);
      } else {
        if (!spec.image)
          throw new Error('the docker runtime needs an image: this target builds none (run it with --runtime local)');
        let faketime = false;
        const builder: ImageBuilder = {
          build: async (r) => {
            const img = await buildImage(this.docker, r, { log: this.log });
            faketime = img.faketime;
            return img.image;
          },
          get faketime() {
            return faketime;
          },
          log: this.log,
          hostBinary: hostBinaryFiles,
          nodePackages: nodePackageFiles,
        };
        this.image = await spec.image(builder);
        this.faketime = faketime || (await imageHasFaketime(this.docker, this.image));
      }
      // A Ryuk-style reaper removes this run's labelled objects if the harness is SIGKILLed. It runs node, so it
      // uses the base image (the target's image may hold no node: etcd's does not).
      const reaper = await startReaper(
        this.docker,
        (await ensureBaseImage(this.docker, { log: () => undefined })).image,
        spec.runId,
        this.log,
      );
      // How `faultline clean` can tell whether this run is alive (liveness.ts): by its reaper's connection, or not.
      Object.assign(labels, runLivenessLabel(reaper !== undefined));
      await this.createNetwork(labels);
      const third = this.subnet!.split('.')[2];
      const prefix = this.subnet!.split('.').slice(0, 2).join('.');
      for (let i = 1; i <= spec.nodes; i++) {
        const name = `n${i}`;
        const node: DockerNode = {
          name,
          ip: `${prefix}.${third}.${10 + i}`,
          containerName: `faultline-${spec.runId}-${name}`,
          volume: `faultline-${spec.runId}-${name}-data`,
          state: 'killed',
          rules: [],
          steer: [],
          queue: Promise.resolve(),
          container: undefined as unknown as Docker.Container,
          clock: new LatestWrite((ms) => this.putClock(node, ms)),
        };
        this.list.push(node);
      }
      const ipOf = (n: string) => this.node(n).ip;
      const port = (p: string): number => {
        const d = spec.ports.find((x) => x.name === p);
        if (!d) throw new Error(`no port ${p} (declared: ${spec.ports.map((x) => x.name).join(', ')})`);
        return d.container;
      };
      this.addr = {
        runtime: 'docker',
        names: this.list.map((n) => n.name),
        listenHost: '0.0.0.0',
        port: (_n, p) => port(p),
        peerAddr: (to, p) => `${ipOf(to)}:${port(p)}`,
        clientAddr: (n, p) => `${ipOf(n)}:${port(p)}`,
        dataDir: () => DATA_DIR,
      };
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
    const { network, subnet } = await createRunNetwork(this.docker, name, this.o.subnetPrefix ?? '10.213', labels);
    this.network = network;
    this.networkName = name;
    this.subnet = subnet;
    this.log(`network ${name}: ${subnet}`);
  }

  private async createNode(n: DockerNode, labels: Record<string, string>): Promise<void> {
    const nodeLabels = { ...labels, 'faultline.node': n.name };
    await this.docker.createVolume({ Name: n.volume, Labels: nodeLabels });
    const ps = this.spec!.node(n.name, this.addr!);
    n.container = await this.docker.createContainer({
      name: n.containerName,
      Hostname: n.name,
      Image: this.image,
      Cmd: ps.command,
      Labels: nodeLabels,
      Env: Object.entries(ps.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ExposedPorts: Object.fromEntries(this.spec!.ports.map((p) => [`${p.container}/tcp`, {}])),
      HostConfig: {
        NetworkMode: this.networkName,
        Binds: [`${n.volume}:${DATA_DIR}`],
        RestartPolicy: { Name: 'no' },
      },
      NetworkingConfig: {
        EndpointsConfig: { [this.networkName!]: { IPAMConfig: { IPv4Address: n.ip }, Aliases: [n.name] } },
      },
    });
    // The clock file exists before the node's first read of it (a created container takes an archive).
    if (this.faketime) await n.clock.set(0);
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
      const sink = {
        write: (c: Buffer) => {
          if (!log.destroyed && !log.writableEnded) log.write(c);
          return true;
        },
      };
      this.docker.modem.demuxStream(
        stream,
        sink as unknown as NodeJS.WritableStream,
        sink as unknown as NodeJS.WritableStream,
      );
    }
    stream.on('error', () => undefined);
    await n.container.start();
    const info = await n.container.inspect();
    n.pid = info.State.Pid;
    n.state = 'running';
    n.rules = [];
    n.steer = [];
  }

  nodes(): NodeHandle[] {
    const spec = this.spec;
    if (!spec) return [];
    const client = spec.ports.find((p) => p.kind === 'client') ?? spec.ports[0];
    return this.list.map((n) => ({
      name: n.name,
      addrs: Object.fromEntries(spec.ports.map((p) => [p.name, `${n.ip}:${p.container}`])),
      url: `http://${n.ip}:${client.container}`,
    }));
  }

  private node(name: string): DockerNode {
    const n = this.list.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} (nodes: ${this.list.map((x) => x.name).join(', ')})`);
    return n;
  }

  async waitHealthy(timeoutMs: number, names?: string[]): Promise<void> {
    const targets = (names ?? this.list.map((n) => n.name)).map((x) => this.node(x));
    const handles = this.nodes();
    try {
      await waitFor('cluster not healthy', timeoutMs, () => this.spec!.health(handles, names), 100);
    } catch (e) {
      const dead = [];
      for (const n of targets) {
        try {
          const st = (await n.container.inspect()).State;
          if (!st.Running)
            dead.push(`${n.name} exited (${st.ExitCode}); see ${join(this.spec!.logDir, n.name, 'node.log')}`);
        } catch {
          /* gone */
        }
      }
      throw new Error(`${(e as Error).message}${dead.length ? `; ${dead.join('; ')}` : ''}`);
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
    n.steer = [];
  }

  async start(name: string): Promise<void> {
    const n = this.node(name);
    const started = await serial(n, async () => {
      if (n.state !== 'killed') return false;
      await this.startContainer(n);
      // A NEW network namespace and pid: re-apply active partitions and loss. (The process runs unhindered for
      // the few ms between start and this; docker cannot create the namespace before the process starts.)
      await this.syncRulesNow(n);
      await this.syncSteeringNow(n);
      return true;
    });
    // The Runtime contract, as on the local runtime: resolved once the node answers its health check. Waited
    // outside the node's queue, so a pause or a rule change meanwhile is not held up.
    if (started) await this.waitHealthy(START_HEALTHY_MS, [name]);
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
    this.net.setPartition(grudge, opts);
    await this.syncAll();
  }

  async heal(): Promise<void> {
    this.net.heal();
    await this.syncAll();
  }

  async loss(names: string[], p: number): Promise<void> {
    this.net.setLoss(names, p);
    await this.syncAll();
  }

  async latency(names: string[], ms: number, jitterMs = 0): Promise<void> {
    this.net.setLatency(names, ms, jitterMs);
    if (this.net.latency.size > 0 && !this.peerRelay) await this.startPeerRelay();
    await Promise.all(this.list.map((n) => serial(n, () => this.syncSteeringNow(n))));
  }

  /** The harness-side relay for latency (docker/latency.ts), on the network's gateway; started on first use. */
  private async startPeerRelay(): Promise<void> {
    const gateway = `${this.subnet!.split('.').slice(0, 3).join('.')}.1`;
    this.peerRelay = await PeerRelay.create({
      gateway,
      ips: Object.fromEntries(this.list.map((n) => [n.name, n.ip])),
      ports: this.spec!.ports.filter((p) => p.kind === 'peer').map((p) => p.container),
      hooks: {
        isCut: (from, to) => (this.net.grudge[to] ?? []).includes(from),
        lossOf: (to) => this.net.loss.get(to) ?? 0,
        latencyOf: (to) => this.net.latency.get(to),
      },
    });
  }

  /** Steers node n's dials through the relay for every link with latency at either end, and no others. */
  private async syncSteeringNow(n: DockerNode): Promise<void> {
    if (n.state === 'killed' || n.pid === undefined || !this.peerRelay) return;
    const relay = this.peerRelay;
    const peerPorts = this.spec!.ports.filter((p) => p.kind === 'peer').map((p) => p.container);
    const to = steeredLinks(
      this.list.map((x) => x.name),
      new Set(this.net.latency.keys()),
    )
      .filter(([x]) => x === n.name)
      .flatMap(([, y]) =>
        peerPorts.map((port) => ({ ip: this.node(y).ip, port, relayPort: relay.relayPort(y, port) })),
      );
    const want = steeringRules({ runId: this.spec!.runId, gateway: relay.gateway, to });
    await syncRules(n.pid, 'OUTPUT', n.steer, want, n.name);
    n.steer = want;
  }

  /** The latency relay's counters (connections relayed, bytes, chunks held back), once latency was used. */
  latencyRelayStats(): { accepted: number; open: number; bytes: number; delayedChunks: number } | undefined {
    return this.peerRelay?.stats();
  }

  /** The OUTPUT steering rules installed in the node's namespace. */
  steeringOf(name: string): SteerRule[] {
    return this.node(name).steer.map((r) => ({ table: r.table, rule: [...r.rule] }));
  }

  /** The rules node n should have now, from the current grudge and loss settings. */
  private desiredRules(n: DockerNode): Rule[] {
    return desiredRules(
      this.net.ruleInputs(
        this.spec!.runId,
        n.name,
        this.list.map((x) => x.name),
        (y) => this.node(y).ip,
      ),
    );
  }

  private async syncAll(): Promise<void> {
    await Promise.all(this.list.map((n) => this.syncRules(n)));
  }

  /**
   * Brings node n's INPUT rules to the desired set: deletes exactly what we added and no longer want, adds the rest.
   */
  private syncRules(n: DockerNode): Promise<void> {
    return serial(n, () => this.syncRulesNow(n));
  }

  private async syncRulesNow(n: DockerNode): Promise<void> {
    if (n.state === 'killed' || n.pid === undefined) return;
    const want = this.desiredRules(n);
    await syncRules(n.pid, 'INPUT', inFilter(n.rules), inFilter(want), n.name);
    n.rules = want;
  }

  /** Objects of runs whose harness is gone, on this runtime's engine (the local one or DOCKER_HOST's). */
  leftovers(): Promise<string | undefined> {
    return leftoverWarning({ docker: this.docker });
  }

  // ---- clocks --------------------------------------------------------------------------------------------

  async clockSupported(): Promise<boolean> {
    if (this.spec && !this.spec.clockFaults) return false;
    if (this.image) return this.faketime;
    return true; // decided at up(); the image we build includes libfaketime when the host has it
  }

  async clockSet(name: string, offsetMs: number): Promise<void> {
    const n = this.node(name);
    if (this.spec && !this.spec.clockFaults) throw new Error("clock faults do not reach this target's programs");
    if (!this.faketime)
      throw new Error(
        `clock faults need libfaketime in the node image (${this.image ?? 'not built yet'}); ` +
          'install libfaketime on the host (apt-get install faketime) and rebuild',
      );
    // Latest value wins: clock:strobe asks every 200 ms, faster than the engine may write (latest-write.ts).
    await n.clock.set(offsetMs);
    if (offsetMs === 0) this.clocks.delete(name);
    else this.clocks.set(name, offsetMs);
  }

  /**
   * Writes the node's control file through the engine: works on a running, paused or stopped container and with
   * a remote engine, and needs nothing in the image (ours has no shell). The engine replaces a file by removing
   * and recreating it, so a read landing in that window (microseconds; the library reads once a second) sees
   * no offset for one cache period: a brief jump back to true time, itself a clock fault. docs/architecture.md.
   */
  private async putClock(n: DockerNode, offsetMs: number): Promise<void> {
    const dir = CLOCK_FILE.slice(1, CLOCK_FILE.lastIndexOf('/'));
    const archive = tarOf([
      { path: dir, mode: 0o755 },
      { path: CLOCK_FILE.slice(1), text: `${faketimeOffset(offsetMs)}\n`, mode: 0o644 },
    ]);
    await n.container.putArchive(archive, { path: '/' });
  }

  async clockReset(names?: string[]): Promise<void> {
    if (this.spec && !this.spec.clockFaults) return;
    for (const x of names ?? this.list.map((n) => n.name))
      await this.clockSet(x, 0).catch((e) => {
        if (this.faketime) throw e;
      });
  }

  /** Current clock offsets (ms) of nodes with a non-zero offset. */
  clockOffsets(): Record<string, number> {
    return Object.fromEntries(this.clocks);
  }

  // ---- heal everything, tear down ------------------------------------------------------------------------

  async healAll(): Promise<void> {
    this.net.clear();
    await this.syncAll();
    await Promise.all(this.list.map((n) => serial(n, () => this.syncSteeringNow(n))));
    if (this.faketime) await this.clockReset();
    // resume and start are no-ops unless the node is paused / killed when its turn in the node's queue comes.
    await Promise.all(
      this.list.map(async (n) => {
        await this.resume(n.name);
        await this.start(n.name);
      }),
    );
  }

  async down(): Promise<void> {
    if (this.downed) return;
    this.downed = true;
    const runId = this.spec?.runId;
    await Promise.all(
      this.list.map(async (n) => {
        if (n.container) {
          try {
            await n.container.remove({ force: true, v: false });
          } catch (e) {
            if (!is404(e) && !/already in progress/.test((e as Error).message))
              this.log(`remove ${n.containerName}: ${(e as Error).message}`);
          }
        }
        (n.attach as unknown as { destroy?: () => void } | undefined)?.destroy?.();
        n.state = 'killed';
        n.pid = undefined;
        n.rules = [];
      }),
    );
    await Promise.all(
      this.list.map((n) => new Promise<void>((r) => (n.log && !n.log.writableEnded ? n.log.end(() => r()) : r()))),
    );
    await this.peerRelay?.close().catch(() => undefined);
    if (this.network) {
      try {
        await this.network.remove();
      } catch (e) {
        if (!is404(e)) this.log(`remove network ${this.networkName}: ${(e as Error).message}`);
      }
    }
    await Promise.all(
      this.list.map(async (n) => {
        try {
          await this.docker.getVolume(n.volume).remove();
        } catch (e) {
          if (!is404(e)) this.log(`remove volume ${n.volume}: ${(e as Error).message}`);
        }
      }),
    );
    // Anything else carrying this run's label (a half-created object after a failed up(), the reaper). Forced:
    // this harness is the run's owner, and its reaper still holds its connection, so the run is alive.
    if (runId) await cleanLeftovers({ runId, docker: this.docker, force: true }).catch(() => undefined);
    this.unregister?.();
  }

  /** Synchronous best effort for process 'exit' (nothing async can run there): the docker CLI by label. */
  private downSync(): void {
    if (this.downed || !this.spec) return;
    this.downed = true;
    const label = `label=faultline.run=${this.spec.runId}`;
    const ids =
      spawnSync('docker', ['ps', '-aq', '--filter', label], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ??
      [];
    if (ids.length) spawnSync('docker', ['rm', '-f', ...ids]);
    const nets =
      spawnSync('docker', ['network', 'ls', '-q', '--filter', label], { encoding: 'utf8' })
        .stdout?.split('\n')
        .filter(Boolean) ?? [];
    if (nets.length) spawnSync('docker', ['network', 'rm', ...nets]);
    const vols =
      spawnSync('docker', ['volume', 'ls', '-q', '--filter', label], { encoding: 'utf8' })
        .stdout?.split('\n')
        .filter(Boolean) ?? [];
    if (vols.length) spawnSync('docker', ['volume', 'rm', ...vols]);
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

// The ssh Runtime: a target's nodes as processes on real hosts reached over SSH, Jepsen's way: nothing on a host
// but sshd and the host's own tools. Per run, each host gets <base>/runs/<runId>/<node>/ (data, node.log,
// node.env, faketimerc); the program comes from the host's PATH or a bundle the spec uploads. A node runs as its
// own process group (setsid), so kill -9, SIGSTOP and SIGCONT reach all of it; partitions and loss are iptables
// rules on the host tagged with the run id; latency is tc netem where the kernel has it; clocks are libfaketime
// where installed. A watchdog on each host, on the run's own SSH connection, sweeps the run's processes and
// rules when that connection drops. Nothing assumes a filesystem shared with the controller: files move over
// SFTP. One node per host; the runtime knows no target.
import { lookup } from 'node:dns/promises';
import { mkdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { ClientChannel } from 'ssh2';
import { onCleanup } from '../cleanup.js';
import { NetFaults } from '../net-faults.js';
import { checkRunId } from '../clean.js';
import { desiredRules, type Rule } from '../docker/iptables.js';
import { faketimeEnv, faketimeOffset, LIBFAKETIME_PATHS } from '../faketime.js';
import { hostBinaryFiles, nodePackageFiles } from '../host-files.js';
import type { Addressing, ClusterSpec, HostInstaller, NodeHandle } from '../spec.js';
import type { Grudge, PartitionOptions, Runtime } from '../types.js';
import { START_HEALTHY_MS, waitFor } from '../wait.js';
import { type Bundle, packBundle, placeBundle } from './bundle.js';
import { collectNode } from './collect.js';
import { firstLine, SshHost } from './connection.js';
import type { SshAccess } from './hosts-file.js';
import { type Delay, netemScript } from './netem.js';
import { restoreScript, restoreText } from './firewall.js';
import {
  aliveScript,
  clockScript,
  type HostFacts,
  killScript,
  parseFacts,
  portsFreeScript,
  probeScript,
  signalScript,
  startScript,
  sweepScript,
  watchdogScript,
  whichScript,
} from './scripts.js';
import { envFile, q } from './shell.js';

/** Where faultline keeps its files on every host (the same path everywhere; bundles name it in commands). */
export const DEFAULT_BASE = '/var/tmp/faultline';

export interface SshRuntimeOptions {
  access: SshAccess;
  /** Default DEFAULT_BASE. */
  base?: string;
  log?: (msg: string) => void;
  /** How long up() waits for the spec's health check. Default 60 s. */
  healthyTimeoutMs?: number;
}

type NodeState = 'running' | 'paused' | 'killed';

interface SshNode {
  name: string;
  host: SshHost;
  /** The host's IPv4 address: where peers and the harness reach it, and what partitions match. */
  ip: string;
  facts: HostFacts;
  /** <base, resolved>/runs/<runId>/<name>: the node's folder and cwd. */
  dir: string;
  state: NodeState;
  pid?: number;
  /** The INPUT rules this run has on the host now. */
  rules: Rule[];
  /** Whether our netem qdisc is on the host. */
  netem: boolean;
  watchdog?: ClientChannel;
  /** The node's argv, from the spec (started again after a kill). */
  command: string[];
  /** Serializes this node's process and rule changes (the nemesis may overlap calls). */
  queue: Promise<unknown>;
}

function serial<T>(n: SshNode, f: () => Promise<T>): Promise<T> {
  const p = n.queue.then(f, f);
  n.queue = p.catch(() => undefined);
  return p;
}

async function ipv4(address: string): Promise<string> {
  if (isIP(address) === 4) return address;
  try {
    return (await lookup(address, { family: 4 })).address;
  } catch (e) {
    throw new Error(`cannot resolve ${address} to an IPv4 address: ${(e as Error).message}`);
  }
}

export class SshRuntime implements Runtime {
  readonly kind = 'ssh' as const;
  private readonly log: (msg: string) => void;
  private readonly base: string;
  private spec?: ClusterSpec;
  private list: SshNode[] = [];
  private readonly net = new NetFaults((x) => this.node(x));
  private clocks = new Map<string, number>();
  private unregister?: () => void;
  private downing?: Promise<void>;

  constructor(private readonly o: SshRuntimeOptions) {
    this.log = o.log ?? ((m) => process.stderr.write(`[ssh] ${m}\n`));
    this.base = o.base ?? DEFAULT_BASE;
    if (!/^\/[A-Za-z0-9_./-]+$/.test(this.base) || this.base.split('/').includes('..'))
      throw new Error(`the hosts' base folder must be an absolute path of [A-Za-z0-9_./-], got "${this.base}"`);
  }

  // ---- bring-up ------------------------------------------------------------------------------------------

  async up(spec: ClusterSpec): Promise<NodeHandle[]> {
    if (this.spec) throw new Error('SshRuntime.up called twice; make a new runtime per cluster');
    checkRunId(spec.runId);
    const hosts = this.o.access.hosts;
    if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || spec.nodes > hosts.length)
      throw new Error(
        `--runtime ssh runs one node per host: ${spec.nodes} nodes need ${spec.nodes} hosts, ` +
          `the hosts file lists ${hosts.length}`,
      );
    this.spec = spec;
    this.unregister = onCleanup(`ssh run ${spec.runId}`, () => this.down());
    try {
      const entries = hosts.slice(0, spec.nodes);
      const ips = await Promise.all(entries.map((h) => ipv4(h.address)));
      const conns = await Promise.allSettled(entries.map((h) => SshHost.connect(h, this.o.access, this.log)));
      const failed = conns.find((c) => c.status === 'rejected') as PromiseRejectedResult | undefined;
      if (failed) {
        for (const c of conns) if (c.status === 'fulfilled') c.value.close();
        throw failed.reason;
      }
      this.list = conns.map((c, i) => ({
        name: `n${i + 1}`,
        host: (c as PromiseFulfilledResult<SshHost>).value,
        ip: ips[i],
        facts: { uid: -1, base: '', missing: [] },
        dir: '',
        state: 'killed',
        rules: [],
        netem: false,
        command: [],
        queue: Promise.resolve(),
      }));
      await Promise.all(
        this.list.map(async (n) => {
          n.facts = parseFacts(await n.host.must('probe the host', probeScript(this.base, LIBFAKETIME_PATHS)));
          if (!n.facts.base.startsWith('/')) throw new Error(`probe the host on ${n.host.who}: no base folder`);
          n.dir = `${n.facts.base}/runs/${spec.runId}/${n.name}`;
        }),
      );
      for (const n of this.list) {
        if (n.facts.missing.length)
          throw new Error(`${n.host.who} lacks ${n.facts.missing.join(', ')} (docs/ssh.md lists what each host needs)`);
        this.log(`${n.name} on ${n.host.who} (${n.ip}): ${this.describeHost(n.facts)}`);
      }
      // The watchdog first: from here on, whatever this run starts on a host goes away with the connection.
      await Promise.all(this.list.map((n) => this.armWatchdog(n)));
      await Promise.all(
        this.list.map((n) => n.host.must('make the run folder', `umask 077 && mkdir -p ${q(`${n.dir}/data`)}`)),
      );
      await spec.install?.(this.installer());
      const addr = this.addressing();
      await Promise.all(this.list.map((n) => this.prepareNode(n, addr)));
      const ports = spec.ports.map((p) => p.container);
      await Promise.all(this.list.map((n) => n.host.must(`check ${n.name}'s ports`, portsFreeScript(ports))));
      await Promise.all(this.list.map((n) => this.startNode(n)));
      await this.waitHealthy(this.o.healthyTimeoutMs ?? 60_000);
      // Healthy answers must come from our processes, not from another run's node still holding the ports.
      const dead = await this.exited(this.list);
      if (dead.length) throw new Error(`cluster not healthy: ${dead.join('; ')}`);
      return this.nodes();
    } catch (e) {
      await this.down().catch(() => undefined);
      throw e;
    }
  }

  private describeHost(f: HostFacts): string {
    const fw =
      f.sudo === undefined ? `no iptables (${f.firewallError})` : f.sudo ? 'iptables via sudo' : 'iptables as root';
    return `${fw}, ${f.faketime ? 'libfaketime' : 'no libfaketime'}, ${f.netemError ? 'no netem' : 'netem'}`;
  }

  /** Starts the host's watchdog and waits until it says it is armed. */
  private async armWatchdog(n: SshNode): Promise<void> {
    const runDir = n.dir.slice(0, n.dir.lastIndexOf('/'));
    const ch = await n.host.channel(watchdogScript(runDir, this.spec!.runId, n.facts.sudo));
    n.watchdog = ch;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`the watchdog on ${n.host.who} did not start within 10 s`)),
        10_000,
      );
      ch.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('armed\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
      ch.stderr.on('data', () => undefined);
      ch.on('close', () => {
        clearTimeout(timer);
        if (!this.downing) this.log(`the watchdog on ${n.host.who} ended (${n.host.lost ?? 'channel closed'})`);
        reject(new Error(`the watchdog on ${n.host.who} ended before it was armed`));
      });
    });
  }

  private installer(): HostInstaller {
    return {
      which: async (command) => {
        const found = await Promise.all(
          this.list.map(async (n) => (await n.host.must(`look for ${command}`, whichScript(command))).trim()),
        );
        if (found.some((p) => p === '')) return undefined;
        // The same path everywhere, or the bare name (on every host's PATH, where the node's shell finds it).
        return found.every((p) => p === found[0]) ? found[0] : command;
      },
      upload: async (name, files) => {
        const t0 = Date.now();
        const b: Bundle = await packBundle(name, files);
        try {
          const placed = await Promise.all(this.list.map((n) => placeBundle(n.host, this.base, b)));
          const sent = placed.filter((p) => p.sent).length;
          this.log(`bundle ${name}-${b.hash}: sent to ${sent} of ${placed.length} hosts (${Date.now() - t0} ms)`);
          return `${this.base}/bundles/${name}-${b.hash}`;
        } finally {
          b.dispose();
        }
      },
      log: this.log,
      hostBinary: hostBinaryFiles,
      nodePackages: nodePackageFiles,
    };
  }

  private addressing(): Addressing {
    const spec = this.spec!;
    const port = (p: string): number => {
      const d = spec.ports.find((x) => x.name === p);
      if (!d) throw new Error(`no port ${p} (declared: ${spec.ports.map((x) => x.name).join(', ')})`);
      return d.container;
    };
    return {
      runtime: 'ssh',
      names: this.list.map((n) => n.name),
      listenHost: '0.0.0.0',
      port: (_n, p) => port(p),
      peerAddr: (to, p) => `${this.node(to).ip}:${port(p)}`,
      clientAddr: (to, p) => `${this.node(to).ip}:${port(p)}`,
      dataDir: (name) => `${this.base}/runs/${spec.runId}/${name}/data`,
    };
  }

  /** Writes the node's environment (0600: it may hold a secret, kept out of argv) and its clock file. */
  private async prepareNode(n: SshNode, addr: Addressing): Promise<void> {
    const ps = this.spec!.node(n.name, addr);
    if (ps.command.length === 0) throw new Error(`the spec gives ${n.name} an empty command`);
    const env = {
      ...(ps.env ?? {}),
      ...(this.clockable(n) ? faketimeEnv(n.facts.faketime!, `${n.dir}/faketimerc`) : {}),
    };
    await n.host.writeFile(`${n.dir}/node.env`, envFile(env), 0o600);
    await n.host.must('write the clock file', clockScript(`${n.dir}/faketimerc`, faketimeOffset(0)));
    n.command = ps.command;
  }

  private async startNode(n: SshNode): Promise<void> {
    const out = await n.host.must(`start ${n.name}`, startScript(n.dir, n.command));
    // The last line: a login script that prints something on every exec must not hide the pid.
    const pid = Number(out.trim().split('\n').pop());
    if (!Number.isInteger(pid) || pid <= 1)
      throw new Error(`start ${n.name} on ${n.host.who}: no pid (got "${out.trim()}")`);
    n.pid = pid;
    n.state = 'running';
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

  private node(name: string): SshNode {
    const n = this.list.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} (nodes: ${this.list.map((x) => x.name).join(', ')})`);
    return n;
  }

  async waitHealthy(timeoutMs: number, names?: string[]): Promise<void> {
    const handles = this.nodes();
    try {
      await waitFor('cluster not healthy', timeoutMs, () => this.spec!.health(handles, names), 100);
    } catch (e) {
      const dead = await this.exited((names ?? this.list.map((x) => x.name)).map((x) => this.node(x)));
      throw new Error(`${(e as Error).message}${dead.length ? `; ${dead.join('; ')}` : ''}`);
    }
  }

  /** Which of these started nodes are gone, each with the last lines of its log (on the host until teardown). */
  private async exited(nodes: SshNode[]): Promise<string[]> {
    const dead: string[] = [];
    for (const n of nodes) {
      if (n.pid === undefined || n.state === 'killed') continue;
      const r = await n.host.exec(aliveScript(n.pid, n.dir));
      if (r.code !== 0)
        dead.push(`${n.name} exited: ${r.stdout.split('\n').slice(1).join(' | ').trim().slice(0, 400)}`);
    }
    return dead;
  }

  // ---- process faults ------------------------------------------------------------------------------------

  kill(name: string): Promise<void> {
    const n = this.node(name);
    return serial(n, async () => {
      if (n.state === 'killed' || n.pid === undefined) return;
      await n.host.must(`kill ${name}`, killScript(n.pid, n.dir));
      n.state = 'killed';
    });
  }

  /** The data folder, the clock file and the host's rules all outlive the process: nothing to re-apply. */
  async start(name: string): Promise<void> {
    const n = this.node(name);
    const started = await serial(n, async () => {
      if (n.state !== 'killed') return false;
      await this.startNode(n);
      return true;
    });
    // The Runtime contract, as on docker and local: resolved once the node answers its health check. The host's
    // rules and the node's faketimerc outlived the process, so its faults are still in force.
    if (started) await this.waitHealthy(START_HEALTHY_MS, [name]);
  }

  pause(name: string): Promise<void> {
    const n = this.node(name);
    return serial(n, async () => {
      if (n.state !== 'running') return;
      await n.host.must(`pause ${name}`, signalScript(n.pid!, n.dir, 'STOP'));
      n.state = 'paused';
    });
  }

  resume(name: string): Promise<void> {
    const n = this.node(name);
    return serial(n, async () => {
      if (n.state !== 'paused') return;
      await n.host.must(`resume ${name}`, signalScript(n.pid!, n.dir, 'CONT'));
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

  private syncAll(): Promise<void> {
    return Promise.all(this.list.map((n) => serial(n, () => this.syncRules(n)))).then(() => undefined);
  }

  private async syncRules(n: SshNode): Promise<void> {
    const inputs = this.net.ruleInputs(
      this.spec!.runId,
      n.name,
      this.list.map((x) => x.name),
      (y) => this.node(y).ip,
    );
    const want = desiredRules(inputs);
    const text = restoreText(n.rules, want);
    if (text === undefined) return;
    if (n.facts.sudo === undefined)
      throw new Error(`partitions and loss need iptables as root on ${n.host.who}: ${n.facts.firewallError}`);
    const r = await n.host.exec(restoreScript(n.facts.sudo), text);
    if (r.code !== 0) throw new Error(`iptables on ${n.host.who}: ${firstLine(r)}`);
    n.rules = want;
  }

  async latency(names: string[], ms: number, jitterMs = 0): Promise<void> {
    // Removing a delay always works (there is none without netem); adding one needs netem on every host.
    const why = ms > 0 || jitterMs > 0 ? await this.cannot('latency') : undefined;
    if (why) throw new Error(why);
    this.net.setLatency(names, ms, jitterMs);
    await Promise.all(
      this.list.map((n) =>
        serial(n, async () => {
          const delays: Delay[] = [...this.net.latency]
            .filter(([x]) => x !== n.name)
            .map(([x, d]) => ({ ip: this.node(x).ip, ...d }));
          if (delays.length === 0 && !n.netem) return;
          await n.host.must('tc netem', netemScript(n.facts.sudo ?? '', delays));
          n.netem = delays.length > 0;
        }),
      ),
    );
  }

  // ---- clocks --------------------------------------------------------------------------------------------

  private clockable(n: SshNode): boolean {
    return this.spec!.clockFaults && n.facts.faketime !== undefined;
  }

  async clockSupported(): Promise<boolean> {
    return (await this.cannot('clock')) === undefined;
  }

  async clockSet(name: string, offsetMs: number): Promise<void> {
    const n = this.node(name);
    const why = await this.cannot('clock');
    if (why) throw new Error(why);
    // Serialized per node: clock:strobe rewrites the file every 200 ms while a stop may write it too.
    await serial(n, () =>
      n.host.must(`set ${name}'s clock`, clockScript(`${n.dir}/faketimerc`, faketimeOffset(offsetMs))),
    );
    if (offsetMs === 0) this.clocks.delete(name);
    else this.clocks.set(name, offsetMs);
  }

  async clockReset(names?: string[]): Promise<void> {
    if ((await this.cannot('clock')) !== undefined && this.clocks.size === 0) return;
    for (const x of names ?? this.list.map((n) => n.name)) await this.clockSet(x, 0);
  }

  /** Current clock offsets (ms) of nodes whose clock was moved. */
  clockOffsets(): Record<string, number> {
    return Object.fromEntries(this.clocks);
  }

  async cannot(kind: string): Promise<string | undefined> {
    const spec = this.spec;
    if (!spec) return undefined;
    if (kind === 'partition' || kind === 'loss') {
      const n = this.list.find((x) => x.facts.sudo === undefined);
      return n && `${kind} needs iptables as root (or through sudo -n) on ${n.host.who}: ${n.facts.firewallError}`;
    }
    if (kind === 'latency') {
      const n = this.list.find((x) => x.facts.netemError !== undefined || x.facts.sudo === undefined);
      if (!n) return undefined;
      const why = n.facts.netemError ?? n.facts.firewallError;
      return `latency needs tc netem (the kernel's sch_netem) as root on every host; on ${n.host.who}: ${why}`;
    }
    if (kind === 'clock') {
      if (!spec.clockFaults) return "clock faults do not reach this target's programs";
      const n = this.list.find((x) => x.facts.faketime === undefined);
      return n && `clock faults need libfaketime on every host; ${n.host.who} has none (apt-get install faketime)`;
    }
    return undefined;
  }

  // ---- heal everything, tear down ------------------------------------------------------------------------

  async healAll(): Promise<void> {
    const delayed = [...this.net.latency.keys()];
    this.net.clear();
    await this.syncAll();
    if (delayed.length > 0 || this.list.some((n) => n.netem)) await this.latency(delayed, 0, 0);
    if (await this.clockSupported()) await this.clockReset();
    await Promise.all(
      this.list.map(async (n) => {
        await this.resume(n.name);
        await this.start(n.name);
      }),
    );
  }

  down(): Promise<void> {
    this.downing ??= this.doDown();
    return this.downing;
  }

  private async doDown(): Promise<void> {
    const spec = this.spec;
    await Promise.all(
      this.list.map(async (n) => {
        const note = (what: string, e: unknown) =>
          this.log(`teardown on ${n.host.who}: ${what}: ${(e as Error).message}`);
        if (!spec || n.dir === '') return n.host.close();
        const runDir = n.dir.slice(0, n.dir.lastIndexOf('/'));
        // Processes and rules first (the sweep checks each pid by its cwd), then copy what the node left.
        await n.host.must('sweep', sweepScript(runDir, spec.runId, n.facts.sudo)).catch((e) => note('sweep', e));
        n.state = 'killed';
        n.rules = [];
        n.netem = false;
        try {
          const local = join(spec.logDir, n.name);
          mkdirSync(local, { recursive: true });
          const c = await collectNode(n.host, n.dir, local);
          if (c.skipped) this.log(`${n.name}: ${c.skipped} data files left on ${n.host.who} (over the copy budget)`);
        } catch (e) {
          note('collect logs and data', e);
        }
        await n.host.exec(`rm -rf ${q(runDir)}`).catch((e) => note('remove the run folder', e));
        await this.disarm(n);
        n.host.close();
      }),
    );
    this.unregister?.();
  }

  /** Ends the watchdog's input (it sweeps again, finding nothing) and waits for it to finish, up to 5 s. */
  private async disarm(n: SshNode): Promise<void> {
    const ch = n.watchdog;
    if (!ch) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      ch.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ch.end();
    });
  }

  // ---- for tests -----------------------------------------------------------------------------------------

  /** The iptables rules this runtime has on the node's host. */
  rulesOf(name: string): string[][] {
    return this.node(name).rules.map((r) => [...r]);
  }

  pidOf(name: string): number | undefined {
    const n = this.node(name);
    return n.state === 'killed' ? undefined : n.pid;
  }
}

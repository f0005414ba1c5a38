// Latency on docker peer links without kernel netem (this kernel has none): a harness-side userspace relay that
// peer traffic is steered through while latency is active. DESIGN.md's fault table measured tc/netem as
// unavailable here, so, as on the local runtime, delay is done by holding bytes back in order.
//
//   steering   inside the sending container's netns: `nat OUTPUT -d <peer ip> --dport <peer port> -j DNAT
//              --to-destination <gateway>:<relay port of that peer>`, appended and deleted one by one, never
//              flushing (Docker's embedded DNS lives in the nat table). Connections that existed before the DNAT
//              keep their direct path (conntrack); a `filter OUTPUT ... -j REJECT --reject-with tcp-reset` on the
//              same destination resets exactly those (new connections are already rewritten to the gateway
//              before filter OUTPUT sees them), so the node reconnects through the relay.
//   relay      one listener per (node, peer port) on the network's gateway IP; the sender is the source IP of
//              the connection; each chunk arriving at a delayed node waits ms ± jitter, in order.
//   which      a dial x → y is steered while x or y has latency (bytes to either may need delaying). Steering
//              is removed when latency ends; connections already relayed stay relayed (zero delay) until they
//              close.
// Relayed connections reach the peer from the gateway's address, where the INPUT rules of a partition (which
// match the sender's IP) cannot see them, so the relay enforces the current grudge itself: bytes on a cut link
// are dropped and the connection is reset once the link heals (a stream with a hole is no protocol), as the
// local relay does; loss is applied as delay (one retransmission timeout with probability p).
import { DelayedWriter } from '../delayed-writer.js';
import { chunkDelay, endAll, endTogether } from '../relayed-conn.js';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { run, type Rule } from './iptables.js';

export interface LatencySetting {
  ms: number;
  jitterMs: number;
}

export interface RelayHooks {
  /** `to` must not hear `from` (the runtime's grudge). */
  isCut(from: string, to: string): boolean;
  lossOf(to: string): number;
  latencyOf(to: string): LatencySetting | undefined;
  random?: () => number;
}

/** Which dials x → y go through the relay: those with latency at either end. Pure. */
export function steeredLinks(names: readonly string[], delayed: ReadonlySet<string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const x of names) for (const y of names) if (x !== y && (delayed.has(x) || delayed.has(y))) out.push([x, y]);
  return out;
}

export interface SteerRule {
  table: 'nat' | 'filter';
  rule: Rule;
}

/** The OUTPUT rules node `x` needs so its dials to each peer in `to` go through the relay. Pure. */
export function steeringRules(o: {
  runId: string;
  gateway: string;
  to: Array<{ ip: string; port: number; relayPort: number }>;
}): SteerRule[] {
  const tag = ['-m', 'comment', '--comment', `faultline:${o.runId}:latency`];
  const rules: SteerRule[] = [];
  for (const t of o.to) {
    const match = ['-d', t.ip, '-p', 'tcp', '--dport', String(t.port), ...tag];
    rules.push({ table: 'nat', rule: [...match, '-j', 'DNAT', '--to-destination', `${o.gateway}:${t.relayPort}`] });
    rules.push({ table: 'filter', rule: [...match, '-j', 'REJECT', '--reject-with', 'tcp-reset'] });
  }
  return rules;
}

function quote(s: string): string {
  return /^[A-Za-z0-9_.:/=+-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/** Brings the OUTPUT steering rules of the netns of `pid` from `have` to `want` (append/delete only, no flush). */
export async function syncSteering(pid: number, have: SteerRule[], want: SteerRule[], who: string): Promise<void> {
  const key = (r: SteerRule): string => `${r.table} ${r.rule.join(' ')}`;
  const haveK = new Set(have.map(key));
  const wantK = new Set(want.map(key));
  const add = want.filter((r) => !haveK.has(key(r)));
  const del = have.filter((r) => !wantK.has(key(r)));
  if (add.length === 0 && del.length === 0) return;
  const lines: string[] = [];
  for (const table of ['nat', 'filter'] as const) {
    const a = add.filter((r) => r.table === table),
      d = del.filter((r) => r.table === table);
    if (a.length + d.length === 0) continue;
    // nat before filter in each table section order is irrelevant; within nat, DNAT must exist before the REJECT
    // in filter starts resetting direct connections, which one atomic restore of both tables gives.
    lines.push(
      `*${table}`,
      ...a.map((r) => `-A OUTPUT ${r.rule.map(quote).join(' ')}`),
      ...d.map((r) => `-D OUTPUT ${r.rule.map(quote).join(' ')}`),
      'COMMIT',
    );
  }
  const r = await run(
    'nsenter',
    ['-t', String(pid), '-n', 'iptables-restore', '-w', '--noflush'],
    `${lines.join('\n')}\n`,
  );
  if (r.code === 0) return;
  // One rule at a time (a rule may have vanished with a restart we did not see).
  for (const x of del)
    await run('nsenter', ['-t', String(pid), '-n', 'iptables', '-w', '-t', x.table, '-D', 'OUTPUT', ...x.rule]);
  for (const x of add) {
    const a = await run('nsenter', [
      '-t',
      String(pid),
      '-n',
      'iptables',
      '-w',
      '-t',
      x.table,
      '-A',
      'OUTPUT',
      ...x.rule,
    ]);
    if (a.code !== 0)
      throw new Error(
        `iptables (${x.table} OUTPUT) in ${who}'s network namespace failed: ${a.stderr.trim() || r.stderr.trim()}`,
      );
  }
}

/** One direction of one relayed connection: in order, maybe delayed, dropped while the link is cut. */
class Pipe {
  holed = false;
  private readonly writer: DelayedWriter;
  constructor(
    readonly from: string,
    readonly to: string,
    out: Socket,
    private readonly relay: PeerRelay,
  ) {
    this.writer = new DelayedWriter(out);
  }

  push(chunk: Buffer): void {
    const h = this.relay.hooks;
    if (h.isCut(this.from, this.to)) {
      this.holed = true;
      return;
    }
    const delay = chunkDelay(h.lossOf(this.to), h.latencyOf(this.to), () => this.relay.random(), 200);
    this.relay.bytes += chunk.length;
    if (this.writer.write(chunk, delay)) this.relay.delayedChunks++;
  }

  stop(): void {
    this.writer.stop();
  }
}

interface Conn {
  down: Socket;
  up: Socket;
  send: Pipe;
  reply: Pipe;
}

export interface PeerRelayOptions {
  gateway: string;
  /** node name → container IP */
  ips: Record<string, string>;
  /** Peer ports (container side) every node listens on. */
  ports: number[];
  hooks: RelayHooks;
}

/** The harness-side relay on the docker network's gateway. */
export class PeerRelay {
  private readonly servers = new Map<string, { server: Server; port: number }>();
  private readonly conns = new Set<Conn>();
  private readonly byIp: Map<string, string>;
  readonly random: () => number;
  /** Connections relayed, bytes carried and chunks held back (for tests and the bench). */
  accepted = 0;
  bytes = 0;
  delayedChunks = 0;

  private constructor(
    readonly o: PeerRelayOptions,
    readonly hooks: RelayHooks,
  ) {
    this.byIp = new Map(Object.entries(o.ips).map(([n, ip]) => [ip, n]));
    this.random = hooks.random ?? Math.random;
  }

  static async create(o: PeerRelayOptions): Promise<PeerRelay> {
    const r = new PeerRelay(o, o.hooks);
    try {
      for (const name of Object.keys(o.ips)) for (const port of o.ports) await r.listen(name, port);
    } catch (e) {
      await r.close();
      throw new Error(`latency relay: cannot listen on the network gateway ${o.gateway}: ${(e as Error).message}`);
    }
    return r;
  }

  private listen(name: string, port: number): Promise<void> {
    const server = createServer({ noDelay: true }, (s) => this.accept(name, port, s));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.o.gateway, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        this.servers.set(`${name}/${port}`, { server, port: (server.address() as AddressInfo).port });
        resolve();
      });
    });
  }

  /** The gateway port that stands for node `name`'s peer port. */
  relayPort(name: string, port: number): number {
    const s = this.servers.get(`${name}/${port}`);
    if (!s) throw new Error(`latency relay: no listener for ${name}:${port}`);
    return s.port;
  }

  private accept(to: string, port: number, down: Socket): void {
    down.on('error', () => undefined);
    const from = down.remoteAddress ? this.byIp.get(down.remoteAddress.replace(/^::ffff:/, '')) : undefined;
    if (!from) {
      down.destroy();
      return;
    }
    this.accepted++;
    const up = new Socket();
    up.setNoDelay(true);
    const conn: Conn = { down, up, send: new Pipe(from, to, up, this), reply: new Pipe(to, from, down, this) };
    this.conns.add(conn);
    const close = endTogether(conn, this.conns);
    const healedHole = (p: Pipe): boolean => p.holed && !this.hooks.isCut(p.from, p.to);
    down.on('data', (b: Buffer) => {
      if (healedHole(conn.send) || healedHole(conn.reply)) {
        down.resetAndDestroy();
        close();
        return;
      }
      conn.send.push(b);
    });
    up.on('data', (b: Buffer) => {
      if (healedHole(conn.send) || healedHole(conn.reply)) {
        down.resetAndDestroy();
        close();
        return;
      }
      conn.reply.push(b);
    });
    up.connect(port, this.o.ips[to]);
  }

  /** Open relayed connections. */
  connections(): number {
    return this.conns.size;
  }

  async close(): Promise<void> {
    endAll(this.conns);
    await Promise.all([...this.servers.values()].map((s) => new Promise<void>((r) => s.server.close(() => r()))));
    this.servers.clear();
  }
}

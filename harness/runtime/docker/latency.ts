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
//   relay      the relay core (relay-core.ts) with one front per (node, peer port) on the network's gateway IP;
//              the sender is the source IP of the connection; each chunk arriving at a delayed node waits
//              ms ± jitter, in order.
//   which      a dial x → y is steered while x or y has latency (bytes to either may need delaying). Steering
//              is removed when latency ends; connections already relayed stay relayed (zero delay) until they
//              close.
// Relayed connections reach the peer from the gateway's address, where the INPUT rules of a partition (which
// match the sender's IP) cannot see them, so the relay enforces the current grudge itself: bytes on a cut link
// are dropped and the connection is reset once the link heals (a stream with a hole is no protocol), as the
// local relay does; loss is applied as delay (one retransmission timeout with probability p).
import { RelayCore, type LatencySetting } from '../relay-core.js';
import type { TableRule } from './iptables.js';

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

/** A rule of a node's OUTPUT chain (nat: the DNAT to the relay; filter: the reset of direct connections). */
export type SteerRule = TableRule;

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

export interface PeerRelayOptions {
  gateway: string;
  /** node name → container IP */
  ips: Record<string, string>;
  /** Peer ports (container side) every node listens on. */
  ports: number[];
  hooks: RelayHooks;
}

/**
 * The harness-side relay on the docker network's gateway: the relay core with one front per (node, peer port),
 * the sender told by its source IP (a connection from any other address is refused), and the runtime's grudge,
 * loss and latency as its fault settings (a cut drops bytes: the iptables rules cannot see relayed connections).
 */
export class PeerRelay {
  private constructor(
    readonly gateway: string,
    private readonly core: RelayCore,
  ) {}

  static async create(o: PeerRelayOptions): Promise<PeerRelay> {
    const byIp = new Map(Object.entries(o.ips).map(([n, ip]) => [ip, n]));
    try {
      const core = await RelayCore.create({
        fronts: Object.keys(o.ips).flatMap((node) => o.ports.map((port) => ({ node, port: String(port) }))),
        host: o.gateway,
        faults: {
          cutMode: (from, to) => (o.hooks.isCut(from, to) ? 'drop' : undefined),
          lossOf: (to) => o.hooks.lossOf(to),
          latencyOf: (to) => o.hooks.latencyOf(to),
        },
        identify: (sock) => (sock.remoteAddress ? byIp.get(sock.remoteAddress.replace(/^::ffff:/, '')) : undefined),
        strangers: 'refuse',
        upstream: (to, port) => ({ host: o.ips[to], port: Number(port) }),
        random: o.hooks.random,
      });
      return new PeerRelay(o.gateway, core);
    } catch (e) {
      throw new Error(`latency relay: cannot listen on the network gateway ${o.gateway}: ${(e as Error).message}`);
    }
  }

  /** The gateway port that stands for node `name`'s peer port. */
  relayPort(name: string, port: number): number {
    return this.core.port(name, String(port));
  }

  /** Connections relayed, open now, bytes carried and chunks held back (for tests and the bench). */
  stats(): { accepted: number; open: number; bytes: number; delayedChunks: number } {
    const links = Object.values(this.core.allCounters());
    const sum = (f: (c: (typeof links)[number]) => number): number => links.reduce((a, c) => a + f(c), 0);
    return {
      accepted: sum((c) => c.accepted),
      open: this.core.connections(),
      bytes: sum((c) => c.bytesForwarded),
      delayedChunks: sum((c) => c.chunksDelayed),
    };
  }

  close(): Promise<void> {
    return this.core.close();
  }
}

// etcd as a ClusterSpec: the flags for member i of N (etcd's clustering guide, static bootstrap), its image
// (docker/etcd.Dockerfile: the host's /usr/bin/etcd from Debian's etcd-server and the libraries ldd lists, FROM
// the locally made base; no registry) and its health check. On the local runtime the binary on PATH runs
// directly; every member advertises one peer URL per node, which on loopback is that node's relay front (the
// relay tells senders apart through /proc, so the same --initial-cluster string serves every member).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { repoRoot } from '../../harness/paths.js';
import type {
  Addressing,
  ClusterSpec,
  HostInstaller,
  ImageBuilder,
  TargetContext,
  TargetOptions,
} from '../../harness/target/types.js';
import { health } from './status.js';

export const CLIENT_PORT = 2379;
export const PEER_PORT = 2380;
/** etcd's defaults (ms). */
export const DEFAULT_ELECTION_MS = 1000;
export const DEFAULT_HEARTBEAT_MS = 100;

/** The etcd binary: $FAULTLINE_ETCD, else `etcd` on PATH. undefined when there is none. */
export function findEtcd(): string | undefined {
  const env = process.env.FAULTLINE_ETCD;
  if (env) return existsSync(env) ? env : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'etcd'))) return join(dir, 'etcd');
  }
  return undefined;
}

export const NO_ETCD =
  "no etcd binary found (install Debian's etcd-server: apt-get install etcd-server, or set FAULTLINE_ETCD)";

/** `etcd --version`'s first line's version, e.g. 3.4.23. */
export function etcdVersion(bin = findEtcd()): string | undefined {
  if (!bin) return undefined;
  try {
    return /etcd Version:\s*(\S+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 5000 }))?.[1];
  } catch {
    return undefined;
  }
}

export function timeouts(o: TargetOptions): { election: number; heartbeat: number } {
  return {
    election: o['election-ms'] !== undefined ? Number(o['election-ms']) : DEFAULT_ELECTION_MS,
    heartbeat: o['heartbeat-ms'] !== undefined ? Number(o['heartbeat-ms']) : DEFAULT_HEARTBEAT_MS,
  };
}

/** etcd's flags for member `name` (fsync stays on: etcd's default, and what its guarantees assume). */
export function etcdArgs(name: string, a: Addressing, ctx: Pick<TargetContext, 'runId' | 'options'>): string[] {
  const t = timeouts(ctx.options);
  return [
    '--name',
    name,
    // A folder of its own inside the node's data directory: etcd creates it with the 0700 it insists on.
    '--data-dir',
    `${a.dataDir(name)}/etcd`,
    '--listen-client-urls',
    `http://${a.listenHost}:${a.port(name, 'client')}`,
    '--advertise-client-urls',
    `http://${a.clientAddr(name, 'client')}`,
    '--listen-peer-urls',
    `http://${a.listenHost}:${a.port(name, 'peer')}`,
    '--initial-advertise-peer-urls',
    `http://${a.peerAddr(name, 'peer')}`,
    '--initial-cluster',
    a.names.map((n) => `${n}=http://${a.peerAddr(n, 'peer')}`).join(','),
    '--initial-cluster-state',
    'new',
    '--initial-cluster-token',
    ctx.runId,
    '--election-timeout',
    String(t.election),
    '--heartbeat-interval',
    String(t.heartbeat),
    '--logger',
    'zap',
  ];
}

/**
 * ssh: the hosts' own etcd when every host has one on PATH, else the controller's, uploaded with its libraries
 * and run through its own loader as in the image. Resolves etcd's argv head.
 */
async function install(h: HostInstaller): Promise<string[]> {
  const onHosts = await h.which('etcd');
  if (onHosts) {
    h.log(`etcd: ${onHosts} on every host`);
    return [onHosts];
  }
  const bin = findEtcd();
  if (!bin) throw new Error(`etcd is on no host's PATH and cannot be uploaded: ${NO_ETCD}`);
  const files = h.hostBinary(bin, 'etcd', 'etcd');
  const loader = Object.keys(files).find((f) => /^etcd\/lib\/ld-linux/.test(f));
  const bundle = await h.upload('etcd', files);
  const etcd = `${bundle}/etcd/etcd`;
  return loader ? [`${bundle}/${loader}`, '--library-path', `${bundle}/etcd/lib`, etcd] : [etcd];
}

async function image(b: ImageBuilder): Promise<string> {
  const bin = findEtcd();
  if (!bin) throw new Error(NO_ETCD);
  return b.build({
    name: 'etcd',
    dockerfile: join(repoRoot(), 'docker', 'etcd.Dockerfile'),
    files: b.hostBinary(bin, 'etcd', 'etcd'),
    labels: { 'faultline.etcd': etcdVersion(bin) ?? 'unknown' },
  });
}

export function etcdCluster(ctx: TargetContext): Omit<ClusterSpec, 'runId' | 'nodes' | 'logDir'> {
  let onHosts: string[] | undefined;
  return {
    ports: [
      { name: 'client', kind: 'client', container: CLIENT_PORT },
      { name: 'peer', kind: 'peer', container: PEER_PORT },
    ],
    install: async (h) => {
      onHosts = await install(h);
    },
    node: (name, a) => {
      const args = etcdArgs(name, a, ctx);
      if (a.runtime === 'docker') return { command: args };
      if (a.runtime === 'ssh') {
        if (!onHosts) throw new Error('ssh: etcd was not installed');
        return { command: [...onHosts, ...args] };
      }
      const bin = findEtcd();
      if (!bin) throw new Error(NO_ETCD);
      return { command: [bin, ...args] };
    },
    image,
    health,
    // Go reads the clock through vDSO/raw syscalls: libfaketime's LD_PRELOAD never reaches it.
    clockFaults: false,
  };
}

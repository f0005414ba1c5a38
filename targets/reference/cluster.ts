// The reference cluster as a ClusterSpec: the node's flags for node i of N (docs/node.md), its image
// (docker/Dockerfile over dist/system and the node's runtime packages) and its health check.
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  Addressing,
  ClusterSpec,
  HostFiles,
  HostInstaller,
  ImageBuilder,
  TargetContext,
  TargetOptions,
} from '../../harness/target/types.js';
import { repoRoot } from '../../harness/paths.js';
import { ADMIN_TOKEN_ENV, adminTokenOf } from './admin-token.js';
import { health } from './status.js';

export const CLIENT_PORT = 8000;
export const PEER_PORT = 7000;
export const TICK_MS = 10;
/** The node's defaults (system/node/config.ts): election 30 ticks, heartbeat 3. */
const DEFAULT_ELECTION_TICKS = 30;
const DEFAULT_HEARTBEAT_TICKS = 3;

const NODE_MAIN = resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'system', 'node', 'main.js');

/** Milliseconds to node ticks (at least `min`). */
export function msToTicks(ms: number, min = 1): number {
  return Math.max(min, Math.round(ms / TICK_MS));
}

/** Election and heartbeat ticks from the options; the node insists heartbeat < election. */
export function raftTicks(o: TargetOptions): { election: number; heartbeat: number } {
  const e = o['election-ms'] !== undefined ? msToTicks(Number(o['election-ms']), 2) : DEFAULT_ELECTION_TICKS;
  let h =
    o['heartbeat-ms'] !== undefined ? msToTicks(Number(o['heartbeat-ms'])) : Math.min(DEFAULT_HEARTBEAT_TICKS, e - 1);
  if (h >= e) h = Math.max(1, Math.floor(e / 3));
  return { election: e, heartbeat: h };
}

export function bugsOf(o: TargetOptions): string[] {
  return (o.bug ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** The node's flags for node `name` laid out by `a`. */
export function nodeArgs(name: string, a: Addressing, o: TargetOptions): string[] {
  const t = raftTicks(o);
  const args = [
    '--id',
    name,
    '--peers',
    a.names.map((p) => `${p}=${a.peerAddr(p, 'peer')}`).join(','),
    '--client-urls',
    a.names.map((p) => `${p}=http://${a.clientAddr(p, 'client')}`).join(','),
    '--listen',
    a.listenHost,
    '--client-port',
    String(a.port(name, 'client')),
    '--peer-port',
    String(a.port(name, 'peer')),
    '--data-dir',
    a.dataDir(name),
    '--tick-ms',
    String(TICK_MS),
    '--election-ticks',
    String(t.election),
    '--heartbeat-ticks',
    String(t.heartbeat),
  ];
  if (o.shards) args.push('--shards', o.shards);
  if (o.replication) args.push('--replication', o.replication);
  if (o['snapshot-every']) args.push('--snapshot-every', o['snapshot-every']);
  if (o['wal-segment-bytes']) args.push('--wal-segment-bytes', o['wal-segment-bytes']);
  for (const b of bugsOf(o)) args.push('--bug', b);
  return args;
}

/**
 * The node's bundle: package.json, dist/system and the packages main.js imports (wherever npm put them: hoisted
 * into a user's project when Faultline is a dependency), each under `prefix`.
 */
function appFiles(h: HostFiles, prefix: string): Record<string, string> {
  const root = repoRoot();
  return {
    [`${prefix}package.json`]: join(root, 'package.json'),
    [`${prefix}dist/system`]: join(root, 'dist', 'system'),
    // The node's run-time packages: pino and yargs (system/node), with their dependencies.
    ...h.nodePackages(root, ['pino', 'yargs'], `${prefix}node_modules`),
  };
}

async function image(b: ImageBuilder): Promise<string> {
  return b.build({ name: 'node', dockerfile: join(repoRoot(), 'docker', 'Dockerfile'), files: appFiles(b, 'app/') });
}

/** ssh: the bundle goes to every host; the hosts' own node (20.15 or later) runs it. Resolves node's argv head. */
async function install(h: HostInstaller): Promise<string[]> {
  const node = await h.which('node');
  if (!node)
    throw new Error(
      "the reference target runs on the hosts' own node (20.15 or later), which is not on PATH on every host",
    );
  const app = await h.upload('reference', appFiles(h, ''));
  return [node, `${app}/dist/system/node/main.js`];
}

export function referenceCluster(ctx: TargetContext): Omit<ClusterSpec, 'runId' | 'nodes' | 'logDir'> {
  const o = ctx.options;
  let onHosts: string[] | undefined;
  return {
    ports: [
      { name: 'client', kind: 'client', container: CLIENT_PORT },
      { name: 'peer', kind: 'peer', container: PEER_PORT },
    ],
    node: (name, a) => {
      const args = nodeArgs(name, a, o);
      // The peer secret and the admin token go through the environment, never argv, so `ps` does not show them.
      const env = { FAULTLINE_NODE_PEER_SECRET: ctx.secret, [ADMIN_TOKEN_ENV]: adminTokenOf(ctx.secret) ?? '' };
      if (a.runtime === 'ssh') {
        if (!onHosts) throw new Error('ssh: the node bundle was not installed');
        return { command: [...onHosts, ...args], env };
      }
      return { command: a.runtime === 'local' ? [process.execPath, NODE_MAIN, ...args] : args, env };
    },
    image,
    install: async (h) => {
      onHosts = await install(h);
    },
    health,
    clockFaults: true,
  };
}

/** The whole ClusterSpec, for tests and benches that drive a runtime directly. */
export function referenceSpec(c: {
  runId: string;
  nodes: number;
  logDir: string;
  options?: TargetOptions;
  secret?: string;
}): ClusterSpec {
  const ctx: TargetContext = {
    runId: c.runId,
    nodes: c.nodes,
    logDir: c.logDir,
    options: c.options ?? {},
    secret: c.secret ?? randomBytes(16).toString('hex'),
  };
  return { runId: c.runId, nodes: c.nodes, logDir: c.logDir, ...referenceCluster(ctx) };
}

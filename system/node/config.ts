// Node configuration from flags, with FAULTLINE_NODE_* environment variables as fallbacks (containers set env).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ADMIN_TOKEN_ENV, MIN_ADMIN_TOKEN_LENGTH } from './admin-auth.js';

export const KNOWN_BUGS = [
  'stale-read',
  'old-term-commit',
  'no-fsync',
  'no-dir-fsync',
  'vote-twice',
  'wrong-shard',
  'lock-no-fence',
  'lease-local-clock',
  'read-no-heartbeat',
  'early-ack',
  'release-any-owner',
  'conf-concurrent',
  'txn-read-uncommitted-lock',
  '2pc-early-ack',
  '2pc-unlock-before-decision',
] as const;

export interface NodeConfig {
  id: string;
  /** id → host:port of each member's peer (Raft) listener, this node included. */
  peers: Map<string, { host: string; port: number }>;
  /** id → base URL of each member's client API, for not-leader redirects. */
  clientUrls: Map<string, string>;
  listenHost: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  requestTimeoutMs: number;
  snapshotEvery: number;
  /** The write-ahead log rolls to a checkpoint segment beyond this many bytes. */
  walSegmentBytes: number;
  /** Shards (fixed at cluster creation) and replicas per shard. */
  shards: number;
  replication: number;
  fsync: boolean;
  bugs: string[];
  logLevel: string;
  /** The cluster's peer secret ('' when none: then peers are accepted on loopback only). */
  peerSecret: string;
  /** The admin token (admin-auth.ts; '' when none: then admin requests are taken from loopback only). */
  adminToken: string;
}

/** Shortest accepted peer secret (the harness generates 32 random bytes). */
export const MIN_SECRET_LENGTH = 16;

/** 127.0.0.0/8, ::1 and localhost: the addresses other machines cannot reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function parseMap(spec: string, what: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`--${what}: expected id=value pairs separated by commas, got "${part}"`);
    m.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return m;
}

function hostPort(s: string, what: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`--${what}: "${s}" is not host:port`);
  return { host: s.slice(0, i), port };
}

export function parseConfig(argv = hideBin(process.argv)): NodeConfig {
  const a = yargs(argv)
    .env('FAULTLINE_NODE')
    .scriptName('faultline-node')
    .option('id', { type: 'string', demandOption: true, describe: "this node's id (must appear in --peers)" })
    .option('peers', { type: 'string', demandOption: true, describe: 'every member: id=host:peerPort,...' })
    .option('client-urls', {
      type: 'string',
      default: '',
      describe: "every member's API: id=http://host:port,... (for redirects)",
    })
    .option('listen', {
      type: 'string',
      default: '127.0.0.1',
      describe: 'address to listen on (any other than loopback needs a peer secret)',
    })
    .option('peer-secret', {
      type: 'string',
      describe:
        "the cluster's shared secret for peer authentication; " +
        'pass it as FAULTLINE_NODE_PEER_SECRET, not on the command line',
    })
    .option('admin-token', {
      type: 'string',
      describe: `the token admin requests must carry; only as ${ADMIN_TOKEN_ENV} (refused on the command line)`,
    })
    .option('client-port', { type: 'number', default: 8080 })
    .option('peer-port', { type: 'number', describe: 'default: the port --peers gives for --id' })
    .option('data-dir', { type: 'string', demandOption: true })
    .option('tick-ms', { type: 'number', default: 10 })
    .option('election-ticks', {
      type: 'number',
      default: 30,
      describe: 'election timeout, randomized in [e, 2e) ticks',
    })
    .option('heartbeat-ticks', { type: 'number', default: 3 })
    .option('request-timeout-ms', { type: 'number', default: 2000 })
    .option('snapshot-every', {
      type: 'number',
      default: 10000,
      describe: 'compact the log after this many applied entries',
    })
    .option('wal-segment-bytes', {
      type: 'number',
      default: 64 * 1024 * 1024,
      describe: 'roll the write-ahead log to a checkpoint segment beyond this size',
    })
    .option('shards', {
      type: 'number',
      default: 8,
      describe: 'number of shards S (fixed at cluster creation): shard = hash(key) mod S',
    })
    .option('replication', {
      type: 'number',
      default: 3,
      describe: 'replicas per shard R (capped at the number of members)',
    })
    .option('fsync', { type: 'boolean', default: true })
    .option('bug', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: `planted bugs: ${KNOWN_BUGS.join(', ')}`,
    })
    .option('log-level', { type: 'string', default: 'info' })
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .parseSync();
  const peerSpecs = parseMap(a.peers, 'peers');
  const peers = new Map([...peerSpecs].map(([id, s]) => [id, hostPort(s, 'peers')]));
  if (!peers.has(a.id)) throw new Error(`--id ${a.id} is not among --peers (${[...peers.keys()].join(', ')})`);
  const bugs = (a.bug as string[]).flatMap((b) => b.split(',')).filter(Boolean);
  for (const b of bugs)
    if (!(KNOWN_BUGS as readonly string[]).includes(b))
      throw new Error(`unknown --bug ${b}; known: ${KNOWN_BUGS.join(', ')}`);
  for (const [k, v] of [
    ['tick-ms', a.tickMs],
    ['election-ticks', a.electionTicks],
    ['heartbeat-ticks', a.heartbeatTicks],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`--${k} must be a positive integer`);
  }
  if (!Number.isInteger(a.walSegmentBytes) || a.walSegmentBytes < 4096)
    throw new Error('--wal-segment-bytes must be an integer of at least 4096');
  if (!Number.isInteger(a.shards) || a.shards < 1 || a.shards > 256)
    throw new Error('--shards must be an integer from 1 to 256');
  if (!Number.isInteger(a.replication) || a.replication < 1)
    throw new Error('--replication must be a positive integer');
  if (a.heartbeatTicks >= a.electionTicks) throw new Error('--heartbeat-ticks must be smaller than --election-ticks');
  const peerSecret = a.peerSecret ?? '';
  if (peerSecret !== '' && peerSecret.length < MIN_SECRET_LENGTH)
    throw new Error(`the peer secret must be at least ${MIN_SECRET_LENGTH} characters`);
  // Without a secret anyone who reaches the peer port could steer Raft: only loopback is allowed then.
  if (peerSecret === '' && !isLoopback(a.listen)) {
    throw new Error(
      `refusing to listen on ${a.listen} without a peer secret: set FAULTLINE_NODE_PEER_SECRET ` +
        `(at least ${MIN_SECRET_LENGTH} characters, the same on every node) ` +
        'or listen on 127.0.0.1',
    );
  }
  const adminToken = a.adminToken ?? '';
  // Refused rather than warned about: argv is world-readable through ps and /proc/<pid>/cmdline.
  if (argv.some((x) => /^--admin-?token(=|$)/i.test(x)))
    throw new Error(`--admin-token on the command line shows in ps: pass it as ${ADMIN_TOKEN_ENV}`);
  if (adminToken !== '' && !(adminToken.length >= MIN_ADMIN_TOKEN_LENGTH && /^[\x21-\x7e]+$/.test(adminToken)))
    throw new Error(
      `${ADMIN_TOKEN_ENV} must be at least ${MIN_ADMIN_TOKEN_LENGTH} printable ASCII characters without spaces`,
    );
  return {
    id: a.id,
    peers,
    clientUrls: parseMap(a.clientUrls, 'client-urls'),
    listenHost: a.listen,
    clientPort: a.clientPort,
    peerPort: a.peerPort ?? peers.get(a.id)!.port,
    dataDir: a.dataDir,
    tickMs: a.tickMs,
    electionTicks: a.electionTicks,
    heartbeatTicks: a.heartbeatTicks,
    requestTimeoutMs: a.requestTimeoutMs,
    snapshotEvery: a.snapshotEvery,
    walSegmentBytes: a.walSegmentBytes,
    shards: a.shards,
    replication: Math.min(a.replication, peers.size),
    fsync: a.fsync && !bugs.includes('no-fsync'),
    bugs,
    logLevel: a.logLevel,
    peerSecret,
    adminToken,
  };
}

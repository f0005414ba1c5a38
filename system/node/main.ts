// A reference-cluster node: one process hosting a Raft group for every shard it replicates, the kv and lock
// state machines, and the HTTP API. Logs are pino JSON on stdout. SIGTERM shuts down cleanly; kill -9 is what
// the harness does to test recovery.
import { pino } from 'pino';
import { adminStartWarning } from './admin-auth.js';
import { type NodeConfig, parseConfig } from './config.js';
import { NodeHost } from './host.js';
import { createApiServer } from './server.js';
import { Transport } from './transport.js';

let cfg: NodeConfig;
try {
  cfg = parseConfig();
} catch (e) {
  process.stderr.write(`faultline-node: ${(e as Error).message.split('\n')[0]}\n`);
  process.exit(3);
}
const logger = pino({ level: cfg.logLevel, base: { node: cfg.id } });

/** One line on stderr (and the log), then exit 3: the node's code for "cannot go on" (never a stack trace). */
function die(msg: string): never {
  logger.fatal(msg);
  process.stderr.write(`faultline-node: ${msg.split('\n')[0]}\n`);
  process.exit(3);
}

let host: NodeHost | undefined;
const transport = new Transport({
  id: cfg.id,
  addrs: cfg.peers,
  secret: cfg.peerSecret,
  onFrame: (from, f) => host?.deliver(from, f),
  log: logger,
});
try {
  host = new NodeHost({
    id: cfg.id,
    members: [...cfg.peers.keys()],
    shards: cfg.shards,
    replication: cfg.replication,
    dataDir: cfg.dataDir,
    fsync: cfg.fsync,
    bugs: cfg.bugs,
    electionTick: cfg.electionTicks,
    heartbeatTick: cfg.heartbeatTicks,
    snapshotEvery: cfg.snapshotEvery,
    walSegmentBytes: cfg.walSegmentBytes,
    tickMs: cfg.tickMs,
    requestTimeoutMs: cfg.requestTimeoutMs,
    send: (to, frame) => transport.send(to, frame),
    flush: () => transport.flushAll(),
    logger,
    // Crash-stop: a node whose disk refused a write must not acknowledge anything more (issue 14, item 3).
    onFatal: (err) => die(`stopping: ${err.message}`),
  });
} catch (e) {
  die(`cannot open ${cfg.dataDir}: ${(e as Error).message}`);
}
const server = createApiServer({
  id: cfg.id,
  host,
  clientUrls: cfg.clientUrls,
  requestTimeoutMs: cfg.requestTimeoutMs,
  bugs: cfg.bugs,
  logger,
  adminToken: cfg.adminToken,
});

try {
  await transport.listen(cfg.listenHost, cfg.peerPort);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.clientPort, cfg.listenHost, () => resolve());
  });
} catch (e) {
  logger.error({ err: (e as Error).message }, 'cannot listen');
  process.exit(1);
}
const ticker = setInterval(() => host!.tick(), cfg.tickMs);
logger.info(
  {
    clientPort: cfg.clientPort,
    peerPort: cfg.peerPort,
    listen: cfg.listenHost,
    peerAuth: cfg.peerSecret !== '',
    adminAuth: cfg.adminToken !== '',
    bugs: cfg.bugs,
    fsync: cfg.fsync,
    shards: cfg.shards,
    replication: cfg.replication,
    hosted: [...host.groups.keys()],
  },
  'node started',
);
const adminWarning = adminStartWarning(cfg.adminToken);
if (adminWarning) logger.warn(adminWarning);

function shutdown(signal: string): void {
  logger.info({ signal }, 'shutting down');
  clearInterval(ticker);
  host!.stop();
  transport.close();
  server.close();
  setTimeout(() => process.exit(0), 50).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

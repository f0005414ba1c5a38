// A reference-cluster node: one process, one Raft group (group "0"), the kv state machine, the HTTP API.
// Logs are pino JSON on stdout. SIGTERM shuts down cleanly; kill -9 is what the harness does to test recovery.
import { pino } from 'pino';
import { parseConfig } from './config.js';
import { RaftGroup } from './group.js';
import { createApiServer } from './server.js';
import { DiskStorage } from './storage.js';
import { Transport } from './transport.js';

let cfg;
try {
  cfg = parseConfig();
} catch (e) {
  process.stderr.write(`faultline-node: ${(e as Error).message.split('\n')[0]}\n`);
  process.exit(3);
}
const logger = pino({ level: cfg.logLevel, base: { node: cfg.id } });
const storage = DiskStorage.open(cfg.dataDir, { fsync: cfg.fsync, peers: [...cfg.peers.keys()], deferWrites: cfg.bugs.includes('no-fsync') });
for (const w of storage.warnings) logger.warn(w);

let group: RaftGroup | undefined;
const transport = new Transport(cfg.peers, (f) => {
  if (f.group !== '0' || !group) return;
  group.stepAll(f.msgs);
}, logger);
group = new RaftGroup({
  groupId: '0', id: cfg.id, storage, send: (to, g, msgs) => transport.send(to, g, msgs), logger,
  electionTick: cfg.electionTicks, heartbeatTick: cfg.heartbeatTicks, bugs: new Set(cfg.bugs), snapshotEvery: cfg.snapshotEvery,
});
const server = createApiServer({ id: cfg.id, group, clientUrls: cfg.clientUrls, requestTimeoutMs: cfg.requestTimeoutMs, bugs: cfg.bugs, logger });

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
const ticker = setInterval(() => group!.tick(), cfg.tickMs);
logger.info({ clientPort: cfg.clientPort, peerPort: cfg.peerPort, bugs: cfg.bugs, fsync: cfg.fsync, term: group.raft.term, lastIndex: group.raft.log.lastIndex() }, 'node started');

function shutdown(signal: string): void {
  logger.info({ signal }, 'shutting down');
  clearInterval(ticker);
  group!.stop();
  transport.close();
  server.close();
  storage.close();
  setTimeout(() => process.exit(0), 50).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

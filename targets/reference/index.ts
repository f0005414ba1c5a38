// The reference cluster as a target: our own Raft + hashed shards + locks with fencing tokens (system/), with its
// planted bugs as an option. Everything in the harness that knows the reference node lives in this folder.
import { defineTarget } from '../../harness/target/define.js';
import type { ClientContext } from '../../harness/target/types.js';
import { KNOWN_BUGS } from '../../system/node/config.js';
import { FencedHttpClient } from './clients/fenced.js';
import { KvHttpClient } from './clients/kv.js';
import { LockHttpClient } from './clients/lock.js';
import { referenceCluster } from './cluster.js';
import { adminTokenOf } from './admin-token.js';
import { askVia, changeMembership } from './membership.js';
import { leader } from './status.js';

const owner = (c: ClientContext): string => `p${c.process}-${c.seed}`;
const kv = (c: ClientContext) => new KvHttpClient(c.nodes, c.prefer, owner(c), c.opTimeoutMs);

export const referenceTarget = defineTarget({
  name: 'reference',
  describe: 'our own Raft cluster (system/): hashed shards, locks with fencing tokens, planted bugs',
  options: {
    bug: {
      describe: `planted bugs on every node, comma-separated: ${KNOWN_BUGS.join(', ')}`,
      choices: [...KNOWN_BUGS],
    },
    'election-ms': { describe: 'Raft election timeout in ms (default 300: 30 ticks of 10 ms)' },
    'heartbeat-ms': { describe: 'Raft heartbeat interval in ms (default 30)' },
    shards: { describe: 'number of shards S, each its own Raft group (default 8)' },
    replication: { describe: 'replicas per shard R (default 3)' },
    'snapshot-every': { describe: "compact a shard's log after this many applied entries (default 10000)" },
    'wal-segment-bytes': {
      describe: 'roll the write-ahead log to a checkpoint segment beyond this size (default 64 MiB, at least 4096)',
    },
  },
  validate(o) {
    if (o['wal-segment-bytes'] !== undefined && Number(o['wal-segment-bytes']) < 4096)
      throw new Error(`--target-opt wal-segment-bytes must be at least 4096, got "${o['wal-segment-bytes']}"`);
    for (const k of ['election-ms', 'heartbeat-ms', 'shards', 'replication', 'snapshot-every', 'wal-segment-bytes']) {
      if (o[k] !== undefined && !(Number.isInteger(Number(o[k])) && Number(o[k]) > 0))
        throw new Error(`--target-opt ${k} must be a positive integer, got "${o[k]}"`);
    }
  },
  cluster: referenceCluster,
  clients: {
    kv,
    register: kv,
    lock: (c) => new LockHttpClient(c.nodes, c.prefer, owner(c), c.leaseMs ?? 120_000, c.opTimeoutMs),
    'fenced-counter': (c) => new FencedHttpClient(c.nodes, c.prefer, owner(c), c.leaseMs ?? 1500, c.opTimeoutMs),
  },
  leader: (nodes, key) => leader(nodes, key),
  // Per shard group, through its leader (POST /admin/membership); placement never changes, only who votes.
  // how.via: to that node only, once, answers as data (membership:split-minority asks a minority leader).
  // how.secret: the run's secret, from which the nodes' admin token is derived (admin-token.ts).
  membership: (nodes, op, node, _options, how) => {
    const adminToken = adminTokenOf(how?.secret);
    return how?.via !== undefined
      ? askVia(nodes, op, node, how.via, how.deadlineMs, adminToken)
      : changeMembership(nodes, op, node, { adminToken });
  },
  version: () => undefined,
});

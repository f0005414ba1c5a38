// etcd 3.4 (Debian's etcd-server) as a target, on both runtimes, with clients over its v3 JSON gateway.
// Known facts to compare with: Jepsen's 2020 analysis of etcd 3.4.3 (jepsen.io/analyses/etcd-3.4.3) found kv
// operations strict serializable under partitions, pauses, crashes and clock skew, and etcd's locks unable to
// guarantee mutual exclusion when a holder stalls past its lease. docs/targets/etcd.md has what we found.
import { defineTarget } from '../../harness/target/define.js';
import type { ClientContext } from '../../harness/target/types.js';
import { EtcdKvClient } from './clients/kv.js';
import { EtcdLockClient } from './clients/lock.js';
import { EtcdTxnClient } from './clients/txn.js';
import { etcdCluster, etcdVersion } from './cluster.js';
import { Gateway } from './gateway.js';
import { leader } from './status.js';

const gateway = (c: ClientContext): Gateway => new Gateway(c.nodes, c.prefer, c.opTimeoutMs);
const kv = (c: ClientContext) => new EtcdKvClient(gateway(c), c.options.reads === 'serializable');
const txn = (c: ClientContext) => new EtcdTxnClient(gateway(c), c.options.reads === 'serializable');
/** etcd leases are whole seconds (and at least 1.5 election timeouts, which etcd enforces itself). */
const ttl = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
const lock = (defaultLeaseMs: number) => (c: ClientContext) =>
  new EtcdLockClient(gateway(c), ttl(c.leaseMs ?? defaultLeaseMs), c.options.fence !== 'none', c.opTimeoutMs);

export const etcdTarget = defineTarget({
  name: 'etcd',
  describe: 'etcd 3.4 (Debian etcd-server): kv over the v3 JSON gateway, locks through its v3 lock service',
  options: {
    reads: {
      describe:
        "kv/register reads and read-only transactions: linearizable (etcd's default) " +
        "or serializable (served from the member's local state, documented as possibly stale)",
      default: 'linearizable',
      choices: ['linearizable', 'serializable'],
    },
    fence: {
      describe:
        "fenced-counter reads and writes: owner (a txn comparing the lock key's create revision with the token) " +
        'or none (plain range and put: the lock alone must keep holders apart)',
      default: 'owner',
      choices: ['owner', 'none'],
    },
    'election-ms': { describe: 'etcd --election-timeout in ms (default 1000)' },
    'heartbeat-ms': { describe: 'etcd --heartbeat-interval in ms (default 100)' },
  },
  validate(o) {
    for (const k of ['election-ms', 'heartbeat-ms']) {
      if (o[k] !== undefined && !(Number.isInteger(Number(o[k])) && Number(o[k]) > 0))
        throw new Error(`--target-opt ${k} must be a positive integer, got "${o[k]}"`);
    }
    const e = Number(o['election-ms'] ?? 1000);
    const h = Number(o['heartbeat-ms'] ?? 100);
    // etcd refuses to start otherwise; say so before anything starts.
    if (e < 5 * h)
      throw new Error(`--target-opt election-ms (${e}) must be at least 5 times heartbeat-ms (${h}), as etcd requires`);
  },
  cluster: etcdCluster,
  clients: {
    register: kv,
    kv,
    lock: lock(120_000),
    'fenced-counter': lock(1500),
    'list-append': txn,
    'rw-register': txn,
  },
  refuses: () => ({
    clock:
      'etcd is a Go program: Go reads the clock without libc, ' +
      'so libfaketime cannot move its clock (use partition, kill, pause, loss)',
    // `etcdctl member remove` is easy; adding it back is not: a removed member cannot rejoin with its old data,
    // it must be restarted with a wiped data dir and --initial-cluster-state existing after `member add`.
    membership:
      'etcd cannot re-add a removed member in place: `member add` ' +
      'needs the node restarted with a wiped data dir and --initial-cluster-state existing, ' +
      'which this target does not do',
  }),
  leader: (nodes) => leader(nodes),
  version: () => etcdVersion(),
});

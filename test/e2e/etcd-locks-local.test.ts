// etcd's lock service on the local runtime: mutual exclusion with long leases under partition and kill; the
// fenced counter with short leases and stalls past them loses nothing with ownership txns, and loses updates
// without them (Jepsen 2020: etcd locks alone cannot guarantee mutual exclusion).
import { test } from 'uvu';
import { ETCD_LOCK_CASES, etcdTest } from '../helpers/etcd.js';
import { runCase } from '../helpers/run-cases.js';

for (const c of ETCD_LOCK_CASES) etcdTest(test, `local: ${c.name}`, () => runCase('local', c));

test.run();

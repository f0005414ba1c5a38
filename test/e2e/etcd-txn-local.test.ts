// etcd's transactions through its v3 Txn API (targets/etcd/clients/txn.ts) on the local runtime: a short
// list-append run under partition and kill is valid as strict serializable, as Jepsen found in 2020.
import { test } from 'uvu';
import { etcdTest } from '../helpers/etcd.js';
import { runCase } from '../helpers/run-cases.js';
import { ETCD_TXN_CASE } from '../helpers/txn-run-cases.js';

etcdTest(test, `local: ${ETCD_TXN_CASE.name}`, () => runCase('local', ETCD_TXN_CASE));

test.run();

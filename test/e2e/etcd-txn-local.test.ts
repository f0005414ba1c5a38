// etcd's transactions through its v3 Txn API (targets/etcd/clients/txn.ts) on the local runtime: a short
// list-append run under partition and kill is valid as strict serializable, as Jepsen found in 2020.
import { test } from 'uvu';
import { etcdTest } from '../helpers/etcd.js';
import { runCase } from '../helpers/run-cases.js';

etcdTest(test, 'local: etcd list-append under partition and kill is strict serializable', () =>
  runCase('local', {
    name: 'etcd list-append',
    expect: 'valid',
    seeds: [1],
    args: [
      '--target',
      'etcd',
      '--workload',
      'list-append',
      '--nodes',
      '3',
      '--time-limit',
      '15',
      '--nemesis',
      'partition,kill',
      '--nemesis-interval',
      '3',
    ],
  }),
);

test.run();

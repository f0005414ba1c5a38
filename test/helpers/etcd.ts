// Gate for tests that run etcd: they need Debian's etcd-server (/usr/bin/etcd). Without it the tests are
// skipped with the reason printed; on CI (FAULTLINE_REQUIRE_DOCKER=1, whose .ci/run installs etcd-server) a
// missing binary is a failing test instead.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { findEtcd, NO_ETCD } from '../../targets/etcd/cluster.js';
import { caseArgs, type RunCase } from './run-cases.js';

export const etcdBinary = findEtcd();
const required = process.env.FAULTLINE_REQUIRE_DOCKER === '1';
let announced = false;

export function etcdTest(test: Test, name: string, fn: () => Promise<void> | void): void {
  if (etcdBinary) test(name, fn);
  else if (required) test(name, () => assert.unreachable(`FAULTLINE_REQUIRE_DOCKER=1 but ${NO_ETCD}`));
  else {
    if (!announced) console.log(`skipped: ${NO_ETCD}`);
    announced = true;
    test.skip(name, fn);
  }
}

/** The etcd end-to-end cases, run on either runtime (test/e2e/etcd-*.test.ts, test/docker/etcd-*.test.ts). */
export const ETCD_REGISTER_CASES: RunCase[] = [
  {
    name: 'etcd register under partition and kill for 30 s is valid',
    expect: 'valid',
    seeds: [1],
    args: caseArgs({ target: 'etcd', workload: 'register', nodes: 3, seconds: 30, nemesis: 'partition,kill' }),
  },
  {
    name: 'etcd register with serializable reads is caught under partition within 5 seeds',
    expect: 'invalid',
    seeds: [1, 2, 3, 4, 5],
    report: /could not be linearized/,
    args: caseArgs({
      target: 'etcd',
      workload: 'register',
      nodes: 3,
      seconds: 30,
      nemesis: 'partition',
      targetOpt: 'reads=serializable',
    }),
  },
];

export const ETCD_LOCK_CASES: RunCase[] = [
  {
    name: 'etcd lock (120 s leases) under partition and kill keeps mutual exclusion',
    expect: 'valid',
    seeds: [7],
    args: caseArgs({ target: 'etcd', workload: 'lock', nodes: 3, seconds: 20, nemesis: 'partition,kill', interval: 3 }),
  },
  {
    name:
      'etcd fenced-counter (2 s leases, stalls past them) with ownership txns ' +
      'loses no update under partition, kill and pause',
    expect: 'valid',
    seeds: [7],
    args: caseArgs({
      target: 'etcd',
      workload: 'fenced-counter',
      nodes: 3,
      seconds: 20,
      nemesis: 'partition,kill,pause',
      interval: 3,
    }),
  },
  {
    name:
      'etcd fenced-counter without fencing (--target-opt fence=none) ' +
      'loses updates: the lock alone does not exclude',
    expect: 'invalid',
    seeds: [1, 2, 3],
    report: /lost update/,
    args: caseArgs({
      target: 'etcd',
      workload: 'fenced-counter',
      nodes: 3,
      seconds: 20,
      nemesis: 'none',
      targetOpt: 'fence=none',
    }),
  },
];

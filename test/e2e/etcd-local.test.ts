// etcd on the local runtime (members as child processes on loopback, peer traffic through the fault relay):
// register valid under partition and kill; serializable reads caught; clock faults refused up front.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ETCD_REGISTER_CASES, etcdTest } from '../helpers/etcd.js';
import { CLI } from '../helpers/paths.js';
import { runCase } from '../helpers/run-cases.js';

for (const c of ETCD_REGISTER_CASES) etcdTest(test, `local: ${c.name}`, () => runCase('local', c));

test('local: --nemesis clock on etcd is refused with one line before anything starts', () => {
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'run',
      '--runtime',
      'local',
      '--target',
      'etcd',
      '--nemesis',
      'partition,clock',
      '--out',
      '/nonexistent/never-created',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.is(r.status, 3, r.stderr);
  assert.match(r.stderr, /^faultline: target etcd cannot take --nemesis clock: etcd is a Go program.*\n$/);
  assert.is(r.stdout, '');
});

test.run();

// etcd on the docker runtime (the etcd image built FROM the locally made base; iptables partitions): register
// valid under partition and kill; serializable reads caught under partition within 5 seeds.
import { test } from 'uvu';
import { dockerTest } from '../helpers/docker.js';
import { ETCD_REGISTER_CASES, etcdBinary } from '../helpers/etcd.js';
import { runCase } from '../helpers/run-cases.js';

for (const c of ETCD_REGISTER_CASES) {
  dockerTest(test, `docker: ${c.name}`, () => {
    if (!etcdBinary) throw new Error("the etcd image is made from the host's etcd: install etcd-server");
    runCase('docker', c);
  });
}

test.run();

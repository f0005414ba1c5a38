// etcd on the disk-fault layer (issue 24, item 1: a program built on mmap works on it). Debian's etcd 3.4 keeps
// its keys in bbolt, which reads its file through mmap and writes with pwrite + fdatasync; its WAL preallocates
// with fallocate. One member, its data directory where the etcd target puts it (<node data>/etcd, created by
// etcd itself), the layer mounted over the node's data directory.
//
// What the layer finds: etcd never fsyncs the directory holding the folders it creates (its data directory's
// parent, then member/ in it), so under the strict model (POSIX: a name is durable once its directory is
// fsynced) a crash-drop takes every acknowledged key with it, and the member restarts empty. Under --dirs
// journal (any fsync commits earlier directory changes, as ext4's journal does in practice) it keeps them all.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpClient } from '../../harness/net/http.js';
import { FaultFs } from '../../harness/runtime/disk/faultfs.js';
import { freePorts } from '../../harness/runtime/ports.js';
import { etcdBinary, etcdTest } from '../helpers/etcd.js';
import { faultfsTest } from '../helpers/faultfs.js';
import { until } from '../helpers/until.js';

const http = new HttpClient();
test.after(() => http.close());
const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function etcdOnLayer(dirs: 'strict' | 'journal'): Promise<{ acked: number; found: number; dropped: number }> {
  const base = mkdtempSync(join(tmpdir(), 'fl-faultfs-etcd-'));
  const data = join(base, 'data');
  mkdirSync(data);
  const fs = await FaultFs.mount({ dir: data, stateDir: join(base, 'faultfs'), dirs });
  const [client, peer] = await freePorts(2);
  const url = `http://127.0.0.1:${client}`;
  let etcd: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const log = openSync(join(base, 'etcd.log'), 'a');
    etcd = spawn(
      etcdBinary!,
      [
        ...['--name', 'e1', '--data-dir', join(data, 'etcd')],
        ...['--listen-client-urls', url, '--advertise-client-urls', url],
        ...[
          '--listen-peer-urls',
          `http://127.0.0.1:${peer}`,
          '--initial-advertise-peer-urls',
          `http://127.0.0.1:${peer}`,
        ],
        ...['--initial-cluster', `e1=http://127.0.0.1:${peer}`],
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    await until('etcd answers', 20_000, async () => {
      try {
        return (await http.call(`${url}/v3/kv/range`, 'POST', { key: b64('probe') }, 500)).status === 200
          ? true
          : undefined;
      } catch {
        return undefined;
      }
    });
  };
  const stop = async (): Promise<void> => {
    if (!etcd || etcd.exitCode !== null || etcd.signalCode !== null) return;
    const gone = new Promise((r) => etcd!.once('exit', r));
    etcd.kill('SIGKILL');
    await gone;
  };
  try {
    await start();
    let acked = 0;
    for (let i = 0; i < 20; i++) {
      const r = await http.call(`${url}/v3/kv/put`, 'POST', { key: b64(`k${i}`), value: b64(`v${i}`) }, 5000);
      if (r.status === 200) acked++;
    }
    await stop();
    const report = await fs.crashDrop();
    await start();
    let found = 0;
    for (let i = 0; i < 20; i++) {
      const r = await http.call(`${url}/v3/kv/range`, 'POST', { key: b64(`k${i}`) }, 5000);
      const kvs = (r.body as { kvs?: { value: string }[] }).kvs;
      if (kvs?.[0]?.value === b64(`v${i}`)) found++;
    }
    return { acked, found, dropped: report.entries };
  } finally {
    await stop();
    await fs.unmount();
    rmSync(base, { recursive: true, force: true });
  }
}

(etcdBinary ? faultfsTest : etcdTest)(
  test,
  'etcd (bbolt on mmap) runs on the layer; what it keeps depends on the directory model',
  async () => {
    const journal = await etcdOnLayer('journal');
    assert.is(journal.acked, 20);
    assert.is(journal.found, 20, 'with --dirs journal every acknowledged key survives the crash-drop');
    const strict = await etcdOnLayer('strict');
    assert.is(strict.acked, 20);
    assert.is(strict.found, 0, 'under the strict model etcd 3.4 restarts empty: its folders were never made durable');
    assert.ok(strict.dropped > 0, 'the drop undid directory entries');
    console.log(`etcd on faultfs: journal keeps ${journal.found}/20 acknowledged keys, strict ${strict.found}/20`);
  },
);

test.run();

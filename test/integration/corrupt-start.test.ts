// Issue 24, item 3: a bit flipped in a stopped node's data files (Jepsen's file-corruption nemesis, on one node)
// is found when the node starts: it refuses to start, exit 3, with one line naming the file and the byte offset
// of the damaged record (or the snapshot file), and leaves the files as they are. It never serves from damaged
// data, so a corrupted minority costs no acknowledged write (docs/node.md, "Limits and failures").
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import { HttpClient } from '../../harness/net/http.js';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import { until } from '../helpers/until.js';

const http = new HttpClient();
const dir = mkdtempSync(join(tmpdir(), 'fl-corrupt-'));
let lp: LocalProcesses;

test.before(async () => {
  lp = await LocalProcesses.create({
    nodes: 1,
    dir,
    electionTicks: 10,
    heartbeatTicks: 2,
    snapshotEvery: 20,
    extraArgs: ['--shards', '1'],
    env: { FAULTLINE_NODE_PEER_SECRET: randomBytes(32).toString('hex') },
  });
});

test.after(async () => {
  http.close();
  await lp.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Flips one bit of `path` at a seeded byte that is not a record's newline; returns the byte's offset. */
function flipBit(path: string, seed: number): number {
  const buf = readFileSync(path);
  const r = new Random(seed);
  let at: number;
  do at = r.int(0, buf.length - 1);
  while (buf[at] === 0x0a);
  buf[at] ^= 1 << r.int(0, 8);
  writeFileSync(path, buf);
  return at;
}

/** Starts the node, which must exit 3; returns its log. */
async function refusesToStart(): Promise<string> {
  const before = readFileSync(lp.nodes[0].logFile, 'utf8').length;
  lp.start('n1');
  assert.is(await lp.exited('n1'), 3, 'the node refuses to start (exit 3)');
  return readFileSync(lp.nodes[0].logFile, 'utf8').slice(before);
}

test('a flipped bit in the WAL or in a snapshot: the node refuses to start, naming the file and offset', async () => {
  const n = lp.nodes[0];
  lp.start('n1');
  const kv = async (body: Record<string, unknown>) =>
    http.call(`${n.url}/kv`, 'POST', body, 2000).then(
      (r) => r,
      () => undefined,
    );
  await until('the node answers', 15_000, async () =>
    (await kv({ op: 'read', key: 'p' }))?.status === 200 ? true : undefined,
  );
  for (let i = 0; i < 50; i++) assert.is((await kv({ op: 'write', key: `k${i}`, value: i }))?.status, 200);
  await lp.kill('n1');

  const wal = join(n.dataDir, 'wal', readdirSync(join(n.dataDir, 'wal')).sort().at(-1)!);
  const walBefore = readFileSync(wal);
  const at = flipBit(wal, 24);
  const flipped = readFileSync(wal);
  const recordStart = walBefore.lastIndexOf(0x0a, at) + 1;
  const log = await refusesToStart();
  assert.match(log, new RegExp(`${wal}: corrupt record at byte ${recordStart}: checksum mismatch`));
  assert.match(log, /refusing to start/);
  assert.ok(readFileSync(wal).equals(flipped), 'the damaged file is left as it was');
  writeFileSync(wal, walBefore); // repaired: the node starts again and has every write

  const snap = join(n.dataDir, 'snap', '0.json');
  const snapBefore = readFileSync(snap);
  flipBit(snap, 7);
  assert.match(await refusesToStart(), new RegExp(`${snap}: corrupt snapshot \\(checksum mismatch\\)`));
  writeFileSync(snap, snapBefore);
  lp.start('n1');
  await until('the repaired node answers', 15_000, async () =>
    (await kv({ op: 'read', key: 'k49' }))?.status === 200 ? true : undefined,
  );
  for (let i = 0; i < 50; i++)
    assert.is(((await kv({ op: 'read', key: `k${i}` }))?.body as { value?: unknown } | undefined)?.value, i);
});

test.run();

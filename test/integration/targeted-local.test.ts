// Targeted faults on the local runtime against the reference cluster, through the fault packages the nemesis
// uses and the target's per-key leader: the hot key's leader cut from its followers on peer links still
// answers clients (200, 421 or 503, never silence); one-way partitions (mute: heard by nobody; deaf: hears
// nobody); a leader paused past several election timeouts is replaced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import { HttpClient } from '../../harness/net/http.js';
import { partitionFault, pauseFault, type FaultContext } from '../../harness/nemesis/faults.js';
import { LocalRuntime } from '../../harness/runtime/local/local-runtime.js';
import type { NodeHandle } from '../../harness/runtime/types.js';
import { referenceSpec } from '../../targets/reference/cluster.js';
import { leader } from '../../targets/reference/status.js';
import { until } from '../helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-targeted-local-'));
const rt = new LocalRuntime();
const http = new HttpClient();
let hs: NodeHandle[] = [];
const HOT = 'hot-key';
let seq = 0;

function ctx(): FaultContext {
  return {
    runtime: rt,
    nodes: hs.map((h) => h.name),
    rnd: new Random(7),
    leader: (key) => leader(hs, key),
    hotKey: () => HOT,
    electionTimeoutMs: 300,
  };
}

const urlOf = (n: string): string => hs.find((h) => h.name === n)!.url;

/** The leader of HOT's shard among `names` only, by their own /status. */
const leaderAmong = (names: string[]): Promise<string | undefined> =>
  leader(
    hs.filter((h) => names.includes(h.name)),
    HOT,
  );

async function write(url: string, timeoutMs = 3000): Promise<number | 'no answer'> {
  try {
    const r = await http.call(
      `${url}/kv`,
      'POST',
      { op: 'write', key: HOT, value: ++seq, client: 'targeted', seq },
      timeoutMs,
    );
    return r.status;
  } catch {
    return 'no answer';
  }
}

test.before(async () => {
  hs = await rt.up(
    referenceSpec({
      runId: 'targeted-local',
      nodes: 3,
      logDir: dir,
      options: { 'election-ms': '300', 'heartbeat-ms': '30', shards: '1' },
    }),
  );
});

test.after(async () => {
  http.close();
  await rt.down();
  rmSync(dir, { recursive: true, force: true });
});

test(
  "isolate-hot-leader: the hot key's leader is cut from its followers, " +
    'clients still get answers from it, the others elect',
  async () => {
    const old = await until('a leader for the hot key', 10_000, () => leader(hs, HOT));
    const f = await partitionFault.start(ctx(), 'isolate-hot-leader');
    assert.is(f.value.target, old);
    assert.is(f.value.hotKey, HOT);
    const others = hs.map((h) => h.name).filter((n) => n !== old);
    // Client traffic is never cut: the isolated leader answers (a 503 when it cannot commit, 421 once deposed).
    const status = await write(urlOf(old), 4000);
    assert.ok(status === 200 || status === 421 || status === 503, `the isolated leader answered ${status}`);
    const fresh = await until('a new leader among the majority', 10_000, () => leaderAmong(others));
    assert.ok(others.includes(fresh));
    assert.is(await write(urlOf(fresh)), 200, 'the majority side commits');
    await f.stop();
    await rt.waitHealthy(15_000);
  },
);

test(
  'one-way-mute: nobody hears the leader, ' + 'so the others elect a new one and the old one learns of the new term',
  async () => {
    const old = await until('a leader', 10_000, () => leader(hs, HOT));
    const f = await partitionFault.start(ctx(), 'one-way-mute');
    assert.is(f.value.target, old);
    const others = hs.map((h) => h.name).filter((n) => n !== old);
    await until('a new leader among the others', 10_000, () => leaderAmong(others));
    // The muted node still hears the new leader's heartbeats: it steps down (Raft §5.1: a higher term wins).
    await until('the muted old leader stepped down', 10_000, async () =>
      (await leaderAmong([old])) === undefined ? true : undefined,
    );
    await f.stop();
    await rt.waitHealthy(15_000);
  },
);

test('one-way-deaf: the leader hears nobody, so nothing it is asked to write commits', async () => {
  const old = await until('a leader', 10_000, () => leader(hs, HOT));
  const f = await partitionFault.start(ctx(), 'one-way-deaf');
  assert.equal(f.value.grudge, { [old]: hs.map((h) => h.name).filter((n) => n !== old) });
  const status = await write(urlOf(old), 4000);
  assert.is.not(status, 200, 'a deaf leader never hears the acks it needs');
  await f.stop();
  await rt.waitHealthy(15_000);
});

test('pause leader-long: the leader frozen for three election timeouts is replaced; resumed, it follows', async () => {
  const old = await until('a leader', 10_000, () => leader(hs, HOT));
  const t0 = Date.now();
  const f = await pauseFault.start(ctx(), 'leader-long');
  assert.equal(f.value.nodes, [old]);
  const others = hs.map((h) => h.name).filter((n) => n !== old);
  await until('a new leader while the old one is frozen', 10_000, () => leaderAmong(others));
  const v = await f.stop();
  assert.ok((v.pausedMs as number) >= 900 && Date.now() - t0 >= 900, `paused ${v.pausedMs} ms`);
  await rt.waitHealthy(15_000);
  const now = await until('a single leader again', 10_000, () => leader(hs, HOT));
  assert.ok(now !== undefined);
});

test.run();

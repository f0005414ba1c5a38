// Issue 14, item 9: kill -9 torture of the node's storage. One node (so every acknowledged write rests on its
// own disk alone) with a short snapshot interval (so kills also land in compaction's atomic file replacement)
// and a small WAL segment (so kills also land in checkpoint rolls of the shared write-ahead log)
// is killed with SIGKILL at a random moment while 8 writers keep writing, then restarted, TORTURE_KILLS times
// (default 50; TORTURE_SEED picks the moments). After every restart: each writer's counter key holds at least
// its last acknowledged value (and nothing it never sent), and every key acknowledged since the previous kill
// is there; at the end every key ever acknowledged is there. A run with TORTURE_BUG=no-fsync must fail.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../harness/generator/random.js';
import { LocalProcesses } from '../fixtures/loopback-cluster.js';
import { HttpClient } from '../../harness/net/http.js';

const KILLS = Number(process.env.TORTURE_KILLS ?? 50);
const SEED = Number(process.env.TORTURE_SEED ?? 9);
const WRITERS = 8;
const dir = mkdtempSync(join(tmpdir(), 'fl-torture-'));
const http = new HttpClient();
let lp: LocalProcesses;
let url: string;

test.before(async () => {
  lp = await LocalProcesses.create({
    nodes: 1,
    dir,
    electionTicks: 10,
    heartbeatTicks: 2,
    snapshotEvery: 40,
    extraArgs: ['--shards', '2', '--wal-segment-bytes', '65536'],
    bugs: process.env.TORTURE_BUG ? [process.env.TORTURE_BUG] : [],
    env: { FAULTLINE_NODE_PEER_SECRET: randomBytes(32).toString('hex') },
  });
  url = lp.nodes[0].url;
});

test.after(async () => {
  http.close();
  await lp.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

async function kv(
  body: Record<string, unknown>,
  timeoutMs = 2000,
): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  try {
    const r = await http.call(`${url}/kv`, 'POST', body, timeoutMs);
    return { status: r.status, body: r.body as Record<string, unknown> };
  } catch {
    return undefined; // no answer: unknown
  }
}

/** Waits until the restarted node leads both shards and answers a read. */
async function waitUp(): Promise<void> {
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    const a = await kv({ op: 'read', key: 'probe-0' }, 500);
    const b = await kv({ op: 'read', key: 'probe-1' }, 500);
    if (a?.status === 200 && b?.status === 200) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(
    `node did not come back (log: ${readFileSync(lp.nodes[0].logFile, 'utf8').split('\n').slice(-5).join(' | ')})`,
  );
}

test(
  `${KILLS} kill -9 at random moments while 8 writers write: ` + `every acknowledged write survives (seed ${SEED})`,
  async () => {
    const r = new Random(SEED);
    const ackedCounter = new Array<number>(WRITERS).fill(0);
    const sentCounter = new Array<number>(WRITERS).fill(0);
    const keys: string[] = [];
    let acks = 0,
      unknown = 0;
    lp.start('n1');
    await waitUp();
    for (let kill = 1; kill <= KILLS; kill++) {
      // Writers run until the kill, which comes at a random moment.
      let stop = false;
      const thisRound: string[] = [];
      const writers = Array.from({ length: WRITERS }, async (_, w) => {
        while (!stop) {
          const n = ++sentCounter[w];
          const key = `k${kill}-${w}-${n}`;
          const [a, b] = await Promise.all([
            kv({ op: 'write', key: `c${w}`, value: n }),
            kv({ op: 'write', key, value: n }),
          ]);
          if (a?.status === 200 && a.body.ok === true) {
            ackedCounter[w] = Math.max(ackedCounter[w], n);
            acks++;
          } else unknown++;
          if (b?.status === 200 && b.body.ok === true) {
            thisRound.push(key);
            acks++;
          } else unknown++;
        }
      });
      await new Promise((res) => setTimeout(res, r.int(20, 400)));
      await lp.kill('n1');
      stop = true;
      await Promise.all(writers);
      lp.start('n1');
      await waitUp();
      for (let w = 0; w < WRITERS; w++) {
        const v = (await kv({ op: 'read', key: `c${w}` }))?.body.value ?? 0;
        assert.ok(
          typeof v === 'number' && v >= ackedCounter[w] && v <= sentCounter[w],
          `after kill ${kill}: c${w} = ${String(v)}, acknowledged ${ackedCounter[w]}, sent up to ${sentCounter[w]}`,
        );
        ackedCounter[w] = v as number; // a write that landed unacknowledged is the new floor
      }
      for (const key of thisRound) {
        const v = (await kv({ op: 'read', key }))?.body.value;
        assert.ok(v !== null && v !== undefined, `after kill ${kill}: acknowledged ${key} is missing`);
      }
      keys.push(...thisRound);
    }
    for (const key of keys)
      assert.ok((await kv({ op: 'read', key }))?.body.value != null, `at the end: acknowledged ${key} is missing`);
    console.log(
      `storage torture: seed ${SEED}, ${KILLS} kills, ${acks} acknowledged writes ` +
        `(${keys.length} distinct keys checked at the end), ` +
        `${unknown} unanswered, failures: none`,
    );
  },
);

test.run();

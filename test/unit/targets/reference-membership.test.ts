// The reference target's membership hook against small fake nodes on loopback (real HTTP): /status reports the
// placement and who leads each shard, POST /admin/membership answers as each test scripts it (421, 409, 503,
// 200, or a closed port), so the hook's leader finding, hint following, retries and deadline are exercised
// without a cluster.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodeHandle } from '../../../harness/target/types.js';
import { referenceTarget } from '../../../targets/reference/index.js';
import { adminTokenOf } from '../../../targets/reference/admin-token.js';
import { askVia, changeMembership } from '../../../targets/reference/membership.js';

interface Answer {
  status: number;
  body: unknown;
}
interface Post {
  node: string;
  op: string;
  target: string;
  shard: number;
  /** The request's Authorization header. */
  auth?: string;
}

class FakeCluster {
  servers = new Map<string, Server>();
  handles: NodeHandle[] = [];
  posts: Post[] = [];
  /** shard → node id that /status calls its leader (as a leader's own group entry and as followers' hint). */
  leaders: Record<number, string | null> = {};
  /** Per node, answers to POST /admin/membership in order; the last one repeats. */
  script: Record<string, ((p: Post) => Answer | Promise<Answer>)[]> = {};

  constructor(readonly placement: string[][]) {}

  static async start(names: string[], placement: string[][]): Promise<FakeCluster> {
    const c = new FakeCluster(placement);
    for (const name of names) {
      const srv = createServer((req, res) => void c.handle(name, req, res));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      const port = (srv.address() as AddressInfo).port;
      c.servers.set(name, srv);
      c.handles.push({ name, addrs: { client: `127.0.0.1:${port}` }, url: `http://127.0.0.1:${port}` });
    }
    return c;
  }

  url(name: string): string {
    return this.handles.find((h) => h.name === name)!.url;
  }

  private async handle(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (a: Answer): void => {
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    };
    if (req.method === 'GET' && req.url === '/status') {
      const groups = this.placement.flatMap((reps, s) =>
        reps.includes(name)
          ? [
              {
                group: String(s),
                role: this.leaders[s] === name ? 'leader' : 'follower',
                term: 3,
                leader: this.leaders[s] ?? null,
              },
            ]
          : [],
      );
      return send({
        status: 200,
        body: { id: name, shards: this.placement.length, replication: 3, placement: this.placement, groups },
      });
    }
    if (req.method === 'POST' && req.url === '/admin/membership') {
      const b = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { op: string; node: string; shard: number };
      const p: Post = { node: name, op: b.op, target: b.node, shard: b.shard, auth: req.headers.authorization };
      this.posts.push(p);
      const q = this.script[name] ?? [];
      const next = q.length > 1 ? q.shift()! : q[0];
      return send(
        next
          ? await next(p)
          : { status: 421, body: { ok: false, error: 'not-leader', leader: null, leaderUrl: null, shard: b.shard } },
      );
    }
    send({ status: 404, body: { error: 'not-found' } });
  }

  async close(name?: string): Promise<void> {
    for (const [n, s] of this.servers) {
      if (name && n !== name) continue;
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
      this.servers.delete(n);
    }
  }
}

const members = (p: Post, all: string[]): string[] =>
  (p.op === 'remove' ? all.filter((x) => x !== p.target) : [...new Set([...all, p.target])]).sort();
const ok =
  (all: string[]) =>
  (p: Post): Answer => ({ status: 200, body: { ok: true, shard: p.shard, members: members(p, all), changed: true } });
const pending: (p: Post) => Answer = () => ({ status: 409, body: { error: 'change-pending' } });
const unavailable: (p: Post) => Answer = () => ({ status: 503, body: { ok: false, error: 'unavailable' } });

const FAST = { timeoutMs: 3000, backoffMs: 10, requestTimeoutMs: 1000 };

async function rejects(p: Promise<unknown>, re: RegExp): Promise<string> {
  try {
    await p;
  } catch (e) {
    const m = (e as Error).message;
    assert.match(m, re);
    assert.not.match(m, /\n/, 'one line');
    return m;
  }
  return assert.unreachable(`expected a rejection like ${re}`) as never;
}

test(
  'a stale leader answers 421 naming the new one, ' +
    'which answers 409 change-pending and 503 before the change commits',
  async () => {
    const c = await FakeCluster.start(['n1', 'n2', 'n3'], [['n1', 'n2', 'n3']]);
    try {
      c.leaders[0] = 'n1';
      c.script.n1 = [
        (p) => ({
          status: 421,
          body: { ok: false, error: 'not-leader', leader: 'n2', leaderUrl: c.url('n2'), shard: p.shard },
        }),
      ];
      c.script.n2 = [pending, pending, unavailable, ok(['n1', 'n2', 'n3'])];
      const r = await changeMembership(c.handles, 'remove', 'n3', FAST);
      assert.equal(r, {
        node: 'n3',
        op: 'remove',
        shards: { 0: ['n1', 'n2'] },
        changed: [0],
        retried: { 421: 1, '409 change-pending': 2, '503 unavailable': 1 },
      });
      assert.equal(
        c.posts.map((p) => p.node),
        ['n1', 'n2', 'n2', 'n2', 'n2'],
      );
      assert.ok(c.posts.every((p) => p.target === 'n3' && p.op === 'remove' && p.shard === 0));
    } finally {
      await c.close();
    }
  },
);

test('only the shards whose placement holds the node are changed, each through its own leader', async () => {
  const placement = [
    ['n1', 'n2', 'n3'],
    ['n2', 'n3', 'n4'],
    ['n1', 'n3', 'n4'],
    ['n1', 'n2', 'n4'],
  ];
  const c = await FakeCluster.start(['n1', 'n2', 'n3', 'n4'], placement);
  try {
    Object.assign(c.leaders, { 0: 'n1', 1: 'n2', 2: 'n3', 3: 'n1' });
    for (const n of ['n1', 'n2', 'n3']) c.script[n] = [(p) => ok(placement[p.shard])(p)];
    const r = await changeMembership(c.handles, 'remove', 'n4', FAST);
    assert.equal(Object.keys(r.shards).sort(), ['1', '2', '3']);
    assert.equal(r.shards[1], ['n2', 'n3']);
    assert.equal(c.posts.map((p) => `${p.shard}@${p.node}`).sort(), ['1@n2', '2@n3', '3@n1']);
  } finally {
    await c.close();
  }
});

test(
  'a leader that is down (connection refused) is left for the one the nodes report next; ' +
    'the down node itself is removed',
  async () => {
    const c = await FakeCluster.start(['n1', 'n2', 'n3'], [['n1', 'n2', 'n3']]);
    try {
      c.leaders[0] = 'n3';
      await c.close('n3');
      c.script.n2 = [ok(['n1', 'n2', 'n3'])];
      // The survivors still name n3 at first; a moment later they have elected n2.
      setTimeout(() => {
        c.leaders[0] = 'n2';
      }, 60);
      const r = await changeMembership(c.handles, 'remove', 'n3', FAST);
      assert.equal(r.shards[0], ['n1', 'n2']);
      // While n3 is still named but unreachable, the other replicas are asked in turn (421 without a hint here).
      assert.is(c.posts.at(-1)!.node, 'n2');
      assert.is(c.posts.filter((p) => p.node === 'n2').length, 1);
    } finally {
      await c.close();
    }
  },
);

test('add is idempotent: changed false is reported as no change', async () => {
  const c = await FakeCluster.start(
    ['n1', 'n2', 'n3'],
    [
      ['n1', 'n2', 'n3'],
      ['n1', 'n2', 'n3'],
    ],
  );
  try {
    Object.assign(c.leaders, { 0: 'n1', 1: 'n2' });
    c.script.n1 = [
      (p) => ({ status: 200, body: { ok: true, shard: p.shard, members: ['n1', 'n2', 'n3'], changed: false } }),
    ];
    c.script.n2 = [ok(['n1', 'n2'])];
    const r = await changeMembership(c.handles, 'add', 'n3', FAST);
    assert.equal(r.changed, [1]);
    assert.equal(r.shards, { 0: ['n1', 'n2', 'n3'], 1: ['n1', 'n2', 'n3'] });
  } finally {
    await c.close();
  }
});

test('409 too-few-members is a definite refusal of that shard, reported, while the other shards change', async () => {
  const c = await FakeCluster.start(
    ['n1', 'n2', 'n3'],
    [
      ['n1', 'n2', 'n3'],
      ['n1', 'n2', 'n3'],
    ],
  );
  try {
    Object.assign(c.leaders, { 0: 'n1', 1: 'n2' });
    c.script.n1 = [() => ({ status: 409, body: { error: 'too-few-members' } })];
    c.script.n2 = [ok(['n1', 'n2', 'n3'])];
    const r = await changeMembership(c.handles, 'remove', 'n3', FAST);
    assert.equal(r.refused, { 0: 'too-few-members' });
    assert.equal(r.shards, { 1: ['n1', 'n2'] });
    assert.is(c.posts.filter((p) => p.node === 'n1').length, 1, 'not retried');
  } finally {
    await c.close();
  }
});

test('400 and 404 end the call at once with one line; past the deadline, one line with the last answer', async () => {
  const c = await FakeCluster.start(['n1', 'n2', 'n3'], [['n1', 'n2', 'n3']]);
  try {
    c.leaders[0] = 'n1';
    c.script.n1 = [() => ({ status: 400, body: { error: 'node n3 is not a placement replica of shard 0' } })];
    let t0 = Date.now();
    await rejects(
      changeMembership(c.handles, 'remove', 'n3', FAST),
      /^membership remove n3: shard 0: .* answered 400 node n3 is not a placement replica/,
    );
    assert.ok(Date.now() - t0 < 1000, 'no retry on 400');
    c.script.n1 = [() => ({ status: 404, body: { error: 'not-found' } })];
    await rejects(changeMembership(c.handles, 'add', 'n3', FAST), /has no POST \/admin\/membership \(404\)/);
    c.script.n1 = [pending];
    t0 = Date.now();
    await rejects(
      changeMembership(c.handles, 'remove', 'n2', { ...FAST, timeoutMs: 300 }),
      /^membership remove n2: shard 0: not in effect within 300 ms \(last: 409 change-pending\)$/,
    );
    const took = Date.now() - t0;
    assert.ok(took >= 290 && took < 1500, `gave up after ${took} ms`);
    assert.ok(c.posts.filter((p) => p.target === 'n2').length >= 3, 'retried while pending');
  } finally {
    await c.close();
  }
});

test(
  'no shard leader anywhere: replicas are tried in turn until the deadline; ' +
    'unknown nodes and ops are refused in one line',
  async () => {
    const c = await FakeCluster.start(['n1', 'n2', 'n3'], [['n1', 'n2', 'n3']]);
    try {
      c.leaders[0] = null;
      await rejects(
        changeMembership(c.handles, 'remove', 'n1', { ...FAST, timeoutMs: 300 }),
        /not in effect within 300 ms \(last: 421 not-leader/,
      );
      assert.ok(new Set(c.posts.map((p) => p.node)).size >= 2, 'more than one replica was asked');
      await rejects(
        changeMembership(c.handles, 'remove', 'n9', FAST),
        /^membership remove n9: no such node; nodes: n1, n2, n3$/,
      );
      await rejects(changeMembership(c.handles, 'evict' as never, 'n1', FAST), /op must be remove or add/);
    } finally {
      await c.close();
    }
  },
);

test('the reference target wires the hook (so it takes --nemesis membership)', async () => {
  assert.type(referenceTarget.membership, 'function');
  const c = await FakeCluster.start(['n1', 'n2', 'n3'], [['n1', 'n2', 'n3']]);
  try {
    c.leaders[0] = 'n2';
    c.script.n2 = [ok(['n1', 'n2', 'n3'])];
    const r = await referenceTarget.membership!(c.handles, 'remove', 'n1', {});
    assert.equal(r.shards, { 0: ['n2', 'n3'] });
  } finally {
    await c.close();
  }
});

// ---- The directed path (how.via, for membership:split-minority): one node, once, answers as data ----

test('via: the request goes to that node only, even when another leads; 421 is recorded, not followed', async () => {
  const c = await FakeCluster.start(['n1', 'n2', 'n3'], [['n1', 'n2', 'n3']]);
  try {
    c.leaders[0] = 'n2';
    c.script.n1 = [
      (p) => ({
        status: 421,
        body: { ok: false, error: 'not-leader', leader: 'n2', leaderUrl: c.url('n2'), shard: p.shard },
      }),
    ];
    c.script.n2 = [ok(['n1', 'n2', 'n3'])];
    const r = await askVia(c.handles, 'remove', 'n3', 'n1', 1000);
    assert.is(r.answered, 421);
    assert.equal(r.answers[0].error, 'not-leader');
    assert.equal(
      c.posts.map((p) => p.node),
      ['n1'],
    );
  } finally {
    await c.close();
  }
});

test('via: 200 with the members, 409 change-pending and 503 are what the node answered, each asked once', async () => {
  const c = await FakeCluster.start(['n1', 'n2', 'n3', 'n4', 'n5'], [['n1', 'n2', 'n3', 'n4', 'n5']]);
  try {
    c.leaders[0] = 'n5';
    c.script.n5 = [ok(['n1', 'n2', 'n3', 'n4', 'n5']), pending, unavailable];
    const got = [];
    for (const n of ['n2', 'n3', 'n4']) got.push(await askVia(c.handles, 'remove', n, 'n5', 1000));
    assert.equal(
      got.map((r) => r.answered),
      [200, 409, 503],
    );
    assert.equal(got[0].answers[0].members, ['n1', 'n3', 'n4', 'n5']);
    assert.is(got[0].answers[0].changed, true);
    assert.is(got[1].answers[0].error, 'change-pending');
    assert.equal(
      got.map((r) => r.via),
      ['n5', 'n5', 'n5'],
    );
    assert.is(c.posts.length, 3, 'no retries');
  } finally {
    await c.close();
  }
});

test(
  'via: a node that does not answer by the deadline, or is down, is "none"; ' + 'the call ends at its deadline',
  async () => {
    const c = await FakeCluster.start(
      ['n1', 'n2', 'n3'],
      [
        ['n1', 'n2', 'n3'],
        ['n1', 'n2', 'n3'],
      ],
    );
    try {
      c.script.n1 = [
        async (p) => {
          await new Promise((r) => setTimeout(r, 2000));
          return ok(['n1', 'n2', 'n3'])(p);
        },
      ];
      const t0 = Date.now();
      const r = await askVia(c.handles, 'remove', 'n2', 'n1', 300);
      const took = Date.now() - t0;
      assert.ok(took >= 250 && took < 1500, `took ${took} ms`);
      assert.is(r.answered, 'none');
      assert.equal(Object.keys(r.answers), ['0', '1'], 'one request per shard holding the node');
      assert.match(r.answers[0].error!, /within/);
      await c.close('n3');
      const down = await askVia(c.handles, 'add', 'n1', 'n3', 500);
      assert.is(down.answered, 'none');
      assert.ok(down.answers[0].error);
    } finally {
      await c.close();
    }
  },
);

test('via: shards answering differently are "mixed"; unknown nodes are one line', async () => {
  const c = await FakeCluster.start(
    ['n1', 'n2', 'n3'],
    [
      ['n1', 'n2', 'n3'],
      ['n1', 'n2', 'n3'],
    ],
  );
  try {
    c.script.n1 = [(p) => (p.shard === 0 ? ok(['n1', 'n2', 'n3'])(p) : pending(p))];
    const r = await askVia(c.handles, 'remove', 'n3', 'n1', 1000);
    assert.is(r.answered, 'mixed');
    assert.equal([r.answers[0].answered, r.answers[1].answered], [200, 409]);
    await rejects(
      askVia(c.handles, 'remove', 'n3', 'n9', 1000),
      /^membership remove n3 via n9: no such node; nodes: n1, n2, n3$/,
    );
    await rejects(askVia(c.handles, 'remove', 'n7', 'n1', 1000), /^membership remove n7: no such node/);
  } finally {
    await c.close();
  }
});

test('the reference target takes how.via to the directed path, and without it keeps following the leader', async () => {
  const c = await FakeCluster.start(['n1', 'n2', 'n3'], [['n1', 'n2', 'n3']]);
  try {
    c.leaders[0] = 'n2';
    c.script.n1 = [
      (p) => ({
        status: 421,
        body: { ok: false, error: 'not-leader', leader: 'n2', leaderUrl: c.url('n2'), shard: p.shard },
      }),
    ];
    c.script.n2 = [ok(['n1', 'n2', 'n3'])];
    const directed = await referenceTarget.membership!(c.handles, 'remove', 'n3', {}, { via: 'n1', deadlineMs: 1000 });
    assert.is(directed.answered, 421);
    assert.equal(
      c.posts.map((p) => p.node),
      ['n1'],
    );
    const usual = await referenceTarget.membership!(c.handles, 'remove', 'n3', {});
    assert.equal(usual.shards, { 0: ['n1', 'n2'] });
    assert.equal(
      c.posts.map((p) => p.node),
      ['n1', 'n2'],
    );
  } finally {
    await c.close();
  }
});

test("both paths send the admin token derived from the run's secret, and none without a secret", async () => {
  const c = await FakeCluster.start(['n1', 'n2', 'n3'], [['n1', 'n2', 'n3']]);
  try {
    const secret = 'f'.repeat(64);
    c.leaders[0] = 'n2';
    c.script.n2 = [ok(['n1', 'n2', 'n3'])];
    await referenceTarget.membership!(c.handles, 'remove', 'n3', {}, { secret });
    await referenceTarget.membership!(c.handles, 'remove', 'n3', {}, { secret, via: 'n2', deadlineMs: 1000 });
    await referenceTarget.membership!(c.handles, 'remove', 'n3', {});
    assert.equal(
      c.posts.map((p) => p.auth),
      [`Bearer ${adminTokenOf(secret)}`, `Bearer ${adminTokenOf(secret)}`, undefined],
    );
  } finally {
    await c.close();
  }
});

test.run();

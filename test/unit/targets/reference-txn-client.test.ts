// The reference target's transaction client against a scripted HttpClient: the request goes to the first key's
// shard leader (421 hints followed), and every answer maps to the completion docs/txn.md's table gives it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpClient, NoAnswer, type HttpAnswer } from '../../../harness/net/http.js';
import { TxnHttpClient } from '../../../targets/reference/clients/txn.js';

const nodes = ['n1', 'n2', 'n3'].map((name, i) => ({ name, url: `http://h${i + 1}` }));

class Scripted extends HttpClient {
  calls: { url: string; body: unknown }[] = [];
  constructor(private readonly answer: (url: string, body: { ops: unknown[] }) => HttpAnswer) {
    super();
  }
  override async call(url: string, _method: string, body: unknown): Promise<HttpAnswer> {
    this.calls.push({ url, body });
    return this.answer(url, body as { ops: unknown[] });
  }
}

const committed = (ops: unknown[]): HttpAnswer => ({
  status: 200,
  body: {
    ok: true,
    ops: ops.map((m) => {
      const [f, k, v] = m as [string, unknown, unknown];
      return f === 'r' ? [f, k, k === 3 ? [1, 2] : null] : [f, k, v];
    }),
    id: 't1',
    shards: [0, 5],
  },
});

const txn = {
  f: 'txn',
  value: [
    ['append', 3, 7],
    ['r', 3, null],
    ['r', 9, null],
  ],
};

test('200: ok with the reads filled in; sent to the leader named by a 421', async () => {
  const http = new Scripted((url, body) =>
    url === 'http://h3/txn'
      ? committed(body.ops)
      : {
          status: 421,
          body: {
            ok: false,
            error: 'not-leader',
            leader: 'n3',
            leaderUrl: 'http://h3',
            shard: 0,
            shards: 8,
            replicas: nodes.map((n) => n.url),
          },
        },
  );
  const c = new TxnHttpClient(nodes, 0, 1000, http);
  const r = await c.invoke(txn);
  assert.equal(r, {
    type: 'ok',
    value: [
      ['append', 3, 7],
      ['r', 3, [1, 2]],
      ['r', 9, null],
    ],
  });
  assert.equal(
    http.calls.map((x) => x.url),
    ['http://h1/txn', 'http://h3/txn'],
  );
  assert.equal(http.calls[0].body, { ops: txn.value });
});

test('409 aborted, 400 and hops run out on 421: fail; 503 and no answer: info; refused: fail', async () => {
  const answer = async (a: HttpAnswer | Error) => {
    const http = new Scripted(() => {
      if (a instanceof Error) throw a;
      return a;
    });
    return new TxnHttpClient(nodes, 0, 1000, http).invoke(txn);
  };
  const aborted = {
    ok: false,
    error: 'aborted',
    reason: 'conflict',
    message: 'locked',
    id: 't',
    shards: [0],
  };
  assert.equal(await answer({ status: 409, body: aborted }), { type: 'fail', error: 'aborted: conflict' });
  assert.equal(await answer({ status: 400, body: { ok: false, error: 'bad-request', message: 'no' } }), {
    type: 'fail',
    error: 'bad-request: no',
  });
  const r421 = await answer({ status: 421, body: { ok: false, error: 'not-leader', leader: null, shards: 8 } });
  assert.is(r421.type, 'fail');
  assert.equal(await answer({ status: 503, body: { ok: false, error: 'timeout' } }), {
    type: 'info',
    error: 'timeout',
  });
  assert.is((await answer(new NoAnswer('no answer from http://h1/txn within 1000 ms'))).type, 'info');
  assert.is((await answer(new Error('connect ECONNREFUSED 127.0.0.1:1'))).type, 'fail');
});

test('a 200 that does not match its declaration or the request is info, never ok', async () => {
  const odd = async (body: Record<string, unknown>) =>
    new TxnHttpClient(nodes, 0, 1000, new Scripted(() => ({ status: 200, body }))).invoke(txn);
  assert.is((await odd({ ok: true, ops: [['r', 3, null]], id: 't', shards: [0] })).type, 'info');
  assert.is((await odd({ ok: true, id: 't', shards: [0] })).type, 'info');
  const swapped = committed(txn.value).body as { ops: unknown[][] };
  swapped.ops[2][1] = 4;
  assert.is((await odd(swapped as Record<string, unknown>)).type, 'info');
  assert.equal(await new TxnHttpClient(nodes, 0, 1000, new Scripted(() => committed([]))).invoke({ f: 'read' }), {
    type: 'fail',
    error: 'not a transaction: read',
  });
});

test.run();

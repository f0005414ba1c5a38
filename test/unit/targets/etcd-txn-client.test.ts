// The etcd transaction client (targets/etcd/clients/txn.ts) against a small in-memory etcd on loopback that
// speaks the v3 JSON gateway's Txn (ranges at one revision, MOD compares, puts that bump the revision): reads
// come from one range Txn, writes from one guarded Txn, a concurrent change makes the guard fail (a definite
// abort), read-only transactions take one round trip (serializable ones say so), and errors map to fail or info.
import { createServer, type ServerResponse } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { onLoopback } from '../../helpers/loopback-http.js';
import { EtcdTxnClient } from '../../../targets/etcd/clients/txn.js';
import { b64, Gateway, unb64 } from '../../../targets/etcd/gateway.js';

interface Kv {
  value: string;
  mod: number;
}
const store = new Map<string, Kv>();
let revision = 1;
const requests: Record<string, unknown>[] = [];
/** Runs before a request is answered (a concurrent writer sneaking in between the two Txns). */
let beforeAnswer: ((body: Record<string, unknown>) => void) | undefined;
let failNext: { status: number; body: unknown } | 'silence' | undefined;

type Op = {
  requestRange?: { key: string; serializable?: boolean };
  requestPut?: { key: string; value: string };
};
type Cmp = { key: string; target: string; result: string; mod_revision: string };

function txn(body: { compare?: Cmp[]; success?: Op[] }): Record<string, unknown> {
  const ok = (body.compare ?? []).every((c) => String(store.get(c.key)?.mod ?? 0) === c.mod_revision);
  if (!ok) return { header: { revision: String(revision) } }; // succeeded omitted: false
  const writes = (body.success ?? []).some((o) => o.requestPut);
  if (writes) revision++;
  const responses = (body.success ?? []).map((o) => {
    if (o.requestRange) {
      const kv = store.get(o.requestRange.key);
      return {
        response_range: kv
          ? { kvs: [{ key: o.requestRange.key, value: kv.value, mod_revision: String(kv.mod) }], count: '1' }
          : {},
      };
    }
    store.set(o.requestPut!.key, { value: o.requestPut!.value, mod: revision });
    return { response_put: {} };
  });
  return { header: { revision: String(revision) }, succeeded: true, responses };
}

const server = createServer((req, res: ServerResponse) => {
  let text = '';
  req.on('data', (c) => (text += c));
  req.on('end', () => {
    const body = JSON.parse(text || '{}') as Record<string, unknown>;
    requests.push(body);
    beforeAnswer?.(body);
    const f = failNext;
    failNext = undefined;
    if (f === 'silence') return; // never answers: the client times out
    res.writeHead(f ? f.status : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(f ? f.body : txn(body)));
  });
});

const base = onLoopback(test, server);
test.before.each(() => {
  store.clear();
  revision = 1;
  requests.length = 0;
  beforeAnswer = undefined;
  failNext = undefined;
});

// Answers come in well under the timeout even on a loaded machine (300 ms was missed at load 30); only the silent
// answer waits it out, once.
const client = (serializable = false, timeoutMs = 5000) =>
  new EtcdTxnClient(new Gateway([{ name: 'n1', url: base() }], 0, timeoutMs), serializable);
const value = (k: string): unknown => {
  const kv = store.get(b64(`txn/${k}`));
  return kv ? JSON.parse(unb64(kv.value)) : undefined;
};

test('appends and reads: the reads see the state before, advanced by the transaction itself', async () => {
  const c = client();
  assert.equal(
    await c.invoke({
      f: 'txn',
      value: [
        ['append', 1, 5],
        ['r', 1, null],
        ['r', 2, null],
      ],
    }),
    {
      type: 'ok',
      value: [
        ['append', 1, 5],
        ['r', 1, [5]],
        ['r', 2, null],
      ],
    },
  );
  assert.equal(await c.invoke({ f: 'txn', value: [['append', 1, 6]] }), { type: 'ok', value: [['append', 1, 6]] });
  assert.equal(value('1'), [5, 6]);
  assert.is(requests.length, 4, 'one range Txn and one guarded Txn each');
  const guarded = requests[3] as { compare: Cmp[]; success: Op[] };
  assert.equal(guarded.compare, [{ key: b64('txn/1'), target: 'MOD', result: 'EQUAL', mod_revision: '2' }]);
  assert.equal(guarded.success.length, 1, 'one put per key, with the final list');
});

test('a change between the read and the Txn fails its guard: a definite abort, nothing written', async () => {
  const c = client();
  await c.invoke({ f: 'txn', value: [['append', 3, 1]] });
  beforeAnswer = (body) => {
    if (!(body.compare as unknown[] | undefined)?.length) return;
    beforeAnswer = undefined;
    store.set(b64('txn/3'), { value: b64(JSON.stringify([1, 2])), mod: ++revision });
  };
  assert.equal(await c.invoke({ f: 'txn', value: [['append', 3, 9]] }), { type: 'fail', error: 'conflict' });
  assert.equal(value('3'), [1, 2], 'the other writer kept its append; ours is not there');
});

test('rw-register: blind writes are not guarded, reads are; the last write to a key wins', async () => {
  const c = client();
  const r = await c.invoke({
    f: 'txn',
    value: [
      ['w', 4, 1],
      ['w', 4, 2],
      ['r', 5, null],
    ],
  });
  assert.equal(r, {
    type: 'ok',
    value: [
      ['w', 4, 1],
      ['w', 4, 2],
      ['r', 5, null],
    ],
  });
  assert.is(value('4'), 2);
  const guarded = requests[1] as { compare: Cmp[]; success: Op[] };
  assert.equal(
    guarded.compare.map((x) => unb64(x.key)),
    ['txn/5'],
  );
  assert.is(guarded.success.length, 1);
});

test('read-only transactions are one range Txn; serializable ranges when asked', async () => {
  await client().invoke({ f: 'txn', value: [['w', 7, 'a']] });
  requests.length = 0;
  assert.equal(await client(true).invoke({ f: 'txn', value: [['r', 7, null]] }), {
    type: 'ok',
    value: [['r', 7, 'a']],
  });
  assert.is(requests.length, 1);
  assert.equal((requests[0].success as Op[])[0].requestRange!.serializable, true);
});

test('errors: a failed read is a fail; a failed Txn is info, or fail when etcd refused it outright', async () => {
  failNext = { status: 503, body: { error: 'etcdserver: request timed out', code: 14 } };
  assert.is((await client().invoke({ f: 'txn', value: [['append', 8, 1]] })).type, 'fail', 'the read changed nothing');
  beforeAnswer = (body) => {
    if ((body.compare as unknown[] | undefined)?.length || (body.success as Op[])[0]?.requestPut)
      failNext = { status: 503, body: { error: 'etcdserver: request timed out', code: 14 } };
  };
  assert.equal(await client().invoke({ f: 'txn', value: [['append', 8, 1]] }), {
    type: 'info',
    error: 'etcdserver: request timed out',
  });
  beforeAnswer = (body) => {
    if ((body.compare as unknown[] | undefined)?.length) failNext = 'silence';
  };
  assert.is((await client(false, 300).invoke({ f: 'txn', value: [['append', 8, 2]] })).type, 'info');
  beforeAnswer = (body) => {
    if ((body.compare as unknown[] | undefined)?.length)
      failNext = { status: 400, body: { error: 'etcdserver: too many operations in txn request', code: 3 } };
  };
  assert.is((await client().invoke({ f: 'txn', value: [['append', 8, 3]] })).type, 'fail');
  store.set(b64('txn/9'), { value: b64('5'), mod: ++revision });
  assert.equal(await client().invoke({ f: 'txn', value: [['append', 9, 1]] }), {
    type: 'fail',
    error: 'wrong-type: key 9 is not a list',
  });
});

test.run();

// The kv/lock router against a scripted HttpClient: a shard's leader is cached from a 421 hint, and forgotten
// when it stops answering (a paused or cut-off node), so later ops on that shard do not all time out there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpClient, NoAnswer, type HttpAnswer } from '../../../harness/net/http.js';
import { Router } from '../../../targets/reference/router.js';

const nodes = ['n1', 'n2', 'n3'].map((name, i) => ({ name, url: `http://h${i + 1}`, peerAddr: '' }));

class Scripted extends HttpClient {
  leader = 'http://h1';
  silent = new Set<string>();
  calls: string[] = [];
  override async call(url: string): Promise<HttpAnswer> {
    const base = url.replace(/\/(kv|lock)$/, '');
    this.calls.push(base);
    if (this.silent.has(base)) throw new NoAnswer(`no answer from ${url} within 100 ms`);
    if (base === this.leader) return { status: 200, body: { ok: true } };
    return {
      status: 421,
      body: {
        ok: false,
        error: 'not-leader',
        leader: null,
        leaderUrl: this.leader,
        shard: 0,
        shards: 8,
        replicas: nodes.map((n) => n.url),
      },
    };
  }
}

test('a 421 hint is cached; one round trip afterwards', async () => {
  const http = new Scripted();
  const r = new Router(http, nodes, 1);
  await r.send('/kv', { op: 'read', key: 'k' }, 1000, 'k');
  assert.equal(http.calls, ['http://h2', 'http://h1']);
  http.calls = [];
  await r.send('/kv', { op: 'read', key: 'k' }, 1000, 'k');
  assert.equal(http.calls, ['http://h1']);
});

test('a cached leader that stops answering is forgotten after one timeout', async () => {
  const http = new Scripted();
  const r = new Router(http, nodes, 1);
  await r.send('/kv', { op: 'read', key: 'k' }, 1000, 'k');
  http.silent.add('http://h1');
  http.leader = 'http://h3';
  const lost = await r.send('/kv', { op: 'read', key: 'k' }, 1000, 'k');
  assert.ok('none' in lost && !lost.refused, 'no answer is reported as such (the caller records info/fail)');
  http.calls = [];
  const next = await r.send('/kv', { op: 'read', key: 'k' }, 1000, 'k');
  assert.ok(!('none' in next) && next.status === 200, JSON.stringify(next));
  assert.not.ok(http.calls.includes('http://h1'), `went back to the silent node: ${http.calls.join(' → ')}`);
});

test('hops are bounded when no node knows a leader', async () => {
  class NoLeader extends Scripted {
    override async call(url: string): Promise<HttpAnswer> {
      this.calls.push(url);
      return {
        status: 421,
        body: {
          ok: false,
          error: 'not-leader',
          leader: null,
          leaderUrl: null,
          shard: 0,
          shards: 8,
          replicas: nodes.map((n) => n.url),
        },
      };
    }
  }
  const h = new NoLeader();
  const r = new Router(h, nodes, 0);
  const out = await r.send('/kv', { op: 'read', key: 'k' }, 1000, 'k');
  assert.ok('none' in out && out.refused, 'no leader anywhere: a definite refusal');
  assert.ok(h.calls.length <= 6, `${h.calls.length} hops`);
});

test.run();

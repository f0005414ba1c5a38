// The primary-backup server (server.js) as a Faultline target, written only against the public API. Run it:
//   faultline run --target ./examples/primary-backup/primary-backup.js --runtime local \
//     --workload register --nemesis kill
// or, for its naive transactions, --workload list-append --nemesis none. docs/targets.md builds this file step by
// step.
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { defineTarget } from 'faultline';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));

/**
 * One HTTP request with a timeout: {status, body}, or {none, sent} when no answer came back. `sent` tells a
 * request that never reached the server (refused, or no connection within the timeout: it did nothing) from one
 * that did and then went silent (it may have been applied).
 */
function call(url, method, body, timeoutMs) {
  return new Promise((resolve) => {
    let sent = false;
    const req = request(url, { method, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text || '{}') }));
    });
    req.on('socket', (s) => {
      if (s.connecting) s.once('connect', () => (sent = true));
      else sent = true;
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (e) => resolve({ none: e.code ?? e.message, sent }));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** One client per logical process: every operation goes to the primary (the first node). */
function registerClient({ nodes, opTimeoutMs }) {
  const primary = nodes[0].url;
  return {
    async invoke(op) {
      const key = op.key;
      const r =
        op.f === 'read'
          ? await call(`${primary}/kv/${key}`, 'GET', undefined, opTimeoutMs)
          : op.f === 'write'
            ? await call(`${primary}/kv/${key}`, 'PUT', { value: op.value }, opTimeoutMs)
            : await call(`${primary}/cas/${key}`, 'POST', { from: op.value[0], to: op.value[1] }, opTimeoutMs);
      // Honest outcomes: a read with no answer did nothing (fail), nor did a request never sent; a write that was
      // sent and got no answer may have happened (info: the checker considers both).
      if (r.none) return !r.sent || op.f === 'read' ? { type: 'fail', error: r.none } : { type: 'info', error: r.none };
      if (r.status === 200) return op.f === 'read' ? { type: 'ok', value: r.body.value } : { type: 'ok' };
      if (r.status === 409 || r.status === 503) return { type: 'fail', error: r.body.error }; // refused: nothing done
      return op.f === 'read'
        ? { type: 'fail', error: `HTTP ${r.status}` }
        : { type: 'info', error: `HTTP ${r.status}` };
    },
    close() {},
  };
}

/**
 * Transactions (workloads list-append and rw-register), done the naive way on a store that has none: each
 * micro-op in turn, a read is a GET, an append is a GET of the list then a PUT of the list with the element added,
 * a write is a PUT. Nothing isolates one transaction from another: between this client's GET and its PUT another
 * client may append too, and a transaction's reads of two keys happen at two different moments. docs/targets.md
 * shows what the checker says about that (G-single, G2-item, lost updates).
 */
function txnClient({ nodes, opTimeoutMs }) {
  const primary = nodes[0].url;
  return {
    async invoke(op) {
      const seen = new Map(); // what this transaction knows of each key: read, or as it wrote it
      const out = [];
      let wrote = false; // once a write was sent, a failure leaves the transaction half done: unknown
      const failed = (error) => (wrote ? { type: 'info', error } : { type: 'fail', error });
      const get = async (key) => {
        if (seen.has(key)) return { value: seen.get(key) };
        const r = await call(`${primary}/kv/${key}`, 'GET', undefined, opTimeoutMs);
        if (r.none || r.status !== 200) return { error: r.none ?? `HTTP ${r.status}` };
        seen.set(key, r.body.value);
        return { value: r.body.value };
      };
      for (const [f, key, v] of op.value) {
        const cur = await get(key);
        if (cur.error) return failed(cur.error);
        if (f === 'r') {
          out.push([f, key, cur.value]);
          continue;
        }
        const next = f === 'append' ? [...(cur.value ?? []), v] : v;
        const r = await call(`${primary}/kv/${key}`, 'PUT', { value: next }, opTimeoutMs);
        if (r.status !== 200) {
          // Refused (409, 503) or never sent: this PUT did nothing; unanswered, or another status: it may have.
          if (r.none ? r.sent : r.status !== 409 && r.status !== 503) wrote = true;
          return failed(r.none ?? `HTTP ${r.status}`);
        }
        wrote = true;
        seen.set(key, next);
        out.push([f, key, v]);
      }
      return { type: 'ok', value: out };
    },
    close() {},
  };
}

export default defineTarget({
  name: 'primary-backup',
  describe: 'a naive primary-backup kv server that acknowledges writes before replicating them',
  cluster: () => ({
    ports: [
      { name: 'http', kind: 'client', container: 8080 }, // the harness's requests: never faulted
      { name: 'repl', kind: 'peer', container: 9090 }, // node to node: partitions and loss act here
    ],
    node: (name, a) => {
      const args = [
        '--name',
        name,
        '--listen',
        a.listenHost,
        '--port',
        String(a.port(name, 'http')),
        '--repl-port',
        String(a.port(name, 'repl')),
      ];
      if (name === a.names[0])
        args.push(
          '--backups',
          a.names
            .slice(1)
            .map((n) => a.peerAddr(n, 'repl'))
            .join(','),
        );
      // Local runtime: the whole command. Docker: the arguments after the image's ENTRYPOINT.
      return { command: a.runtime === 'local' ? [process.execPath, here('./server.js'), ...args] : args };
    },
    image: (b) =>
      b.build({
        name: 'primary-backup',
        dockerfile: here('./Dockerfile'),
        files: { 'server.js': here('./server.js') },
      }),
    async health(nodes, names) {
      for (const n of nodes.filter((x) => !names || names.includes(x.name))) {
        const r = await call(`${n.url}/health`, 'GET', undefined, 1000);
        if (r.none || (!names && r.status !== 200)) return `${n.name} not ready`;
      }
      return undefined;
    },
    clockFaults: false,
  }),
  clients: { register: registerClient, 'list-append': txnClient, 'rw-register': txnClient },
  refuses: () => ({ clock: 'the server keeps no time: there is nothing for a clock fault to find' }),
  leader: async (nodes) => nodes[0].name, // so `kill` and `pause` in "leader" mode aim at the primary
});

// A naive primary-backup key/value server: the example system for docs/targets.md. Node n1 is the primary: it
// applies a write, ACKNOWLEDGES it, and only then queues it for the backups (shipped once a second, dropped if a
// backup does not answer). A restarted primary copies its state back from the first backup that answers. So a
// write acknowledged less than a second before the primary crashes, or while it could not reach the backups, is
// lost: exactly what `faultline run --target ./examples/primary-backup/primary-backup.js --nemesis kill` finds.
//
//   node server.js --name n1 --listen 127.0.0.1 --port 8080 --repl-port 9090 [--backups host:port,host:port]
// Client API (--port): GET /kv/KEY → {value}; PUT /kv/KEY {value}; POST /cas/KEY {from, to} → 200 or 409;
// GET /health; 503 while starting. Replication (--repl-port, the port partitions cut):
// POST /apply [[key, value], ...]; GET /state.
import { createServer } from 'node:http';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const backups = (arg('backups', '') || '').split(',').filter(Boolean);
const data = new Map();
let queue = [];
let ready = backups.length === 0;

const body = (req) =>
  new Promise((res) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => res(s ? JSON.parse(s) : {}));
  });
const send = (res, status, obj) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(obj));
};
const post = (to, path, obj) =>
  fetch(`http://${to}${path}`, { method: 'POST', body: JSON.stringify(obj), signal: AbortSignal.timeout(500) });

createServer(async (req, res) => {
  const [, what, key] = req.url.split('/');
  if (what === 'health' || !ready) return send(res, ready ? 200 : 503, ready ? { ready } : { error: 'starting' });
  if (what === 'kv' && req.method === 'GET') return send(res, 200, { value: data.has(key) ? data.get(key) : null });
  if (!backups.length) return send(res, 409, { error: 'not the primary' });
  const b = await body(req);
  if (what === 'cas' && data.get(key) !== b.from) return send(res, 409, { error: 'mismatch' });
  const value = what === 'cas' ? b.to : b.value;
  data.set(key, value);
  send(res, 200, { ok: true }); // acknowledged here...
  queue.push([key, value]); // ...replicated later: the bug this example exists to show
}).listen(Number(arg('port')), arg('listen', '127.0.0.1'));

createServer(async (req, res) => {
  if (req.url === '/state') return send(res, 200, [...data]);
  for (const [k, v] of await body(req)) data.set(k, v);
  send(res, 200, { ok: true });
}).listen(Number(arg('repl-port')), arg('listen', '127.0.0.1'));

if (backups.length) {
  // A (re)started primary takes the state of the first backup that answers.
  for (const b of backups) {
    try {
      for (const [k, v] of await (await fetch(`http://${b}/state`, { signal: AbortSignal.timeout(500) })).json())
        data.set(k, v);
      break;
    } catch {
      /* next */
    }
  }
  ready = true;
  setInterval(() => {
    const batch = queue;
    queue = [];
    if (batch.length) for (const b of backups) post(b, '/apply', batch).catch(() => {}); // lost if it fails
  }, 1000);
}

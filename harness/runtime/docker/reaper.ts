// The reaper: what removes a docker run's containers, network and volumes when the harness cannot, because it
// was killed with SIGKILL (or crashed, or lost its machine's OOM fight) and no handler of ours ran. Modelled on
// Testcontainers' Ryuk (github.com/testcontainers/moby-ryuk): a tiny container, started before anything else of
// the run, holds a TCP connection from the harness; when that connection drops, it waits a moment, then removes
// every object labelled faultline.run=<id> through the docker socket (bind-mounted), and exits (AutoRemove
// removes it too). If no harness ever connects it reaps after CONNECT_TIMEOUT_S, as Ryuk does.
//
// It runs the node image's own node binary (the image is built FROM the locally made base, which carries the
// host's node), with a small script passed on the command line, so no extra image is needed. A normal teardown
// removes it along with the run's other labelled objects. FAULTLINE_REAPER=0 turns it off.
import { connect, type Socket } from 'node:net';
import type Docker from 'dockerode';

export const REAPER_PORT = 7999;
const CONNECT_TIMEOUT_S = 60;
/** After the connection drops: a short grace, then reap. Ryuk waits 10 s for reconnects; we never reconnect. */
const GRACE_MS = 500;

/** The script the reaper container runs (plain JavaScript for the node in the image; no dependencies). */
export const REAPER_SCRIPT = `
const net = require('net'), http = require('http'), os = require('os');
const runId = process.env.FAULTLINE_RUN, self = os.hostname();
const api = (method, path) => new Promise((res) => {
  const r = http.request({ socketPath: '/var/run/docker.sock', method, path }, (x) => {
    let b = ''; x.on('data', (c) => (b += c)); x.on('end', () => res({ status: x.statusCode, body: b }));
  });
  r.on('error', (e) => res({ status: 0, body: String(e) })); r.end();
});
const json = (s, d) => { try { return JSON.parse(s); } catch { return d; } };
let reaping = false;
async function reap(why) {
  if (reaping) return; reaping = true;
  console.log('reaping run ' + runId + ': ' + why);
  const f = encodeURIComponent(JSON.stringify({ label: ['faultline.run=' + runId] }));
  for (let pass = 0; pass < 3; pass++) {
    const cs = json((await api('GET', '/containers/json?all=1&filters=' + f)).body, []);
    const others = cs.filter((c) => !c.Id.startsWith(self));
    await Promise.all(others.map((c) => api('DELETE', '/containers/' + c.Id + '?force=1&v=1')));
    const ns = json((await api('GET', '/networks?filters=' + f)).body, []);
    await Promise.all(ns.map((n) => api('DELETE', '/networks/' + n.Id)));
    const vs = (json((await api('GET', '/volumes?filters=' + f)).body, {}).Volumes) || [];
    await Promise.all(vs.map((v) => api('DELETE', '/volumes/' + encodeURIComponent(v.Name))));
    await new Promise((r) => setTimeout(r, 300));
  }
  process.exit(0);
}
let live = 0;
let timer = setTimeout(() => reap('no harness connected within ${CONNECT_TIMEOUT_S} s'), ${CONNECT_TIMEOUT_S * 1000});
net.createServer((s) => {
  let buf = '', ok = false;
  s.setEncoding('utf8');
  s.on('error', () => {});
  s.on('data', (d) => {
    if (ok) return; buf += d;
    if (!buf.includes('\\n')) { if (buf.length > 200) s.destroy(); return; }
    if (buf.split('\\n')[0] !== 'faultline-reaper ' + runId) { s.destroy(); return; }
    ok = true; live++; clearTimeout(timer); s.write('ACK\\n');
  });
  s.on('close', () => {
    if (ok && --live === 0) timer = setTimeout(() => reap('the harness connection dropped'), ${GRACE_MS});
  });
}).listen(${REAPER_PORT}, '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

export interface Reaper {
  container: string;
  /** Closes the connection: the reaper removes the run's objects and exits. */
  close(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connects and waits for the reaper's ACK; resolves the open socket. */
function handshake(port: number, runId: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no ACK'));
    }, timeoutMs);
    let buf = '';
    s.setEncoding('utf8');
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      reject(new Error('closed before ACK'));
    });
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('ACK\n')) {
        clearTimeout(timer);
        s.removeAllListeners('close');
        s.removeAllListeners('data');
        resolve(s);
      }
    });
    s.on('connect', () => s.write(`faultline-reaper ${runId}\n`));
  });
}

/**
 * Starts the run's reaper and connects to it. Returns undefined (after logging why) when it cannot run here,
 * e.g. an engine reached over TCP, whose socket cannot be bind-mounted; the run then relies on the normal
 * teardown and `faultline clean`, as before.
 */
export async function startReaper(
  docker: Docker,
  image: string,
  runId: string,
  log: (m: string) => void,
): Promise<Reaper | undefined> {
  if (process.env.FAULTLINE_REAPER === '0') return undefined;
  // docker-modem keeps either the path or (by default) a function that finds the local socket.
  const sp = (docker.modem as unknown as { socketPath?: string | (() => string | Promise<string>) }).socketPath;
  const socketPath = typeof sp === 'function' ? await Promise.resolve(sp()).catch(() => undefined) : sp;
  if (typeof socketPath !== 'string' || socketPath === '') {
    log(
      'reaper: not started (the docker engine is not reached through a local socket); ' +
        'a killed harness leaves objects for `faultline clean`',
    );
    return undefined;
  }
  const name = `faultline-${runId}-reaper`;
  const c = await docker.createContainer({
    name,
    Image: image,
    Entrypoint: ['/usr/local/bin/node', '-e', REAPER_SCRIPT],
    Cmd: [],
    Env: [`FAULTLINE_RUN=${runId}`, 'LD_PRELOAD='],
    Labels: { faultline: '1', 'faultline.run': runId, 'faultline.reaper': '1' },
    ExposedPorts: { [`${REAPER_PORT}/tcp`]: {} },
    HostConfig: {
      AutoRemove: true,
      Binds: [`${socketPath}:/var/run/docker.sock`],
      PortBindings: { [`${REAPER_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      RestartPolicy: { Name: 'no' },
    },
  });
  await c.start();
  const info = await c.inspect();
  const port = Number(info.NetworkSettings.Ports?.[`${REAPER_PORT}/tcp`]?.[0]?.HostPort);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`reaper ${name}: no published port`);
  let socket: Socket | undefined;
  let last: unknown;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && !socket; ) {
    try {
      socket = await handshake(port, runId, 2000);
    } catch (e) {
      last = e;
      await sleep(100);
    }
  }
  if (!socket) throw new Error(`reaper ${name} did not answer on 127.0.0.1:${port}: ${(last as Error)?.message}`);
  socket.on('error', () => undefined);
  // The connection must not keep the harness alive; the kernel closes it when the harness dies, however it dies.
  socket.unref();
  log(`reaper: ${name} armed (127.0.0.1:${port})`);
  const s = socket;
  return { container: name, close: () => s.destroy() };
}

// The reaper: what removes a docker run's containers, network and volumes when the harness cannot, because it
// was killed with SIGKILL (or crashed, or lost its machine's OOM fight) and no handler of ours ran. Modelled on
// Testcontainers' Ryuk (github.com/testcontainers/moby-ryuk): a tiny container, started before anything else of
// the run, holds a TCP connection from the harness; when that connection drops, it waits a moment, then removes
// every object labelled faultline.run=<id> through the docker socket (bind-mounted), and exits (AutoRemove
// removes it too). If no harness connects within START_WINDOW_S of its start it reaps at once: a harness that
// died between starting it and connecting (about 0.3 s) leaves nothing behind for long (issue 22, item 5: the
// window was 60 s). Once it reaps, it takes no harness any more.
//
// The same connection is the run's liveness for `faultline clean` (liveness.ts): a status line on the reaper's
// port answers whether a harness holds it, so clean never removes a run whose harness is alive.
//
// It runs the node image's own node binary (the image is built FROM the locally made base, which carries the
// host's node), with a small script passed on the command line, so no extra image is needed. A normal teardown
// removes it along with the run's other labelled objects. FAULTLINE_REAPER=0 turns it off.
import { connect, type Socket } from 'node:net';
import type Docker from 'dockerode';

export const REAPER_PORT = 7999;
/** No harness connected this long after the reaper's start: reap. A few seconds; the harness takes ~0.3 s. */
export const START_WINDOW_S = 5;
/** After the connection drops: a short grace, then reap. Ryuk waits 10 s for reconnects; we never reconnect. */
const GRACE_MS = 500;
/** How long the harness keeps trying to connect after starting it (longer than the window: its node starts). */
const CONNECT_DEADLINE_MS = 10_000;

/** What a reaper says of its run: `waiting` (for its harness, within the window), `live` (a harness holds it),
 *  `grace` (the connection dropped, reaping is due) or `reaping`. */
export interface ReaperStatus {
  run: string;
  state: 'waiting' | 'live' | 'grace' | 'reaping';
  harnesses: number;
  uptimeMs: number;
}

/** The script the reaper container runs (plain JavaScript for the node in the image; no dependencies). */
export const REAPER_SCRIPT = `
const net = require('net'), http = require('http'), os = require('os');
const runId = process.env.FAULTLINE_RUN, self = os.hostname(), t0 = Date.now();
const api = (method, path) => new Promise((res) => {
  const r = http.request({ socketPath: '/var/run/docker.sock', method, path }, (x) => {
    let b = ''; x.on('data', (c) => (b += c)); x.on('end', () => res({ status: x.statusCode, body: b }));
  });
  r.on('error', (e) => res({ status: 0, body: String(e) })); r.end();
});
const json = (s, d) => { try { return JSON.parse(s); } catch { return d; } };
let state = 'waiting', live = 0;
async function reap(why) {
  if (state === 'reaping') return; state = 'reaping';
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
let timer = setTimeout(() => reap('no harness connected within ${START_WINDOW_S} s'), ${START_WINDOW_S * 1000});
net.createServer((s) => {
  let buf = '', ok = false;
  s.setEncoding('utf8');
  s.on('error', () => {});
  s.on('data', (d) => {
    if (ok) return; buf += d;
    if (!buf.includes('\\n')) { if (buf.length > 200) s.destroy(); return; }
    const line = buf.split('\\n')[0];
    if (line === 'faultline-reaper-status ' + runId) {
      s.end(JSON.stringify({ run: runId, state, harnesses: live, uptimeMs: Date.now() - t0 }) + '\\n');
      return;
    }
    if (line !== 'faultline-reaper ' + runId || (state !== 'waiting' && state !== 'live')) { s.destroy(); return; }
    ok = true; live++; state = 'live'; clearTimeout(timer); s.write('ACK\\n');
  });
  s.on('close', () => {
    if (ok && --live === 0 && state === 'live') {
      state = 'grace'; timer = setTimeout(() => reap('the harness connection dropped'), ${GRACE_MS});
    }
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

/** The local socket the docker client talks to, or undefined for an engine reached otherwise (TCP, SSH). */
export async function localSocketPath(docker: Docker): Promise<string | undefined> {
  // docker-modem keeps either the path or (by default) a function that finds the local socket.
  const sp = (docker.modem as unknown as { socketPath?: string | (() => string | Promise<string>) }).socketPath;
  const socketPath = typeof sp === 'function' ? await Promise.resolve(sp()).catch(() => undefined) : sp;
  return typeof socketPath === 'string' && socketPath !== '' ? socketPath : undefined;
}

/** A started reaper container that no harness holds yet (startReaper connects at once). */
export interface StartedReaper {
  container: string;
  /** Its port on the engine host's 127.0.0.1. */
  port: number;
}

/** Creates and starts the run's reaper container; the window for a harness to connect starts now. */
export async function createReaper(
  docker: Docker,
  image: string,
  runId: string,
  socketPath: string,
): Promise<StartedReaper> {
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
  return { container: name, port };
}

/** Asks the reaper on `port` how its run stands; undefined when it does not answer (in time, or sensibly). */
export function reaperStatus(port: number, runId: string, timeoutMs: number): Promise<ReaperStatus | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (st: ReaperStatus | undefined): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(st);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`faultline-reaper-status ${runId}\n`));
    s.on('data', (d) => {
      buf += d;
      if (buf.length > 1000) return done(undefined);
      if (!buf.includes('\n')) return;
      try {
        const st = JSON.parse(buf.split('\n')[0]) as ReaperStatus;
        const known = ['waiting', 'live', 'grace', 'reaping'].includes(st.state);
        done(st.run === runId && known && Number.isInteger(st.harnesses) ? st : undefined);
      } catch {
        done(undefined);
      }
    });
    s.on('error', () => done(undefined));
    s.on('close', () => done(undefined));
  });
}

/**
 * Starts the run's reaper and connects to it. Returns undefined (after logging why) when it cannot run here,
 * e.g. an engine reached over TCP, whose socket cannot be bind-mounted; the run then relies on the normal
 * teardown, and `faultline clean` cannot tell whether it is alive (it is spared unless named with --force).
 */
export async function startReaper(
  docker: Docker,
  image: string,
  runId: string,
  log: (m: string) => void,
): Promise<Reaper | undefined> {
  if (process.env.FAULTLINE_REAPER === '0') return undefined;
  const socketPath = await localSocketPath(docker);
  if (socketPath === undefined) {
    log(
      'reaper: not started (the docker engine is not reached through a local socket); ' +
        'a killed harness leaves objects for `faultline clean --force --run <id>`',
    );
    return undefined;
  }
  const t0 = Date.now();
  const { container: name, port } = await createReaper(docker, image, runId, socketPath);
  let socket: Socket | undefined;
  let last: unknown;
  for (const deadline = t0 + CONNECT_DEADLINE_MS; Date.now() < deadline && !socket; ) {
    try {
      socket = await handshake(port, runId, 2000);
    } catch (e) {
      last = e;
      await sleep(100);
    }
  }
  if (!socket)
    throw new Error(
      `reaper ${name} did not answer on 127.0.0.1:${port} within ${CONNECT_DEADLINE_MS / 1000} s ` +
        `(it reaps the run when no harness connects within ${START_WINDOW_S} s of its start): ` +
        `${(last as Error)?.message}`,
    );
  socket.on('error', () => undefined);
  // The connection must not keep the harness alive; the kernel closes it when the harness dies, however it dies.
  socket.unref();
  log(`reaper: ${name} armed (127.0.0.1:${port}, connected ${Date.now() - t0} ms after its creation)`);
  const s = socket;
  return { container: name, close: () => s.destroy() };
}

// The results browser: a read-only HTTP server over a results root (node:http, no dependencies). It renders only
// pages of its own: "/" is the index of every run (report/index-page.ts over store/index.ts), filtered by the
// query (?verdict=, ?runtime=, ?target=, ?workload=, ?nemesis=, ?name=, ?offending=); a folder is a listing; and
// <test>/<run>/report.html of a run the index lists is sent as a page under a policy allowing only the scripts
// our report renderer writes (report-sources.ts), so a crafted report runs none of its own. Every other file is
// inert: text/plain (an .html a node wrote into nodes/n1/ is shown as its source), JSON, PNG, or else a download,
// each with nosniff and a sandbox policy that runs nothing. Requests whose Host header does not name the address
// we listen on are refused (host.ts: DNS rebinding).
// Nothing outside the root is served: a path is decoded once, refused if any segment is "..", "." or hidden
// (".x": the atomic writer's temp files), then resolved with realpath, which follows symlinks, and the result must
// still be inside the root's own realpath, so a symlink leading out is refused (404, like a file that is not
// there); only regular files and folders are served, files opened and checked with fstat (not a FIFO or a
// device), read-only.
import {
  closeSync,
  createReadStream,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  constants,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { EXACT_FILTERS, filterRuns, isListedRun, TEXT_FILTERS, type IndexFilter } from '../store/index.js';
import { isUnder } from '../store/files.js';
import { INDEX_SOURCES, indexRuns, renderIndexPage } from '../report/index-page.js';
import { reportPolicy } from '../report/report-sources.js';
import { FILE_POLICY, strictPolicy } from '../report/source-hashes.js';
import { BASE_CSS, esc, page } from '../report/html.js';
import { hostAllowed } from './host.js';

/** How files that are not our pages are sent: inert types only; anything else is a download. */
const FILE_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
};
/** Shown as plain text in the tab: logs, histories, and markup someone else wrote (as its source). */
const TEXT = new Set(['.jsonl', '.edn', '.log', '.txt', '.md', '.xml', '.pid', '.html', '.htm', '.svg', '.csv', '']);
const HTML = 'text/html; charset=utf-8';
const PLAIN = 'text/plain; charset=utf-8';

const COMMON = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** A page of ours: its own scripts and styles by hash, and never inside another site's frame. */
function pageHeaders(policy: string): Record<string, string> {
  return { ...COMMON, 'Content-Security-Policy': `${policy}; frame-ancestors 'none'` };
}

const FILE_HEADERS = { ...COMMON, 'Content-Security-Policy': FILE_POLICY };
const INDEX_POLICY = strictPolicy(INDEX_SOURCES);
const LISTING_POLICY = strictPolicy({ scripts: [], styles: [BASE_CSS] });

export interface ServeOptions {
  root: string;
  port: number;
  host: string;
}

/** Where the server listens, known once it does (port 0 picks one): the Host check compares against it. */
export interface Listening {
  host: string;
  port: number;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  o: { type?: string; head?: boolean; headers?: Record<string, string> } = {},
): void {
  res.writeHead(status, {
    ...(o.headers ?? FILE_HEADERS),
    'Content-Type': o.type ?? PLAIN,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(o.head ? undefined : body);
}

function sendPage(res: ServerResponse, html: string, policy: string, head: boolean): void {
  send(res, 200, html, { type: HTML, head, headers: pageHeaders(policy) });
}

/** The real path of `rel` (segments already checked) if it is inside root, else undefined. */
export function resolveInside(rootReal: string, segments: readonly string[]): string | undefined {
  let real: string;
  try {
    real = realpathSync(join(rootReal, ...segments));
  } catch {
    return undefined;
  }
  return isUnder(rootReal, real) ? real : undefined;
}

/** Decoded path segments, or undefined for a path that may not be served. */
export function safeSegments(pathname: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segs = decoded.split('/').filter((s) => s !== '');
  if (segs.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return undefined;
  return segs;
}

function listing(rootReal: string, dirReal: string, urlPath: string): string {
  const rows: string[] = [];
  for (const name of readdirSync(dirReal).sort()) {
    if (name.startsWith('.')) continue;
    const real = resolveInside(rootReal, [...dirReal.slice(rootReal.length).split(sep).filter(Boolean), name]);
    if (!real) continue; // a symlink leading out is not even listed
    let isDir = false;
    let size = 0;
    try {
      const st = statSync(real);
      isDir = st.isDirectory();
      size = st.size;
      if (!isDir && !st.isFile()) continue;
    } catch {
      continue;
    }
    rows.push(
      `<tr><td><a href="${encodeURIComponent(name)}${isDir ? '/' : ''}">${esc(name)}${isDir ? '/' : ''}</a></td>` +
        `<td>${isDir ? '' : `${size} bytes`}</td></tr>`,
    );
  }
  return page(
    `faultline: ${urlPath}`,
    `<h1>${esc(urlPath)}</h1><p><a href="/">all runs</a> · <a href="../">up</a></p><table>${rows.join('')}</table>`,
  );
}

/** The filter a query asks for: only the index's own keys, each at most a line of text. */
function queryFilter(q: URLSearchParams): IndexFilter {
  const f: IndexFilter = {};
  for (const k of [...EXACT_FILTERS, ...TEXT_FILTERS]) {
    const v = q.get(k);
    if (v) f[k] = v.slice(0, 200);
  }
  return f;
}

/** How a file that is not one of our pages is sent: its type, and whether as a download. */
export function fileType(name: string): { type: string; download: boolean } {
  const ext = extname(name).toLowerCase();
  if (FILE_TYPES[ext]) return { type: FILE_TYPES[ext], download: false };
  if (TEXT.has(ext)) return { type: PLAIN, download: false };
  return { type: 'application/octet-stream', download: true };
}

/** Largest report.html sent as a page (it is read whole for its policy); a larger one is refused (413). */
const MAX_REPORT_BYTES = 128 * 1024 * 1024;

function sendReport(res: ServerResponse, fd: number, size: number, head: boolean): void {
  let html: Buffer;
  try {
    if (size > MAX_REPORT_BYTES) throw new Error('too large');
    html = readFileSync(fd);
  } catch {
    send(res, 413, `report.html is larger than ${MAX_REPORT_BYTES / 2 ** 20} MiB; open it from disk\n`, { head });
    return;
  } finally {
    closeSync(fd);
  }
  const policy = reportPolicy(html.toString('utf8'));
  res.writeHead(200, { ...pageHeaders(policy), 'Content-Type': HTML, 'Content-Length': html.length });
  res.end(head ? undefined : html);
}

export function handler(root: string, at: Listening): (req: IncomingMessage, res: ServerResponse) => void {
  const rootReal = realpathSync(root);
  return (req, res) => {
    const head = req.method === 'HEAD';
    if (!hostAllowed(req.headers.host, at.host, at.port)) {
      send(res, 421, 'misdirected request: the Host header does not name the address serve listens on\n', { head });
      return;
    }
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'read-only: GET and HEAD only\n');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      send(res, 400, 'bad request\n', { head });
      return;
    }
    // Browsers ask for a favicon on their own; "no content" keeps a 404 out of every page's console.
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, FILE_HEADERS);
      res.end();
      return;
    }
    const segs = safeSegments(url.pathname);
    if (!segs) {
      send(res, 404, 'not found\n', { head });
      return;
    }
    if (segs.length === 0 || (segs.length === 1 && segs[0] === 'index.html')) {
      const all = indexRuns(rootReal);
      const filter = queryFilter(url.searchParams);
      const html = renderIndexPage(filterRuns(all, filter), { title: 'faultline results', filter, all });
      sendPage(res, html, INDEX_POLICY, head);
      return;
    }
    const real = resolveInside(rootReal, segs);
    if (!real) {
      send(res, 404, 'not found\n', { head });
      return;
    }
    let fd: number;
    try {
      fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      send(res, 404, 'not found\n', { head });
      return;
    }
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      closeSync(fd);
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { ...FILE_HEADERS, Location: `${url.pathname}/` });
        res.end();
        return;
      }
      sendPage(res, listing(rootReal, real, `/${segs.join('/')}/`), LISTING_POLICY, head);
      return;
    }
    if (!st.isFile()) {
      closeSync(fd);
      send(res, 404, 'not found\n', { head });
      return;
    }
    // A run's report.html, where the index lists the run, is the one file sent as a page; its policy allows
    // only the scripts our renderer writes, whatever the file holds.
    if (segs.length === 3 && segs[2] === 'report.html' && isListedRun(rootReal, segs[0], segs[1])) {
      sendReport(res, fd, st.size, head);
      return;
    }
    const { type, download } = fileType(real);
    res.writeHead(200, {
      ...FILE_HEADERS,
      'Content-Type': type,
      'Content-Length': st.size,
      ...(download ? { 'Content-Disposition': 'attachment' } : {}),
    });
    if (head) {
      closeSync(fd);
      res.end();
      return;
    }
    createReadStream('', { fd, autoClose: true })
      .on('error', () => res.destroy())
      .pipe(res);
  };
}

export function startServer(o: ServeOptions): Promise<{ server: Server; url: string }> {
  // The port is known only once listening (port 0); no request arrives before, so the handler reads it late.
  const at: Listening = { host: o.host, port: o.port };
  const server = createServer(handler(o.root, at));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : o.port;
      at.port = port;
      const host = o.host.includes(':') ? `[${o.host}]` : o.host;
      resolve({ server, url: `http://${host}:${port}/` });
    });
  });
}

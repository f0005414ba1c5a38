// The results browser: a read-only HTTP server over a results root (node:http, no dependencies). "/" is the
// index of every run (store/index.ts), filtered by ?verdict= and ?name=; every other path is a file or folder
// under the root. It never serves anything outside the root: a path is decoded once, refused if any segment is
// "..", "." or hidden (".x": the atomic writer's temp files), then resolved with realpath, which follows
// symlinks, and the result must still be inside the root's own realpath, so a symlink leading out is refused
// (404, like a file that is not there); only regular files and folders are served, files opened and checked
// with fstat (not a FIFO or a device), read-only. Pages get a Content-Security-Policy that allows nothing
// from anywhere: the reports are self-contained, so nothing they hold can load or send anything.
import {
  closeSync,
  createReadStream,
  fstatSync,
  openSync,
  readdirSync,
  realpathSync,
  statSync,
  constants,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { filterRuns, listRuns } from '../store/index.js';
import { renderIndexPage } from '../report/index-page.js';
import { esc, page } from '../report/html.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.edn': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.xml': 'text/plain; charset=utf-8',
  '.pid': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

const HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; " +
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

export interface ServeOptions {
  root: string;
  port: number;
  host: string;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
  head = false,
): void {
  res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

/** The real path of `rel` (segments already checked) if it is inside root, else undefined. */
export function resolveInside(rootReal: string, segments: readonly string[]): string | undefined {
  let real: string;
  try {
    real = realpathSync(join(rootReal, ...segments));
  } catch {
    return undefined;
  }
  return real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep) ? real : undefined;
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

export function handler(root: string): (req: IncomingMessage, res: ServerResponse) => void {
  const rootReal = realpathSync(root);
  return (req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'read-only: GET and HEAD only\n');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      send(res, 400, 'bad request\n');
      return;
    }
    // Browsers ask for a favicon on their own; "no content" keeps a 404 out of every page's console.
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, HEADERS);
      res.end();
      return;
    }
    const segs = safeSegments(url.pathname);
    if (!segs) {
      send(res, 404, 'not found\n', undefined, head);
      return;
    }
    if (segs.length === 0 || (segs.length === 1 && segs[0] === 'index.html')) {
      const all = listRuns(rootReal);
      const verdict = url.searchParams.get('verdict') ?? '';
      const name = url.searchParams.get('name') ?? '';
      const runs = filterRuns(all, { verdict, name });
      send(
        res,
        200,
        renderIndexPage(runs, { title: 'faultline results', verdict, name, total: all.length }),
        TYPES['.html'],
        head,
      );
      return;
    }
    const real = resolveInside(rootReal, segs);
    if (!real) {
      send(res, 404, 'not found\n', undefined, head);
      return;
    }
    let fd: number;
    try {
      fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      send(res, 404, 'not found\n', undefined, head);
      return;
    }
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      closeSync(fd);
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { ...HEADERS, Location: `${url.pathname}/` });
        res.end();
        return;
      }
      send(res, 200, listing(rootReal, real, `/${segs.join('/')}/`), TYPES['.html'], head);
      return;
    }
    if (!st.isFile()) {
      closeSync(fd);
      send(res, 404, 'not found\n', undefined, head);
      return;
    }
    res.writeHead(200, {
      ...HEADERS,
      'Content-Type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': st.size,
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
  const server = createServer(handler(o.root));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : o.port;
      const host = o.host.includes(':') ? `[${o.host}]` : o.host;
      resolve({ server, url: `http://${host}:${port}/` });
    });
  });
}

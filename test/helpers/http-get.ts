// One HTTP request to a server under test with node:http, which sends the path as given (no normalisation of
// "..", unlike fetch) and lets a test choose the Host header.
import { request, type IncomingHttpHeaders, type Server } from 'node:http';
import { startServer } from '../../harness/serve/server.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  type: string;
  csp: string;
  body: string;
}

export function httpGet(base: string, path: string, o: { method?: string; host?: string } = {}): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: o.method ?? 'GET',
        ...(o.host !== undefined ? { headers: { host: o.host }, setHost: false } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            type: String(res.headers['content-type'] ?? ''),
            csp: String(res.headers['content-security-policy'] ?? ''),
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `faultline serve` over `root` on a free loopback port, as a test talks to it. */
export async function serveOnAnyPort(root: string): Promise<{ server: Server; base: string; port: number }> {
  const s = await startServer({ root, port: 0, host: '127.0.0.1' });
  return { server: s.server, base: s.url, port: Number(new URL(s.url).port) };
}

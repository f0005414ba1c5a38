// Which Host headers `serve` answers. A page on any web site can make the browser send requests to 127.0.0.1
// under a name the attacker controls (DNS rebinding: evil.example resolves to the attacker, then to 127.0.0.1),
// and the browser then treats our answers as that site's, readable by its scripts. Only a Host that names the
// address we listen on (or localhost for a loopback address) with our port is the user's own tab; every other
// one is refused before anything is read. An IP literal cannot be rebound, so on a wildcard address (0.0.0.0,
// ::) any IP literal with our port is accepted, and no name but localhost.
import { isIP } from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1)$/;

function bare(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** The host and port of a Host header ("[::1]:8080", "localhost:80", "example"), or undefined if malformed. */
export function parseHost(header: string): { name: string; port?: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::(\d{1,5}))?$/.exec(header);
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { name: bare(m[1]), port };
}

/** Whether a request's Host header names `listen` (the address serve was given) at `port`. */
export function hostAllowed(header: string | undefined, listen: string, port: number): boolean {
  if (!header) return false;
  const h = parseHost(header);
  if (!h) return false;
  if ((h.port ?? 80) !== port) return false;
  const addr = bare(listen);
  if (addr === '0.0.0.0' || addr === '::' || addr === '') return h.name === 'localhost' || isIP(h.name) !== 0;
  if (h.name === addr) return true;
  if (h.name === 'localhost') return LOOPBACK.test(addr);
  // Listening on the name localhost: the loopback literals reach it too.
  return addr === 'localhost' && LOOPBACK.test(h.name);
}

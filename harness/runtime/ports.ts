// Free TCP ports, asked of the kernel (listen on port 0), so parallel runs never collide: kept by a listener (the
// relays' fronts) or handed on after closing (the local runtime's node ports, freePorts).
import { createServer, type AddressInfo, type Server } from 'node:net';

/** Listens on a port the kernel picks at `host`; resolves with it. Later errors of the server are ignored. */
export function listenFree(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** `count` ports free on loopback a moment ago (another process may take one before it is bound again). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(servers.map((s) => listenFree(s, '127.0.0.1')));
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
  }
}

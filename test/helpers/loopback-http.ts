// A test's own HTTP server on a free loopback port for the whole file: listening before the first test, closed
// (open connections too) after the last. Returns the base URL once listening.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'uvu';

export function onLoopback(test: Test, server: Server): () => string {
  let url = '';
  test.before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  test.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return () => url;
}

// A unix-socket proxy in front of the docker engine that writes down every request line going through it, for
// tests that must show what the harness asked the engine (e.g. that no image was pulled). Bytes are relayed
// untouched both ways, upgraded attach streams included; request lines are found in the client's byte stream
// (method, path, HTTP/1.x at a line start), with a short tail kept across chunks so a split line is still seen.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REQUEST_LINE = /(?:^|\r\n)(GET|HEAD|POST|PUT|DELETE) (\/[^ \r\n]*) HTTP\/1\.[01]\r\n/g;
const TAIL = 4096;

export class EngineRecorder {
  /** "METHOD /path?query" of every request seen, in order. */
  readonly requests: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly socketPath: string,
    private readonly dir: string,
    private readonly server: Server,
  ) {}

  static async start(engine = '/var/run/docker.sock'): Promise<EngineRecorder> {
    const dir = mkdtempSync(join(tmpdir(), 'fl-engine-rec-'));
    const path = join(dir, 'engine.sock');
    let rec: EngineRecorder | undefined;
    const server = createServer((client) => rec!.relay(client, engine));
    rec = new EngineRecorder(path, dir, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return rec;
  }

  private relay(client: Socket, engine: string): void {
    const up = connect(engine);
    this.sockets.add(client).add(up);
    let tail = '';
    let seen = 0;
    client.on('data', (c: Buffer) => {
      const text = tail + c.toString('latin1');
      const base = seen - tail.length;
      for (const m of text.matchAll(REQUEST_LINE)) {
        // A line found in the kept tail was written down when it was first seen.
        if (base + (m.index ?? 0) + m[0].length > seen) this.requests.push(`${m[1]} ${m[2]}`);
      }
      seen += c.length;
      tail = text.slice(-TAIL);
    });
    client.pipe(up);
    up.pipe(client);
    const close = (): void => {
      client.destroy();
      up.destroy();
      this.sockets.delete(client);
      this.sockets.delete(up);
    };
    client.on('error', close).on('close', close);
    up.on('error', close).on('close', close);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

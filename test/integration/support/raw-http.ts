// Sends raw bytes to an HTTP port and reads whatever comes back, for requests no well-behaved client would
// make (bad framing, bad headers, truncated bodies). The status is parsed from the first response line.
import { Socket } from 'node:net';

export interface RawAnswer {
  /** HTTP status, or undefined when the server closed without answering. */
  status: number | undefined;
  body: string;
  ms: number;
}

/**
 * `halfClose`: end our side after the bytes (for requests that are incomplete on purpose: the server sees the
 * end instead of waiting for more). A complete request must not half-close, or the server may drop the
 * connection before a slow answer.
 */
export function rawRequest(port: number, bytes: Buffer, timeoutMs: number, halfClose = false): Promise<RawAnswer> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const s = new Socket();
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const sep = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, sep >= 0 ? sep : text.length));
      // The first response's body only (a pipelined request may have a second answer behind it).
      const body = sep < 0 ? '' : len ? text.slice(sep + 4, sep + 4 + Number(len[1])) : text.slice(sep + 4);
      resolve({ status: m ? Number(m[1]) : undefined, body, ms: Date.now() - t0 });
    };
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      // One response is enough: stop once its declared body is complete.
      const text = Buffer.concat(chunks).toString('latin1');
      const sep = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, sep >= 0 ? sep : text.length));
      if (sep >= 0 && len && text.length - sep - 4 >= Number(len[1])) {
        s.destroy();
        done();
      }
    });
    s.on('error', () => undefined);
    s.on('close', done);
    s.connect(port, '127.0.0.1', () => {
      if (halfClose) s.end(bytes);
      else s.write(bytes);
    });
  });
}

// The HTTP side of talking to a node: one keep-alive agent per client, a hard timeout per request, and errors
// classified the way the history needs them: a definite answer (status + body) or "no answer" (thrown).
import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: unknown;
}

export class NoAnswer extends Error {}

export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  /** POST/GET JSON. Throws NoAnswer on a connection error or timeout: the request may or may not have run. */
  call(
    url: string,
    method: 'GET' | 'POST',
    body: unknown,
    timeoutMs: number,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: data
            ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
            : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
            } catch {
              resolve({ status: res.statusCode ?? 0, body: text });
            }
          });
          res.on('error', (e) => reject(new NoAnswer(e.message)));
        },
      );
      req.on('timeout', () => req.destroy(new NoAnswer(`no answer from ${url} within ${timeoutMs} ms`)));
      req.on('error', (e) => reject(e instanceof NoAnswer ? e : new NoAnswer(e.message)));
      if (data) req.write(data);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One GET with a hard timeout and no shared agent: the status and JSON (or text) body, or undefined when no answer. */
export async function httpGet(url: string, timeoutMs: number): Promise<HttpAnswer | undefined> {
  const c = new HttpClient();
  try {
    return await c.call(url, 'GET', undefined, timeoutMs);
  } catch {
    return undefined;
  } finally {
    c.close();
  }
}

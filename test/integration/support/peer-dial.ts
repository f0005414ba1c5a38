// Raw peer-port access for tests: a plain TCP connection (a stray process), or one that performs the
// handshake of system/node/peer-auth.ts with a given secret (a peer, or an impostor with the wrong secret).
import { Socket } from 'node:net';
import { PROTOCOL, newNonce, parseChallenge, proof } from '../../../system/node/peer-auth.js';

export function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    s.once('error', reject);
    s.connect(port, '127.0.0.1', () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

/** Resolves when the other side closes the connection, or with false after `ms`. */
export function closedWithin(s: Socket, ms: number): Promise<boolean> {
  if (s.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Dials `port` as `from` → `to`, answers the challenge with `secret` (right or wrong), and returns the socket. */
export async function handshake(port: number, from: string, to: string, secret: string): Promise<Socket> {
  const s = await connect(port);
  const nonce = newNonce();
  s.write(`${JSON.stringify({ hello: PROTOCOL, from, to, nonce })}\n`);
  const line = await new Promise<Buffer>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const nl = buf.indexOf(0x0a);
      if (nl >= 0) {
        s.off('data', onData);
        resolve(buf.subarray(0, nl));
      }
    };
    s.on('data', onData);
    s.once('close', () => reject(new Error('closed before the challenge')));
  });
  const c = parseChallenge(line);
  if (!c) throw new Error(`not a challenge: ${line.toString()}`);
  s.write(`${JSON.stringify({ auth: proof(secret, 'dialer', from, to, nonce, c.challenge) })}\n`);
  return s;
}

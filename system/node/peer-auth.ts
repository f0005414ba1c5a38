// Peer authentication: a challenge-response handshake on every peer connection, keyed by the cluster's secret
// (issue 14, item 2: frames were accepted from any connection, so one forged Heartbeat moved the term and a
// forged App frame wrote a value). Once per connection, not per frame, so steady-state throughput is unchanged.
//
//   dialer → listener   {"hello":"faultline-peer/1","from":A,"to":B,"nonce":Na}
//   listener → dialer   {"challenge":Nb,"proof":HMAC(k, "faultline-peer/1|listener|A|B|Na|Nb")}
//   dialer → listener   {"auth":HMAC(k, "faultline-peer/1|dialer|A|B|Na|Nb")}   then Raft frames
//
// Both nonces are 128 random bits, so a recorded exchange cannot be replayed (the other side's nonce is new),
// and both ids are inside the MAC, so a proof for one link is no good on another (a relay or a stray process
// cannot re-address it). The dialer checks the listener's proof before it sends anything that matters, so the
// authentication is mutual. HMAC-SHA256 (RFC 2104) from node:crypto; proofs are compared in constant time.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PROTOCOL = 'faultline-peer/1';
/** The handshake's lines are short; a peer that sends more before authenticating is cut off. */
export const MAX_HANDSHAKE_LINE = 1024;

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export function proof(
  secret: string,
  role: 'listener' | 'dialer',
  from: string,
  to: string,
  dialerNonce: string,
  listenerNonce: string,
): string {
  return createHmac('sha256', secret)
    .update([PROTOCOL, role, from, to, dialerNonce, listenerNonce].join('|'))
    .digest('hex');
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(expected: string, got: unknown): boolean {
  if (typeof got !== 'string' || got.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'utf8'), Buffer.from(got, 'utf8'));
}

const isNonce = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v);
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** Parses one handshake line; undefined when it is not what the step expects. */
export function parseHello(line: Buffer): { from: string; to: string; nonce: string } | undefined {
  const m = parse(line);
  return m && m.hello === PROTOCOL && isId(m.from) && isId(m.to) && isNonce(m.nonce)
    ? { from: m.from, to: m.to, nonce: m.nonce }
    : undefined;
}

export function parseChallenge(line: Buffer): { challenge: string; proof: string } | undefined {
  const m = parse(line);
  return m && isNonce(m.challenge) && typeof m.proof === 'string'
    ? { challenge: m.challenge, proof: m.proof }
    : undefined;
}

export function parseAuth(line: Buffer): string | undefined {
  const m = parse(line);
  return m && typeof m.auth === 'string' ? m.auth : undefined;
}

function parse(line: Buffer): Record<string, unknown> | undefined {
  try {
    const m = JSON.parse(line.toString('utf8')) as unknown;
    return m && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

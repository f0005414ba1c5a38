// Who may change the cluster through the client port (issue 22, item 1: any client that reached a node's client
// port could POST /admin/membership and shrink a shard's voters; 139 of 574 random changes were accepted in 10 s).
//
// Admin routes need the cluster's admin token, `Authorization: Bearer <token>`, compared in constant time: both
// sides are hashed with SHA-256 first, so timingSafeEqual always compares 32 bytes and the comparison reveals
// neither the token's bytes nor its length. The token reaches the node only through its environment
// (FAULTLINE_NODE_ADMIN_TOKEN), never argv, which `ps` shows to every user of the machine. A node started
// without one (by hand, on loopback) takes admin requests from loopback clients only, and says so at start.
//
// A missing or wrong token is 401 with a WWW-Authenticate challenge (RFC 7235 §3.1; the Bearer scheme of
// RFC 6750 §3); a node without a token asked from another host is 403: no credential would help there.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Where the node reads its admin token (config.ts refuses it on the command line). */
export const ADMIN_TOKEN_ENV = 'FAULTLINE_NODE_ADMIN_TOKEN';
/** Shortest accepted token (the reference target derives 64 hex digits from the run's secret). */
export const MIN_ADMIN_TOKEN_LENGTH = 16;
/** A longer Authorization header is not a token of ours; it is refused before it is hashed. */
const MAX_AUTHORIZATION_LENGTH = 1024;

export interface AdminRefusal {
  status: 401 | 403;
  headers: Record<string, string>;
  body: { ok: false; error: 'unauthorized' | 'forbidden'; message: string };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (::ffff:127.0.0.1), as a socket reports a peer's address. */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Whether an Authorization header carries exactly `token` as a Bearer credential (constant time). */
export function bearerMatches(token: string, authorization: string | undefined): boolean {
  if (typeof authorization !== 'string' || authorization.length > MAX_AUTHORIZATION_LENGTH) return false;
  const m = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!m) return false;
  return timingSafeEqual(digest(token), digest(m[1]));
}

/**
 * Why an admin request is refused, or undefined when it may go ahead. `token` is the node's admin token ('' when
 * it has none); `authorization` the request's header; `peer` the client's address as the socket reports it.
 */
export function adminRefusal(
  token: string,
  authorization: string | undefined,
  peer: string | undefined,
): AdminRefusal | undefined {
  if (token === '') {
    if (isLoopbackPeer(peer)) return undefined;
    return {
      status: 403,
      headers: {},
      body: {
        ok: false,
        error: 'forbidden',
        message: `this node has no admin token (${ADMIN_TOKEN_ENV}), so it takes admin requests from loopback only`,
      },
    };
  }
  if (bearerMatches(token, authorization)) return undefined;
  return {
    status: 401,
    headers: { 'www-authenticate': 'Bearer realm="faultline-admin"' },
    body: {
      ok: false,
      error: 'unauthorized',
      message: "admin requests need the cluster's admin token: Authorization: Bearer <token>",
    },
  };
}

/** The start-up line of a node without a token (undefined when it has one). */
export function adminStartWarning(token: string): string | undefined {
  return token === ''
    ? `no admin token (${ADMIN_TOKEN_ENV} unset): admin requests (POST /admin/membership) are taken from loopback only`
    : undefined;
}

// The reference node's admin token for one run (system/node/admin-auth.ts checks it), derived from the run's
// secret (TargetContext.secret) the way TLS derives keys from a master secret: HMAC-SHA256(secret, label).
// The token travels in an HTTP header on the client network, the peer secret never does (peer-auth.ts sends
// only HMAC proofs), so a token seen on the wire opens the admin routes and nothing else. Both the cluster spec
// (node environment) and the membership hook (Authorization header) compute it from the same secret.
import { createHmac } from 'node:crypto';
import { ADMIN_TOKEN_ENV } from '../../system/node/admin-auth.js';

export { ADMIN_TOKEN_ENV };

const LABEL = 'faultline-admin/1';

/** 64 hex digits; undefined without a secret (a hand-made cluster: then no Authorization header is sent). */
export function adminTokenOf(secret: string | undefined): string | undefined {
  return secret ? createHmac('sha256', secret).update(LABEL).digest('hex') : undefined;
}

/** The header an admin request carries (none without a token). */
export function adminHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

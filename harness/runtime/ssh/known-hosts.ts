// Host keys checked the way OpenSSH checks them (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): a host is known when a
// line of the known_hosts file names it (plainly, as [address]:port for another port than 22, hashed as
// |1|salt|HMAC-SHA1, or by a wildcard pattern) with the key it offers. A known host offering another key is
// refused with its fingerprint; an unknown one is refused too, unless --ssh-accept-new, which adds its line and
// says so. Nothing is ever accepted silently.
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KnownKey {
  type: string;
  /** The key blob (base64-decoded field). */
  key: Buffer;
  line: number;
  revoked: boolean;
}

/** The name OpenSSH looks up: the address, or [address]:port when the port is not 22. */
export function hostKeyName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** OpenSSH's fingerprint: SHA256: and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a public key blob starts with (an SSH string: uint32 length, bytes). */
export function blobType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Whether one host field (comma-separated patterns, or a hashed name) names `name`. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const h = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return h === hash;
  }
  let hit = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) hit = true;
  }
  return hit;
}

/** Every key the file holds for `name` (@cert-authority lines are skipped: host certificates are not supported). */
export function knownKeysFor(text: string, name: string): KnownKey[] {
  const out: KnownKey[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    let f = line.split(/\s+/);
    let revoked = false;
    if (f[0].startsWith('@')) {
      if (f[0] === '@revoked') revoked = true;
      else return;
      f = f.slice(1);
    }
    if (f.length < 3 || !hostFieldMatches(f[0], name)) return;
    out.push({ type: f[1], key: Buffer.from(f[2], 'base64'), line: i + 1, revoked });
  });
  return out;
}

export type HostKeyVerdict = { ok: true; added?: string } | { ok: false; reason: string };

/**
 * Checks the key `blob` a host offered against `file`. `who` names the host in messages (user@address:port).
 * With acceptNew, an unknown host's key is appended (the file and its folder are created if needed).
 */
export function checkHostKey(o: {
  file: string;
  address: string;
  port: number;
  blob: Buffer;
  acceptNew: boolean;
  who: string;
}): HostKeyVerdict {
  const name = hostKeyName(o.address, o.port);
  const text = existsSync(o.file) ? readFileSync(o.file, 'utf8') : '';
  const keys = knownKeysFor(text, name);
  const type = blobType(o.blob);
  const fp = fingerprint(o.blob);
  const revoked = keys.find((k) => k.revoked && k.key.equals(o.blob));
  if (revoked)
    return {
      ok: false,
      reason: `${o.who} offered a host key revoked in ${o.file} line ${revoked.line} (${type} ${fp})`,
    };
  if (keys.some((k) => !k.revoked && k.key.equals(o.blob))) return { ok: true };
  const others = keys.filter((k) => !k.revoked);
  if (others.length > 0)
    return {
      ok: false,
      reason:
        `HOST KEY MISMATCH: ${o.who} offered ${type} ${fp}, but ${o.file} line ${others[0].line} has another key ` +
        `for ${name}; if the host was reinstalled, remove that line and rerun with --ssh-accept-new`,
    };
  if (!o.acceptNew)
    return {
      ok: false,
      reason:
        `${o.who} is not in ${o.file} (it offered ${type} ${fp}); check that fingerprint on the host ` +
        `(ssh-keygen -lf /etc/ssh/ssh_host_${type.replace(/^ssh-|-.*$/g, '')}_key.pub) and rerun with ` +
        '--ssh-accept-new to add it',
    };
  mkdirSync(dirname(o.file), { recursive: true });
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  appendFileSync(o.file, `${sep}${name} ${type} ${o.blob.toString('base64')}\n`, { mode: 0o600 });
  return { ok: true, added: `added ${o.who}'s host key ${type} ${fp} to ${o.file} (--ssh-accept-new)` };
}

/** The host key algorithms to offer for a host: those of the types known for it first, so a host with several
 *  keys shows the one on file (as OpenSSH orders them); all of them for an unknown host. */
export function hostKeyAlgorithms(file: string, address: string, port: number): string[] | undefined {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const types = new Set(
    knownKeysFor(text, hostKeyName(address, port))
      .filter((k) => !k.revoked)
      .map((k) => k.type),
  );
  if (types.size === 0) return undefined;
  const algs: string[] = [];
  for (const t of types) algs.push(...(t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  return algs;
}

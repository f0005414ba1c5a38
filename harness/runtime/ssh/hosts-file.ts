// The hosts file of `--runtime ssh --hosts FILE`: one host a line, `user@address[:port]`, blank lines and `#`
// comments allowed. The key and known_hosts that `faultline hosts up` writes beside it (DIR/key,
// DIR/known_hosts) are found there when no flag names them, so a bed's hosts file is all a run needs.
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface HostEntry {
  user: string;
  address: string;
  port: number;
  /** user@address[:port] as written (for messages). */
  text: string;
}

/** At most this many hosts: a cluster is a handful of machines, and each holds an SSH connection. */
export const MAX_HOSTS = 64;

const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** One line; throws a one-line Error naming what is wrong. */
export function parseHostLine(line: string, where: string): HostEntry {
  if (/@\[|@[^@]*:[^@]*:/.test(line))
    throw new Error(`${where}: IPv6 addresses are not supported yet (partitions use iptables, IPv4 only)`);
  const m = /^([^@\s]+)@([^\s:]+)(?::(\d+))?$/.exec(line);
  if (!m) throw new Error(`${where}: expected user@address[:port], got "${line}"`);
  const [, user, address, portText] = m;
  if (!USER.test(user)) throw new Error(`${where}: "${user}" is not a user name`);
  if (isIP(address) !== 4 && !HOSTNAME.test(address))
    throw new Error(`${where}: "${address}" is neither an IPv4 address nor a host name`);
  const port = portText === undefined ? 22 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${where}: port ${portText} is not 1-65535`);
  return { user, address, port, text: line };
}

export function parseHostsText(text: string, file: string): HostEntry[] {
  const hosts: HostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line) hosts.push(parseHostLine(line, `${file} line ${i + 1}`));
  });
  if (hosts.length === 0) throw new Error(`${file} lists no host (one user@address[:port] a line)`);
  if (hosts.length > MAX_HOSTS) throw new Error(`${file} lists ${hosts.length} hosts; at most ${MAX_HOSTS}`);
  const seen = new Set<string>();
  for (const h of hosts) {
    if (seen.has(h.address)) throw new Error(`${file}: ${h.address} is listed twice (one node per host)`);
    seen.add(h.address);
  }
  return hosts;
}

export function readHostsFile(file: string): HostEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(
      `--hosts ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  return parseHostsText(text, file);
}

/** The SSH settings a run gives: the flags, or what sits beside the hosts file, or the user's usual files. */
export interface SshAccess {
  hosts: HostEntry[];
  /** Private key file, when one is used (else only the agent). */
  keyFile?: string;
  knownHostsFile: string;
  acceptNew: boolean;
  /** $SSH_AUTH_SOCK when set. */
  agent?: string;
}

export interface SshFlags {
  hosts: string;
  sshKey?: string;
  sshKnownHosts?: string;
  sshAcceptNew?: boolean;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Resolves the flags into files: DIR/key and DIR/known_hosts beside the hosts file, then ~/.ssh's usual ones. */
export function resolveSshAccess(f: SshFlags, env: NodeJS.ProcessEnv = process.env): SshAccess {
  const hosts = readHostsFile(f.hosts);
  const dir = dirname(f.hosts);
  const ssh = join(homedir(), '.ssh');
  let keyFile = f.sshKey;
  if (keyFile !== undefined && !existsSync(keyFile)) throw new Error(`--ssh-key ${keyFile}: no such file`);
  if (keyFile === undefined && existsSync(join(dir, 'key'))) keyFile = join(dir, 'key');
  const agent = env.SSH_AUTH_SOCK || undefined;
  if (keyFile === undefined && !agent) keyFile = DEFAULT_KEYS.map((k) => join(ssh, k)).find((p) => existsSync(p));
  if (keyFile === undefined && !agent)
    throw new Error(
      `no SSH key: pass --ssh-key FILE, put a key at ${join(dir, 'key')}, or run an ssh-agent (SSH_AUTH_SOCK)`,
    );
  const knownHostsFile =
    f.sshKnownHosts ?? (existsSync(join(dir, 'known_hosts')) ? join(dir, 'known_hosts') : join(ssh, 'known_hosts'));
  return { hosts, keyFile, knownHostsFile, acceptNew: f.sshAcceptNew === true, agent };
}

// The flags of `--runtime ssh` (docs/ssh.md), kept apart from run-args.ts: --hosts, --ssh-key, --ssh-known-hosts,
// --ssh-accept-new, and --nodes defaulting to the number of hosts. Checked before a run folder exists.
import type { Argv } from 'yargs';
import { DEFAULTS } from '../run/options.js';
import { resolveSshAccess } from '../runtime/ssh/hosts-file.js';

export interface SshArgs {
  runtime: string;
  nodes?: number;
  hosts?: string;
  'ssh-key'?: string;
  'ssh-known-hosts'?: string;
  'ssh-accept-new'?: boolean;
}

export function sshRunOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('hosts', {
      type: 'string',
      describe: '--runtime ssh: file of hosts, one user@address[:port] a line (key and known_hosts beside it are used)',
    })
    .option('ssh-key', {
      type: 'string',
      describe: '--runtime ssh: private key file (default: DIR/key, the agent, ~/.ssh)',
    })
    .option('ssh-known-hosts', {
      type: 'string',
      describe:
        '--runtime ssh: known_hosts file checked for host keys (default: DIR/known_hosts, else ~/.ssh/known_hosts)',
    })
    .option('ssh-accept-new', {
      type: 'boolean',
      describe: "--runtime ssh: add an unknown host's key to known_hosts (said on the output), instead of refusing",
    });
}

/**
 * Checks the ssh flags (reading the hosts file, finding the key) and fills --nodes: the number of hosts under
 * --runtime ssh, else the usual default. Returns the RunOptions fields of the ssh runtime. Throws one line.
 */
export function checkSshArgs(a: SshArgs): {
  nodes: number;
  options: { hosts?: string; sshKey?: string; sshKnownHosts?: string; sshAcceptNew?: boolean };
} {
  const given = [a.hosts && '--hosts', a['ssh-key'] && '--ssh-key', a['ssh-known-hosts'] && '--ssh-known-hosts'];
  if (a.runtime !== 'ssh') {
    const stray = given.find(Boolean);
    if (stray) throw new Error(`${stray} is for --runtime ssh`);
    return { nodes: a.nodes ?? DEFAULTS.nodes, options: {} };
  }
  if (!a.hosts) throw new Error('--runtime ssh needs --hosts FILE (one user@address[:port] a line)');
  const flags = {
    hosts: a.hosts,
    sshKey: a['ssh-key'],
    sshKnownHosts: a['ssh-known-hosts'],
    sshAcceptNew: a['ssh-accept-new'] || undefined,
  };
  const access = resolveSshAccess(flags);
  const nodes = a.nodes ?? access.hosts.length;
  if (nodes > access.hosts.length)
    throw new Error(
      `--nodes ${nodes}: the ssh runtime runs one node per host and ${a.hosts} lists ${access.hosts.length}`,
    );
  return { nodes, options: flags };
}

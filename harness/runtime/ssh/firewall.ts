// Partitions and loss on a host: the INPUT rules docker/iptables.ts computes from a grudge (each tagged with a
// comment naming the run), inserted at the top of the host's INPUT chain (a host firewall's own ACCEPT rules
// come first otherwise) and removed exactly, through one iptables-restore --noflush per change.
import { type Rule, ruleDiff } from '../docker/iptables.js';
import { q } from './shell.js';
import { PATH_PREFIX } from './scripts.js';

/** The iptables-restore input taking a chain from `have` to `want` (without touching anything else), or
 *  undefined when nothing changes. Insertions go in reverse so that the rules keep their order at the top. */
export function restoreText(have: readonly Rule[], want: readonly Rule[]): string | undefined {
  const { del, add } = ruleDiff(have, want);
  if (del.length === 0 && add.length === 0) return undefined;
  return [
    '*filter',
    ...del.map((r) => `-D INPUT ${r.map(q).join(' ')}`),
    ...add.reverse().map((r) => `-I INPUT 1 ${r.map(q).join(' ')}`),
    'COMMIT',
    '',
  ].join('\n');
}

/** The command that applies restoreText's output (given on stdin). */
export function restoreScript(sudo: string): string {
  return `${PATH_PREFIX}; ${sudo} iptables-restore -w --noflush`;
}

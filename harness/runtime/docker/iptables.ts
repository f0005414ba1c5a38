// iptables rules inside a container's network namespace, entered from the host with nsenter (DESIGN.md, "Fault
// mechanisms"): the rules a grudge and loss settings call for, and an atomic sync that adds and deletes exactly
// the rules we own (tagged with a comment naming the run), never touching Docker's own.
import { spawn } from 'node:child_process';

export type Rule = string[];

export interface RuleInputs {
  runId: string;
  /** IPs this node must not hear from. */
  cutFrom: string[];
  mode: 'drop' | 'reject';
  /** Random loss of packets from these peer IPs with probability p. */
  loss?: { p: number; from: string[] };
}

/** The INPUT rules (after "-A INPUT") a node should have. */
export function desiredRules(i: RuleInputs): Rule[] {
  const tag = ['-m', 'comment', '--comment', `faultline:${i.runId}`];
  const rules: Rule[] = [];
  for (const ip of new Set(i.cutFrom)) {
    if (i.mode === 'reject') {
      // Let the peer's resets in (so our own connects to it fail fast too when the grudge is mutual), answer the
      // rest of its TCP with a reset, and drop whatever else it sends.
      rules.push(['-s', ip, '-p', 'tcp', '--tcp-flags', 'RST', 'RST', ...tag, '-j', 'ACCEPT']);
      rules.push(['-s', ip, '-p', 'tcp', ...tag, '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    }
    rules.push(['-s', ip, ...tag, '-j', 'DROP']);
  }
  if (i.loss && i.loss.p > 0) {
    for (const ip of i.loss.from)
      rules.push([
        '-s',
        ip,
        '-m',
        'statistic',
        '--mode',
        'random',
        '--probability',
        String(i.loss.p),
        ...tag,
        '-j',
        'DROP',
      ]);
  }
  return rules;
}

/** The items of `have` that `want` lacks (to delete) and those of `want` that `have` lacks (to add), in order. */
function diffBy<T>(have: readonly T[], want: readonly T[], key: (x: T) => string): { del: T[]; add: T[] } {
  const haveKeys = new Set(have.map(key));
  const wantKeys = new Set(want.map(key));
  return { del: have.filter((r) => !wantKeys.has(key(r))), add: want.filter((r) => !haveKeys.has(key(r))) };
}

/** The rules of `have` that `want` lacks (to delete) and those of `want` that `have` lacks (to add), in order. */
export function ruleDiff(have: readonly Rule[], want: readonly Rule[]): { del: Rule[]; add: Rule[] } {
  return diffBy(have, want, (r) => r.join(' '));
}

function quote(s: string): string {
  return /^[A-Za-z0-9_.:/=+-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

export function run(
  cmd: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('error', (e) => resolve({ code: -1, stdout, stderr: e.message }));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.on('error', () => undefined);
    p.stdin.end(input ?? '');
  });
}

/** A rule of one of our chains, and the table it lives in. */
export interface TableRule {
  table: 'filter' | 'nat';
  rule: Rule;
}

/** INPUT rules (filter table) as table rules. */
export const inFilter = (rules: readonly Rule[]): TableRule[] => rules.map((rule) => ({ table: 'filter', rule }));

/**
 * Brings the rules of `chain` (INPUT: a partition and loss; OUTPUT: latency steering) in the network namespace of
 * `pid` from `have` to `want`: one atomic iptables-restore without flushing, nat before filter (a DNAT exists
 * before the filter rule that resets the direct connections it replaces), falling back to one rule at a time (a
 * rule may have vanished with a restart we did not see). Only the rules we own are ever added or deleted. `who`
 * names the node in errors.
 */
export async function syncRules(
  pid: number,
  chain: 'INPUT' | 'OUTPUT',
  have: readonly TableRule[],
  want: readonly TableRule[],
  who: string,
): Promise<void> {
  const { del, add } = diffBy(have, want, (r) => `${r.table} ${r.rule.join(' ')}`);
  if (del.length === 0 && add.length === 0) return;
  const lines: string[] = [];
  for (const table of ['nat', 'filter'] as const) {
    const a = add.filter((r) => r.table === table);
    const d = del.filter((r) => r.table === table);
    if (a.length + d.length === 0) continue;
    lines.push(
      `*${table}`,
      ...a.map((r) => `-A ${chain} ${r.rule.map(quote).join(' ')}`),
      ...d.map((r) => `-D ${chain} ${r.rule.map(quote).join(' ')}`),
      'COMMIT',
    );
  }
  const ns = ['-t', String(pid), '-n'];
  const r = await run('nsenter', [...ns, 'iptables-restore', '-w', '--noflush'], `${lines.join('\n')}\n`);
  if (r.code === 0) return;
  for (const x of del) await run('nsenter', [...ns, 'iptables', '-w', '-t', x.table, '-D', chain, ...x.rule]);
  for (const x of add) {
    const a = await run('nsenter', [...ns, 'iptables', '-w', '-t', x.table, '-A', chain, ...x.rule]);
    if (a.code !== 0)
      throw new Error(
        `iptables (${x.table} ${chain}) in ${who}'s network namespace failed: ${a.stderr.trim() || r.stderr.trim()}`,
      );
  }
}

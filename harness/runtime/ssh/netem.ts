// Latency with the kernel's netem qdisc, where the host's kernel has it (DESIGN.md: this machine's does not, so
// here the ssh runtime refuses `latency` with the reason the probe found). "Node X receives peer bytes late" is
// made on the senders: each host puts packets for a delayed peer's address into a prio band of its own whose
// netem child delays them by that peer's setting; every other packet keeps the default bands 0-2 (priomap
// unchanged). Our root qdisc carries the fixed handle TC_HANDLE, which the sweep looks for.
import { q } from './shell.js';
import { PATH_PREFIX, TC_HANDLE, tcSweep } from './scripts.js';

export interface Delay {
  /** The delayed peer's address (its host's IPv4). */
  ip: string;
  ms: number;
  jitterMs: number;
}

/** prio's default priomap: ordinary traffic keeps bands 0-2 exactly as without our qdisc. */
const PRIOMAP = '1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1';
const ms = (x: number) => `${Math.round(x)}ms`;

/** prio has at most 16 bands; 3 stay the defaults. */
export const MAX_DELAYED = 13;

/**
 * The script setting one host's egress delays: our root qdisc replaced (or removed when `delays` is empty) on
 * the device that routes to each delayed peer. Devices are found on the host with `ip route get`.
 */
export function netemScript(sudo: string, delays: readonly Delay[]): string {
  if (delays.length > MAX_DELAYED) throw new Error(`latency on at most ${MAX_DELAYED} peers at once`);
  const s = sudo;
  const lines = [
    PATH_PREFIX,
    'set -e',
    // Remove ours from every device (and only ours: the handle says so).
    tcSweep(s),
  ];
  if (delays.length === 0) return lines.join('\n');
  const bands = 3 + delays.length;
  lines.push('devs=""');
  delays.forEach((d, i) => {
    const band = (4 + i).toString(16);
    lines.push(
      `dev=$(ip -o route get ${q(d.ip)} | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')`,
      `case " $devs " in *" $dev "*) ;; *)`,
      `  ${s} tc qdisc add dev "$dev" root handle ${TC_HANDLE}: prio bands ${bands} priomap ${PRIOMAP}`,
      '  devs="$devs $dev";; esac',
      `${s} tc qdisc add dev "$dev" parent ${TC_HANDLE}:${band} netem delay ${ms(d.ms)} ${ms(d.jitterMs)}`,
      `${s} tc filter add dev "$dev" parent ${TC_HANDLE}: protocol ip prio 1 u32 \\`,
      `  match ip dst ${q(d.ip)}/32 flowid ${TC_HANDLE}:${band}`,
    );
  });
  return lines.join('\n');
}

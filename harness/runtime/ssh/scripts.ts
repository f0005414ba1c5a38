// The shell scripts the runtime runs on a host, one function each, so that what touches a host can be read in
// one place. They use only POSIX sh, coreutils, util-linux's setsid, procps-free /proc reads, iptables and tc.
// A node runs in <run>/<node>/ as its own process group (setsid): its pid is its group id, its cwd that folder,
// which is how every script here tells our process from a stranger that got a recycled pid.
import { q, words } from './shell.js';

/** The sbin folders are not on a normal user's PATH; iptables and tc live there. */
export const PATH_PREFIX = 'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH';

/** Marks "ours" on a tc root qdisc: a fixed handle (one run at a time per host). */
export const TC_HANDLE = 'fa17';

/** Removes our tc root qdisc (known by its handle) from every device of the host. */
export function tcSweep(sudo: string): string {
  return `for dev in $(ls /sys/class/net 2>/dev/null); do
  if ${sudo} tc qdisc show dev "$dev" 2>/dev/null | grep -q "^qdisc prio ${TC_HANDLE}: root"; then
    ${sudo} tc qdisc del dev "$dev" root
  fi
done`;
}

/** Facts about a host, printed as key=value lines by probeScript and read back by parseFacts. */
export interface HostFacts {
  uid: number;
  /** The base folder, with symlinks resolved. */
  base: string;
  /** '' when root, 'sudo -n' when iptables works through sudo, undefined when not at all. */
  sudo?: string;
  firewallError?: string;
  missing: string[];
  faketime?: string;
  netemError?: string;
}

/** Prints the facts; creates the base folder (mode 0700). */
export function probeScript(base: string, faketimePaths: readonly string[]): string {
  return `${PATH_PREFIX}
umask 077
mkdir -p ${q(base)} && cd ${q(base)} || exit 1
echo "base=$(pwd -P)"
echo "uid=$(id -u)"
for t in setsid tar sh kill readlink iptables iptables-restore; do
  command -v "$t" >/dev/null 2>&1 || echo "missing=$t"
done
if [ "$(id -u)" = 0 ]; then s=""; else s="sudo -n"; fi
if err=$($s iptables -w -S INPUT 2>&1 >/dev/null); then echo "sudo=$s"; else echo "fw=$(echo "$err" | head -n 1)"; fi
for p in ${faketimePaths.map(q).join(' ')}; do if [ -f "$p" ]; then echo "faketime=$p"; break; fi; done
if ! command -v tc >/dev/null 2>&1; then echo "netem=tc is not installed (iproute2)"
elif err=$($s tc qdisc add dev lo root handle fa18: netem delay 0ms 2>&1); then
  $s tc qdisc del dev lo root handle fa18: 2>/dev/null
else echo "netem=$(echo "$err" | head -n 1)"; fi
`;
}

export function parseFacts(out: string): HostFacts {
  const f: HostFacts = { uid: -1, base: '', missing: [] };
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i < 0) continue;
    const [k, v] = [line.slice(0, i), line.slice(i + 1)];
    if (k === 'base') f.base = v;
    else if (k === 'uid') f.uid = Number(v);
    else if (k === 'missing') f.missing.push(v);
    else if (k === 'sudo') f.sudo = v;
    else if (k === 'fw') f.firewallError = v || 'iptables failed';
    else if (k === 'faketime') f.faketime = v;
    else if (k === 'netem') f.netemError = v || 'tc netem failed';
  }
  return f;
}

/** Where `command` is on the host's PATH (empty output when it is not). */
export function whichScript(command: string): string {
  return `${PATH_PREFIX}; command -v ${q(command)} || true`;
}

/**
 * Starts argv in `dir` as a new session (process group), environment from dir/node.env, output appended to
 * dir/node.log; prints the pid once dir/node.pid holds it.
 */
export function startScript(dir: string, argv: readonly string[]): string {
  return `cd ${q(dir)} || exit 1
rm -f node.pid
setsid sh -c 'echo $$ > node.pid; set -a; . ./node.env; set +a; exec "$@"' faultline-node \\
  ${words(argv)} </dev/null >>node.log 2>&1 &
i=0
while [ ! -s node.pid ]; do
  i=$((i+1)); if [ $i -gt 500 ]; then echo "no pid after 5 s" >&2; exit 1; fi; sleep 0.01
done
cat node.pid`;
}

/** Fails, naming them, when any of these TCP ports is already listened on (skipped where ss is missing). */
export function portsFreeScript(ports: readonly number[]): string {
  return `${PATH_PREFIX}
command -v ss >/dev/null 2>&1 || exit 0
busy=""
for p in ${ports.join(' ')}; do if [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then busy="$busy $p"; fi; done
if [ -n "$busy" ]; then echo "TCP port(s)$busy already in use (another run's node? see ss -ltnp)" >&2; exit 1; fi`;
}

/** Exits 0 when the node's process is alive and ours, else prints "exited" and the end of its log. */
export function aliveScript(pid: number, dir: string): string {
  return `if ${ours(pid, dir)} && ! grep -q '^State:.*Z' /proc/${pid}/status 2>/dev/null; then exit 0; fi
echo exited; tail -n 3 ${q(`${dir}/node.log`)} 2>/dev/null; exit 1`;
}

/** Whether pid is our node of `dir` (shell condition). */
const ours = (pid: number, dir: string) => `[ "$(readlink /proc/${pid}/cwd 2>/dev/null)" = ${q(dir)} ]`;

/** Sends `signal` to the node's process group, if the group leader is still ours. */
export function signalScript(pid: number, dir: string, signal: 'STOP' | 'CONT'): string {
  return `if ${ours(pid, dir)}; then kill -${signal} -${pid}; fi`;
}

/** SIGKILLs the node's process group and waits (up to 5 s) until the leader is gone or a zombie. */
export function killScript(pid: number, dir: string): string {
  return `if ${ours(pid, dir)}; then kill -KILL -${pid} 2>/dev/null; fi
i=0
while [ -d /proc/${pid} ] && ! grep -q '^State:.*Z' /proc/${pid}/status 2>/dev/null && ${ours(pid, dir)}; do
  i=$((i+1)); if [ $i -gt 500 ]; then echo "pid ${pid} still runs 5 s after SIGKILL" >&2; exit 1; fi; sleep 0.01
done`;
}

/** Writes libfaketime's control file atomically (a reader never sees half of it). */
export function clockScript(file: string, text: string): string {
  return `printf '%s\\n' ${q(text)} > ${q(`${file}.tmp`)} && mv -f ${q(`${file}.tmp`)} ${q(file)}`;
}

/**
 * Removes what a run left on a host: SIGKILL to every node group of the run (checked by cwd), every INPUT rule
 * whose comment names the run, and our tc root qdisc. The watchdog runs it when its stdin ends; teardown runs it
 * too. Idempotent; always exits 0.
 */
export function sweepScript(runDir: string, runId: string, sudo: string | undefined): string {
  const s = sudo ?? '';
  const fw =
    sudo === undefined
      ? ''
      : `${s} iptables -w -S INPUT 2>/dev/null | grep -E -- '--comment "?faultline:${runId.replace(/\./g, '\\.')}"? ' |
  sed 's/^-A /-D /' | while IFS= read -r rule; do eval "${s} iptables -w $rule" 2>/dev/null; done
if command -v tc >/dev/null 2>&1; then
${tcSweep(s)}
fi`;
  return `${PATH_PREFIX}
for f in ${q(runDir)}/*/node.pid; do
  [ -s "$f" ] || continue
  pid=$(cat "$f"); d=$(dirname "$f")
  case "$pid" in ''|*[!0-9]*) continue;; esac
  if [ "$(readlink /proc/$pid/cwd 2>/dev/null)" = "$d" ]; then kill -KILL -"$pid" 2>/dev/null; fi
done
${fw}
exit 0`;
}

/**
 * The watchdog: prints "armed", then reads its stdin until it ends, which happens when the controller closes
 * the channel at teardown or when the SSH connection drops (the controller died, even by SIGKILL: the kernel
 * closes its socket and sshd closes the channel's pipes). Then it sweeps. It ignores the hangup and pipe signals
 * a dropped session may bring, so nothing stops it between the end of its input and the sweep.
 */
export function watchdogScript(runDir: string, runId: string, sudo: string | undefined): string {
  return `trap '' HUP PIPE INT TERM
echo armed
while IFS= read -r _line; do :; done
exec </dev/null >/dev/null 2>&1
${sweepScript(runDir, runId, sudo)}`;
}

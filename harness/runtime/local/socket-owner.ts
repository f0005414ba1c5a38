// Which of our processes opened a loopback TCP connection: the local runtime's fault relay must know the sender
// of each connection to cut directed links, without understanding the protocol on it (an etcd member dials the
// one peer URL every member advertises, so the listening port alone cannot tell senders apart). Linux tells us:
// the connecting socket's row in /proc/net/tcp{,6} gives its inode, and exactly one process holds an fd
// pointing at socket:[inode]. Only processes the runtime started (and their children) are searched.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The inode of the socket whose local port is `localPort` and remote port is `remotePort`, if any. */
export function socketInode(
  localPort: number,
  remotePort: number,
  tables = ['/proc/net/tcp', '/proc/net/tcp6'],
): number | undefined {
  const lp = localPort.toString(16).toUpperCase().padStart(4, '0');
  const rp = remotePort.toString(16).toUpperCase().padStart(4, '0');
  for (const t of tables) {
    let text: string;
    try {
      text = readFileSync(t, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      if (!f[1].endsWith(`:${lp}`) || !f[2].endsWith(`:${rp}`)) continue;
      const inode = Number(f[9]);
      if (inode > 0) return inode;
    }
  }
  return undefined;
}

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/))
        if (c) out.push(Number(c));
    } catch {
      /* gone */
    }
  }
  return out;
}

function holds(pid: number, needle: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === needle) return true;
    } catch {
      /* closed meanwhile */
    }
  }
  return false;
}

/**
 * The name of the process (from `pids`: name → pid) that holds the socket connected from `localPort` to
 * `remotePort` on loopback, searching each process and its descendants; undefined when none of ours does
 * (the harness itself, or a stranger: such traffic is never faulted).
 */
export function socketOwner(
  localPort: number,
  remotePort: number,
  pids: ReadonlyMap<string, number>,
): string | undefined {
  const inode = socketInode(localPort, remotePort);
  if (inode === undefined) return undefined;
  const needle = `socket:[${inode}]`;
  for (const [name, pid] of pids) {
    const todo = [pid];
    const seen = new Set<number>();
    while (todo.length) {
      const p = todo.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      if (holds(p, needle)) return name;
      todo.push(...children(p));
    }
  }
  return undefined;
}

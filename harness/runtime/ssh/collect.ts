// Teardown's copy of what a node left on its host into the results folder, over SFTP: node.log, then the data
// folder, up to a byte budget per node (a data folder can be large; the log matters most and goes first).
import { join } from 'node:path';
import type { SshHost } from './connection.js';

/** Bytes copied per node at most (the log, then data files in folder order). */
export const COLLECT_BUDGET = 256 << 20;
/** Files per node at most. */
const MAX_FILES = 10_000;

export interface Collected {
  files: number;
  bytes: number;
  /** Files left on the host because the budget was spent. */
  skipped: number;
}

/** Copies <nodeDir>/node.log to <localDir>/node.log and <nodeDir>/data/** to <localDir>/data/**. */
export async function collectNode(
  host: SshHost,
  nodeDir: string,
  localDir: string,
  budget = COLLECT_BUDGET,
): Promise<Collected> {
  const c: Collected = { files: 0, bytes: 0, skipped: 0 };
  const take = async (remote: string, local: string, size: number): Promise<void> => {
    if (c.bytes + size > budget || c.files >= MAX_FILES) {
      c.skipped++;
      return;
    }
    await host.get(remote, local);
    c.files++;
    c.bytes += size;
  };
  const top = await host.list(nodeDir);
  const log = top.find((e) => e.name === 'node.log' && e.file);
  if (log) await take(`${nodeDir}/node.log`, join(localDir, 'node.log'), log.size);
  const walk = async (remote: string, local: string): Promise<void> => {
    for (const e of (await host.list(remote)).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.dir) await walk(`${remote}/${e.name}`, join(local, e.name));
      else if (e.file) await take(`${remote}/${e.name}`, join(local, e.name), e.size);
    }
  };
  if (top.some((e) => e.name === 'data' && e.dir)) await walk(`${nodeDir}/data`, join(localDir, 'data'));
  return c;
}

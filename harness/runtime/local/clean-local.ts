// Local-runtime leftovers for `faultline clean`: runs registered in the state folder (registry.ts) whose harness
// is gone, and their node processes that still run (each verified by its command line before it is signalled).
// A run whose harness is still alive is in progress and is left alone, unless it is named with --run and --force.
import { harnessAlive, killNodes, listRecords, liveNodePids, removeRecord } from './registry.js';

export interface LocalLeftover {
  runId: string;
  pids: number[];
  /** The harness still runs: the run is in progress (only cleaned when named). */
  inProgress: boolean;
}

export function listLocalLeftovers(opts: { runId?: string } = {}): LocalLeftover[] {
  return listRecords()
    .filter(({ record }) => opts.runId === undefined || record.runId === opts.runId)
    .map(({ record }) => ({ runId: record.runId, pids: liveNodePids(record), inProgress: harnessAlive(record) }));
}

/**
 * Kills the nodes of finished-but-not-torn-down runs (only the named run's, with runId) and drops their records.
 * A run in progress is spared unless it is named and forced.
 */
export function cleanLocalLeftovers(opts: { runId?: string; force?: boolean } = {}): LocalLeftover[] {
  if (opts.force && opts.runId === undefined) throw new Error('--force removes only runs named with --run');
  const cleaned: LocalLeftover[] = [];
  for (const { path, record } of listRecords()) {
    if (opts.runId !== undefined && record.runId !== opts.runId) continue;
    const inProgress = harnessAlive(record);
    if (inProgress && !opts.force) continue;
    const pids = killNodes(record);
    removeRecord(path);
    cleaned.push({ runId: record.runId, pids, inProgress });
  }
  return cleaned;
}

// The workloads `faultline run --workload` knows.
import { kvWorkload } from './kv/workload.js';
import { registerWorkload } from './register/workload.js';
import { lockWorkload } from './lock/workload.js';
import { fencedCounterWorkload } from './fenced-counter/workload.js';
import { listAppendWorkload, rwRegisterWorkload } from './txn/workload.js';
import type { Workload } from './types.js';

export const WORKLOADS: readonly Workload[] = [
  kvWorkload,
  registerWorkload,
  lockWorkload,
  fencedCounterWorkload,
  listAppendWorkload,
  rwRegisterWorkload,
];

export function getWorkload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`unknown workload "${name}"; known: ${WORKLOADS.map((x) => x.name).join(', ')}`);
  return w;
}

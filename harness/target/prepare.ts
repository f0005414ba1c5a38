// Everything about the target that can be refused is refused here, before a folder, an image or a process exists:
// an unknown target or option, a workload it has no client for, a fault kind it cannot take.
import { loadTarget } from './load.js';
import { resolveTargetOpts } from './options.js';
import type { ClientFactory, Target, TargetOptions } from './types.js';

export interface PreparedTarget {
  target: Target;
  options: TargetOptions;
  client: ClientFactory;
}

export async function prepareTarget(spec: string, given: TargetOptions, workload: string, faults: readonly string[]): Promise<PreparedTarget> {
  const target = await loadTarget(spec);
  const options = resolveTargetOpts(target, given);
  const client = target.clients[workload];
  if (!client) throw new Error(`target ${target.name} has no client for workload ${workload}; it supports: ${Object.keys(target.clients).join(', ')}`);
  const refusals = target.refuses?.(options) ?? {};
  for (const f of faults) {
    const why = refusals[f];
    if (why) throw new Error(`target ${target.name} cannot take --nemesis ${f}: ${why}`);
  }
  return { target, options, client };
}

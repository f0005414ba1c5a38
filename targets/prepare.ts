// Everything about the target that can be refused is refused here, before a folder, an image or a process exists:
// an unknown target or option, a workload it has no client for, a fault kind it cannot take.
import { loadTarget } from './load.js';
import { resolveTargetOpts } from '../harness/target/options.js';
import type { Deadlines } from '../harness/target/deadlines.js';
import type { ClientFactory, FaultRefusals, Target, TargetOptions } from '../harness/target/types.js';

export interface PreparedTarget {
  target: Target;
  options: TargetOptions;
  client: ClientFactory;
  /** Deadlines on the target's code other than the defaults (harness/target/deadlines.ts): tests shorten them. */
  deadlines?: Partial<Deadlines>;
}

export async function prepareTarget(
  spec: string,
  given: TargetOptions,
  workload: string,
  faults: readonly string[],
): Promise<PreparedTarget> {
  const target = await loadTarget(spec);
  const options = resolveTargetOpts(target, given);
  const client = target.clients[workload];
  if (!client)
    throw new Error(
      `target ${target.name} has no client for workload ${workload}; ` +
        `it supports: ${Object.keys(target.clients).join(', ')}`,
    );
  const refusals = refusalsOf(target, options);
  for (const f of faults) {
    const why = refusals[f];
    if (why) throw new Error(`target ${target.name} cannot take --nemesis ${f}: ${why}`);
  }
  return { target, options, client };
}

/**
 * The fault kinds `target` refuses: its own `refuses`, plus `membership` when it has no membership hook (the
 * nemesis would have no way to change its members). The target's own reason wins (etcd says why it has none).
 */
export function refusalsOf(target: Target, options: TargetOptions): FaultRefusals {
  const implied: FaultRefusals = target.membership
    ? {}
    : {
        membership:
          'the target has no membership hook (Target.membership, docs/targets.md), ' +
          'so members cannot be removed and re-added',
      };
  return { ...implied, ...(target.refuses?.(options) ?? {}) };
}

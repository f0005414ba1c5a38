// `lock`: processes acquire and release a few lock names; checked with the owner-aware mutex model per name.
// Mutual exclusion must hold exactly, so the lease is far longer than any test and the workload is meant to run
// without pause and clock faults (those are for fenced-counter, where a lease may legitimately lapse).
import type { Generator } from '../../harness/generator/generator.js';
import type { Workload } from '../types.js';

export const LOCK_NAMES = 3;
/** Far longer than a test (default 60 s), shorter than the largest clock bump (±262 s), so that a replica
 *  which expires leases by its own skewed clock (planted bug lease-local-clock) visibly grants twice. */
const LONG_TTL_MS = 120 * 1000;

export function lockGenerator(): Generator {
  // Each worker alternates acquire and release of one name, moving to the next name every cycle.
  return (ctx) => {
    const name = `lock${(ctx.worker + Math.floor(ctx.count / 2)) % LOCK_NAMES}`;
    return { f: ctx.count % 2 === 0 ? 'acquire' : 'release', key: name };
  };
}

export const lockWorkload: Workload = {
  name: 'lock',
  model: 'mutex',
  describe:
    `acquire/release on ${LOCK_NAMES} lock names (lease ${LONG_TTL_MS / 1000} s, longer than a test); ` +
    'checked per name with the mutex model. Mutual exclusion must hold exactly, also under clock faults; ' +
    `keep tests under ${LONG_TTL_MS / 1000} s and without pause faults.`,
  generator: () => lockGenerator(),
  finalOp: () => undefined,
  leaseMs: LONG_TTL_MS,
};

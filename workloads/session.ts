// A workload's load generator and final phase for one run: from its session() when it has one (the two share
// state, such as the keys the load used), else its generator() and its finalOp() performed once per worker.
import { oncePerWorker } from '../harness/generator/phases.js';
import type { Workload, WorkloadOptions, WorkloadSession } from './types.js';

export function sessionOf(w: Workload, o: WorkloadOptions): WorkloadSession {
  return w.session?.(o) ?? { generator: w.generator(o), final: oncePerWorker(w.finalOp) };
}

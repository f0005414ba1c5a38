// A model as the command line knows it: a name, a sentence, and how to turn history events into the
// porcupine operations its pure Model checks.
import type { HistoryEvent, PairedOp } from '../../history/op.js';
import type { Model, Operation } from '../porcupine/types.js';

export interface ModelInstance {
  model: Model;
  /** Client events (no nemesis) in history order → operations; times are positions in the given array. */
  toOperations(events: readonly HistoryEvent[], file?: string): Operation[];
}

export interface ModelSpec {
  name: string;
  describe: string;
  /** Whether --init means anything to this model. */
  takesInit: boolean;
  create(opts: { init?: unknown }): ModelInstance;
}

/** A paired history operation as a porcupine operation: times are history positions, ref points at the invoke. */
export function opFrom<I, O>(p: PairedOp, input: I, output: O): Operation<I, O> {
  return { clientId: p.process, input, output, call: p.invokeIndex, ret: p.completeIndex, ref: p.invokeIndex };
}

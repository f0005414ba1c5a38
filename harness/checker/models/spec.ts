// A model as the command line knows it: a name, a sentence, and how to turn history events into the
// porcupine operations its pure Model checks.
import type { HistoryEvent } from '../../history/op.js';
import type { Model, Operation } from '../porcupine/types.js';

export interface ModelInstance {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model: Model<any, any, any>;
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

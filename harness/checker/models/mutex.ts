// A mutex per lock name (the key; one lock when there is none): acquire succeeds only when the lock is free,
// release only when it is held. Jepsen's knossos.model/mutex, partitioned by lock name.
import { HistoryError, type HistoryEvent } from '../../history/op.js';
import { pairEvents } from '../../history/pair.js';
import type { Model, Operation } from '../porcupine/types.js';
import type { ModelSpec } from './spec.js';
import { canon, groupBy, showCanon, type Canon } from './values.js';

export interface MutexInput { f: 'acquire' | 'release'; key: Canon }
export interface MutexOutput { unknown?: boolean }

export const mutexModel: Model<boolean, MutexInput, MutexOutput> = {
  init: () => false,
  step(held, input, output) {
    const wants = input.f === 'acquire' ? !held : held;
    // An operation with an unknown outcome may have failed: legal either way, with effect only if it could apply.
    if (!wants) return [output.unknown === true, held];
    return [true, input.f === 'acquire'];
  },
  hash: (held) => (held ? 1 : 2),
  partition: (ops) => groupBy(ops, (o) => o.input.key),
  describeOperation: (i, o) => `${i.key !== null ? `[${showCanon(i.key)}] ` : ''}${i.f}${o.unknown ? ' (info)' : ''}`,
  describeState: (held) => (held ? 'held' : 'free'),
};

export function mutexOperations(events: readonly HistoryEvent[], file?: string): Operation<MutexInput, MutexOutput>[] {
  const ops: Operation<MutexInput, MutexOutput>[] = [];
  for (const p of pairEvents(events, { file })) {
    if (p.f !== 'acquire' && p.f !== 'release') throw new HistoryError(`event ${p.invokeIndex}: the mutex model knows acquire and release, not "${p.f}"`, file);
    if (p.type === 'fail') continue;
    ops.push({
      clientId: p.process, input: { f: p.f, key: canon(p.key) }, output: p.type === 'info' ? { unknown: true } : {},
      call: p.invokeIndex, ret: p.completeIndex, ref: p.invokeIndex,
    });
  }
  return ops;
}

export const mutex: ModelSpec = {
  name: 'mutex',
  describe: 'a mutex per lock name (key): acquire only when free, release only when held',
  takesInit: false,
  create: () => ({ model: mutexModel, toOperations: mutexOperations }),
};

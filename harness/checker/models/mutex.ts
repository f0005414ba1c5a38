// A lock per name (the key; one lock when there is none), owner-aware: acquire succeeds when the lock is free
// or already held by the same process (our lock service makes a retried acquire idempotent), release only by
// the holder. Jepsen's knossos.model/mutex, partitioned by lock name, with owners.
import { HistoryError, type HistoryEvent } from '../../history/op.js';
import { pairEvents } from '../../history/pair.js';
import type { Model, Operation } from '../porcupine/types.js';
import { opFrom, type ModelSpec } from './spec.js';
import { canon, groupBy, showCanon, type Canon } from './values.js';

export interface MutexInput {
  f: 'acquire' | 'release';
  key: Canon;
  owner: number;
}
export interface MutexOutput {
  unknown?: boolean;
}

/** State: the holding process, or -1 when free. */
export const mutexModel: Model<number, MutexInput, MutexOutput> = {
  init: () => -1,
  step(holder, input, output) {
    const can = input.f === 'acquire' ? holder === -1 || holder === input.owner : holder === input.owner;
    // An operation with an unknown outcome may have failed: legal either way, with effect only if it could apply.
    if (!can) return [output.unknown === true, holder];
    return [true, input.f === 'acquire' ? input.owner : -1];
  },
  alwaysLegal: (_input, output) => output.unknown === true,
  hash: (holder) => (holder + 2) >>> 0,
  partition: (ops) => groupBy(ops, (o) => o.input.key),
  describeOperation: (i, o) =>
    `${i.key !== null ? `[${showCanon(i.key)}] ` : ''}${i.f} by ${i.owner}${o.unknown ? ' (info)' : ''}`,
  describeState: (holder) => (holder === -1 ? 'free' : `held by ${holder}`),
};

export function mutexOperations(events: readonly HistoryEvent[], file?: string): Operation<MutexInput, MutexOutput>[] {
  const ops: Operation<MutexInput, MutexOutput>[] = [];
  for (const p of pairEvents(events, { file })) {
    if (p.f !== 'acquire' && p.f !== 'release')
      throw new HistoryError(`event ${p.invokeIndex}: the mutex model knows acquire and release, not "${p.f}"`, file);
    if (p.type === 'fail') continue;
    ops.push(opFrom(p, { f: p.f, key: canon(p.key), owner: p.process }, p.type === 'info' ? { unknown: true } : {}));
  }
  return ops;
}

export const mutex: ModelSpec = {
  name: 'mutex',
  describe: 'a lock per name (key): acquire when free or already held by the same process, release only by the holder',
  takesInit: false,
  create: () => ({ model: mutexModel, toOperations: mutexOperations }),
};

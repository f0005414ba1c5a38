// Jepsen's cas-register (knossos.model/cas-register): read, write, cas [old new] on one register.
// fail = the operation did not happen, so it is dropped; info = it may have happened at any time after its
// invocation, or never, so it gets an open-ended return and an "unknown" output that the step accepts either way.
// When every written value is unique, a partition is decided without search (decide, unique/unique-register.ts).
import { HistoryError, type HistoryEvent } from '../../history/op.js';
import { pairEvents } from '../../history/pair.js';
import type { Model, Operation } from '../porcupine/types.js';
import { decideUniqueRegister } from '../unique/unique-register.js';
import type { RegisterInput, RegisterOutput } from './register-ops.js';
import { opFrom, type ModelSpec } from './spec.js';
import { canon, hashCanon, showCanon, type Canon } from './values.js';

export type { RegisterInput, RegisterOutput } from './register-ops.js';

/** Shared result of every illegal step (the search ignores its state): no allocation on the common path. */
const ILLEGAL: [boolean, Canon] = [false, null];

export function casRegisterModel(init: Canon): Model<Canon, RegisterInput, RegisterOutput> {
  // The result of every legal step, reused (Model.step's contract: read at once): no allocation per step.
  const out: [boolean, Canon] = [true, null];
  const ok = (s: Canon): [boolean, Canon] => {
    out[1] = s;
    return out;
  };
  return {
    init: () => init,
    step(state, input, output) {
      const unknown = 'unknown' in output;
      switch (input.f) {
        case 'read':
          return unknown || (output as { value: Canon }).value === state ? ok(state) : ILLEGAL;
        case 'write':
          return ok(input.value);
        case 'cas':
          if (state === input.from) return ok(input.to);
          // A cas that was reported ok must have seen `from`; one with an unknown outcome may simply have failed.
          return unknown ? ok(state) : ILLEGAL;
      }
    },
    readOnly: (input) => input.f === 'read',
    alwaysLegal: (_input, output) => 'unknown' in output,
    hash: hashCanon,
    // Unique written values: decided in O(n log n) without searching (unique/unique-register.ts).
    decide: (ops, computeInfo) => decideUniqueRegister(ops, init, computeInfo),
    describeOperation: describeRegisterOp,
    describeState: showCanon,
  };
}

export function describeRegisterOp(input: RegisterInput, output: RegisterOutput): string {
  const k = input.key !== undefined ? `[${showCanon(input.key)}] ` : '';
  const unknown = 'unknown' in output;
  switch (input.f) {
    case 'read':
      return `${k}read → ${unknown ? '?' : showCanon((output as { value: Canon }).value)}`;
    case 'write':
      return `${k}write ${showCanon(input.value)}${unknown ? ' (info)' : ''}`;
    case 'cas':
      return `${k}cas ${showCanon(input.from)}→${showCanon(input.to)}${unknown ? ' (info)' : ''}`;
  }
}

/** Jepsen register events → operations. `keyed` keeps each event's key in the input (kv-register). */
export function registerOperations(
  events: readonly HistoryEvent[],
  file: string | undefined,
  keyed: boolean,
): Operation<RegisterInput, RegisterOutput>[] {
  const ops: Operation<RegisterInput, RegisterOutput>[] = [];
  for (const p of pairEvents(events, { file })) {
    if (p.type === 'fail') continue; // did not happen
    const key = keyed ? canon(p.key) : undefined;
    const unknown = p.type === 'info';
    let input: RegisterInput;
    let output: RegisterOutput = unknown ? { unknown: true } : {};
    switch (p.f) {
      case 'read':
        if (unknown) continue; // a read with no answer constrains nothing
        input = { f: 'read', key };
        output = { value: canon(p.completeValue) };
        break;
      case 'write':
        input = { f: 'write', value: canon(p.invokeValue), key };
        break;
      case 'cas': {
        const v = p.invokeValue;
        if (!Array.isArray(v) || v.length !== 2) {
          throw new HistoryError(
            `event ${p.invokeIndex}: cas value must be a pair [old, new], got ${JSON.stringify(v)}`,
            file,
          );
        }
        input = { f: 'cas', from: canon(v[0]), to: canon(v[1]), key };
        break;
      }
      default:
        throw new HistoryError(
          `event ${p.invokeIndex}: the ${keyed ? 'kv-register' : 'cas-register'} ` +
            `model knows read, write and cas, not "${p.f}"`,
          file,
        );
    }
    if (!keyed) delete input.key;
    ops.push(opFrom(p, input, output));
  }
  return ops;
}

export const casRegister: ModelSpec = {
  name: 'cas-register',
  describe: 'one register: read, write, cas [old new] (Jepsen semantics; --init sets the initial value, default null)',
  takesInit: true,
  create: ({ init }) => ({
    model: casRegisterModel(canon(init)),
    toOperations: (events, file) => registerOperations(events, file, false),
  }),
};

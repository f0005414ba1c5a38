// Porcupine's etcdModel, exactly as its test suite uses it on the Jepsen etcd logs: one register whose state is
// an integer with nil encoded as -1000000. Unlike Jepsen's cas-register, a failed cas *happened* (etcd answered
// "compare failed"), so it stays in the history with ok=false. Integers beyond 2^53 are compared exactly: the
// reader keeps them as BigInt and the model holds them as their canonical text (values.ts), never as a rounded double.
import { HistoryError, type HistoryEvent } from '../../history/op.js';
import { pairEvents } from '../../history/pair.js';
import { showValue } from '../../history/show.js';
import type { Model, Operation } from '../porcupine/types.js';
import { opFrom, type ModelSpec } from './spec.js';
import { canon, hashCanon, showCanon } from './values.js';

/** An integer as the model holds it: a number, or the canonical text of one beyond 2^53. */
type Int = number | string;

const NIL = -1000000;
/** Shared result of every illegal step (the search ignores its state): no allocation on the common path. */
const ILLEGAL: [boolean, Int] = [false, NIL];
/** The result of every legal step, reused (Model.step's contract: read at once). */
const OUT: [boolean, Int] = [true, NIL];
const ok = (state: Int): [boolean, Int] => {
  OUT[1] = state;
  return OUT;
};

export interface EtcdInput {
  op: 'read' | 'write' | 'cas';
  arg1?: Int;
  arg2?: Int;
}
export interface EtcdOutput {
  ok?: boolean;
  exists?: boolean;
  value?: Int;
  unknown?: boolean;
}

export const etcdModel: Model<Int, EtcdInput, EtcdOutput> = {
  init: () => NIL,
  step(state, input, output) {
    switch (input.op) {
      case 'read': {
        const legal =
          (!output.exists && state === NIL) ||
          (output.exists === true && state === output.value) ||
          output.unknown === true;
        return legal ? ok(state) : ILLEGAL;
      }
      case 'write':
        return ok(input.arg1!);
      case 'cas': {
        const legal =
          (input.arg1 === state && output.ok === true) ||
          (input.arg1 !== state && !output.ok) ||
          output.unknown === true;
        return legal ? ok(input.arg1 === state ? input.arg2! : state) : ILLEGAL;
      }
    }
  },
  readOnly: (input) => input.op === 'read',
  alwaysLegal: (_input, output) => output.unknown === true,
  hash: (s) => (typeof s === 'number' ? Math.imul(s | 0, 0x9e3779b1) >>> 0 : hashCanon(s)),
  describeOperation(input, output) {
    const res = output.unknown ? '?' : '';
    switch (input.op) {
      case 'read':
        return `read → ${output.unknown ? '?' : output.exists ? show(output.value!) : 'nil'}`;
      case 'write':
        return `write ${show(input.arg1!)}${res ? ' (unknown)' : ''}`;
      case 'cas': {
        const outcome = output.unknown ? '(unknown)' : output.ok ? 'ok' : 'failed';
        return `cas ${show(input.arg1!)}→${show(input.arg2!)} ${outcome}`;
      }
    }
  },
  describeState: (s) => (s === NIL ? 'nil' : show(s)),
};

const show = (v: Int): string => showCanon(v);

function int(v: unknown, what: string, pos: number, file?: string): Int {
  if (typeof v !== 'bigint' && (typeof v !== 'number' || !Number.isInteger(v)))
    throw new HistoryError(`event ${pos}: etcd ${what} must be an integer, got ${showValue(v)}`, file);
  return canon(v) as Int;
}

export function etcdOperations(events: readonly HistoryEvent[], file?: string): Operation<EtcdInput, EtcdOutput>[] {
  const ops: Operation<EtcdInput, EtcdOutput>[] = [];
  for (const p of pairEvents(events, { file })) {
    const pos = p.invokeIndex;
    let input: EtcdInput;
    let output: EtcdOutput;
    // Porcupine's parser ignores :info lines, so the call stays pending and gets {unknown: true} at the end.
    const unknown = p.type === 'info';
    if (p.f === 'read') {
      if (p.type === 'fail') continue;
      input = { op: 'read' };
      output = unknown
        ? { unknown: true }
        : p.completeValue === null || p.completeValue === undefined
          ? { exists: false }
          : { exists: true, value: int(p.completeValue, 'read value', pos, file) };
    } else if (p.f === 'write') {
      if (p.type === 'fail') continue;
      input = { op: 'write', arg1: int(p.invokeValue, 'write value', pos, file) };
      output = unknown ? { unknown: true } : {};
    } else if (p.f === 'cas') {
      const v = p.invokeValue;
      if (!Array.isArray(v) || v.length !== 2)
        throw new HistoryError(`event ${pos}: cas value must be [old new], got ${showValue(v)}`, file);
      input = { op: 'cas', arg1: int(v[0], 'cas old value', pos, file), arg2: int(v[1], 'cas new value', pos, file) };
      output = unknown ? { unknown: true } : { ok: p.type === 'ok' };
    } else {
      throw new HistoryError(`event ${pos}: the etcd model knows read, write and cas, not "${p.f}"`, file);
    }
    ops.push(opFrom(p, input, output));
  }
  return ops;
}

export const etcd: ModelSpec = {
  name: 'etcd',
  describe:
    "Porcupine's etcd model: one integer register, nil initially; a failed cas happened and saw a different value",
  takesInit: false,
  create: () => ({ model: etcdModel, toOperations: etcdOperations }),
};

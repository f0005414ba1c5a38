// Many independent registers, one per key: Jepsen's `independent` checker. Partitioning by key is sound
// because operations on different keys commute (P-compositionality), and it keeps each search small.
import type { Model, Operation } from '../porcupine/types.js';
import { casRegisterModel, registerOperations, type RegisterInput, type RegisterOutput } from './cas-register.js';
import type { ModelSpec } from './spec.js';
import { canon, groupBy, type Canon } from './values.js';

export function kvRegisterModel(init: Canon): Model<Canon, RegisterInput, RegisterOutput> {
  return {
    ...casRegisterModel(init),
    partition: (ops: Operation<RegisterInput, RegisterOutput>[]) => groupBy(ops, (o) => o.input.key),
  };
}

export const kvRegister: ModelSpec = {
  name: 'kv-register',
  describe: "one cas-register per key (read, write, cas), checked key by key; --init sets every key's initial value",
  takesInit: true,
  create: ({ init }) => ({
    model: kvRegisterModel(canon(init)),
    toOperations: (events, file) => registerOperations(events, file, true),
  }),
};

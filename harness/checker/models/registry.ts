// Every model the command line can name. Names are part of the CLI contract: do not rename.
import { casRegister } from './cas-register.js';
import { etcd } from './etcd.js';
import { kv, kvNoPartition } from './kv.js';
import { kvRegister } from './kv-register.js';
import { mutex } from './mutex.js';
import type { ModelSpec } from './spec.js';

const MODELS: readonly ModelSpec[] = [casRegister, etcd, kv, kvNoPartition, kvRegister, mutex];

export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

export function getModel(name: string): ModelSpec {
  const m = MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown model "${name}"; known models: ${modelNames().join(', ')}`);
  return m;
}

export type { ModelSpec } from './spec.js';

// One saved history file → a verdict: read it (any supported format), pick the model, run the porcupine port.
// Shared by `faultline check` and anything else that re-checks a file offline.
import { join } from 'node:path';
import type { History, HistoryEvent } from '../history/op.js';
import { isRunFolder } from '../store/folder.js';
import { readHistoryFile, type FormatName } from '../history/readers/index.js';
import { getModel } from './models/registry.js';
import { checkOperations } from './porcupine/index.js';
import type { CheckResult, Operation } from './porcupine/types.js';
import type { Validity } from './results.js';

export interface CheckHistoryOptions {
  model?: string;
  init?: unknown;
  format?: FormatName;
  /** 0 or undefined: no limit. */
  timeoutMs?: number;
}

/** What the check report draws for one file (harness/report's CheckReportInput file entry). */
export interface FileReportInput {
  file: string;
  model: string;
  format: string;
  valid: Validity;
  ms: number;
  ops: number;
  result: CheckResult;
}

export interface FileCheck {
  file: string;
  valid: Validity;
  model: string;
  format: string;
  ops: number;
  partitions: number;
  ms: number;
  /** The operation that could not be placed, described for a person (invalid histories only). */
  firstOffending?: string;
  warnings: string[];
  summary: Record<string, unknown>;
  reportInput: FileReportInput;
}

/** Models implied by a foreign format: Porcupine's test suite reads its files with exactly these. */
const MODEL_FOR_FORMAT: Record<string, string> = { 'porcupine-etcd': 'etcd', 'porcupine-kv': 'kv' };

/** Picks a model when the user named none: the header's, the format's, else from what the operations look like. */
export function inferModel(history: History, format: string): string {
  const fromHeader = (history.header as { model?: unknown } | undefined)?.model;
  if (typeof fromHeader === 'string') return fromHeader;
  if (MODEL_FOR_FORMAT[format]) return MODEL_FOR_FORMAT[format];
  const client = history.events.filter((e) => e.process !== 'nemesis');
  if (client.some((e) => e.f === 'acquire' || e.f === 'release')) return 'mutex';
  if (client.some((e) => e.key !== undefined && e.key !== null)) return 'kv-register';
  return 'cas-register';
}

function describeOffending(result: CheckResult, describe?: (input: unknown, output: unknown) => string): string | undefined {
  for (const p of result.partitions) {
    if (p.verdict !== 'illegal' || !p.offending || p.offending.length === 0) continue;
    // `offending` indexes the partition's own ops.
    const op: Operation | undefined = p.ops[p.offending[0]];
    if (!op) continue;
    const text = describe ? describe(op.input, op.output) : JSON.stringify({ input: op.input, output: op.output });
    return `client ${op.clientId}: ${text}`;
  }
  return undefined;
}

export async function checkHistory(path: string, opts: CheckHistoryOptions = {}): Promise<FileCheck> {
  // A run folder is checked through its history.jsonl (whose header names the workload's model).
  const source = isRunFolder(path) ? join(path, 'history.jsonl') : path;
  const history = await readHistoryFile(source, { format: opts.format });
  const format = opts.format ?? history.source ?? 'jsonl';
  const modelName = opts.model ?? inferModel(history, format);
  const spec = getModel(modelName);
  const { model, toOperations } = spec.create({ init: opts.init });
  const clientEvents: HistoryEvent[] = history.events.filter((e) => e.process !== 'nemesis');
  const ops = toOperations(clientEvents, source);
  const result = checkOperations(model, ops, { timeoutMs: opts.timeoutMs || undefined, computeInfo: true });
  const valid: Validity = result.verdict === 'ok' ? true : result.verdict === 'illegal' ? false : 'unknown';
  const file = path;
  const firstOffending = valid === false ? describeOffending(result, model.describeOperation) : undefined;
  const summary = {
    file, valid, model: modelName, format, ops: ops.length, partitions: result.partitions.length,
    ms: result.ms, offending: firstOffending ?? null, warnings: history.warnings,
  };
  return {
    file, valid, model: modelName, format, ops: ops.length, partitions: result.partitions.length, ms: result.ms,
    firstOffending, warnings: history.warnings, summary,
    reportInput: { file, model: modelName, format, valid, ms: result.ms, ops: ops.length, result },
  };
}

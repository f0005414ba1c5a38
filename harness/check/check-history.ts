// One saved history (a file in any supported format, or a run folder) → results, through the same pipeline
// `run` uses (pipeline.ts). A run folder is checked with what its run recorded (test.json "checks", the history
// header), so the verdict and results.json are reproduced; a foreign file gets a model from --model, its header,
// its format or the shape of its operations, and the linearizability checker.
import { clientEvents, type History, type HistoryEvent } from '../history/op.js';
import type { FormatName } from '../history/readers/index.js';
import { historyPath, isRunFolder, readHistory, readTest } from '../store/folder.js';
import type { CheckSpec } from '../checker/check-spec.js';
import type { CheckResult } from '../checker/porcupine/types.js';
import type { CheckerOutcome, Results, Validity } from '../checker/results.js';
import { firstOffending, runChecks, slimResults, specFromRecord } from './pipeline.js';

export interface CheckHistoryOptions {
  model?: string;
  init?: unknown;
  format?: FormatName;
  /** 0: no limit; undefined: what the run recorded (no limit for a file). */
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
  /** Checkers other than linearizability (a workload's own, stats), drawn as a list. */
  others?: CheckerOutcome[];
  /** The history checked: the report's explorer draws it (its times, faults and every operation). */
  events?: readonly HistoryEvent[];
  /** The model's initial value (--init), for the states the explorer shows. */
  init?: unknown;
}

export interface FileCheck {
  file: string;
  valid: Validity;
  model: string;
  format: string;
  ops: number;
  partitions: number;
  ms: number;
  /** The operation that could not be placed (or a workload checker's first problem), for a person. */
  firstOffending?: string;
  warnings: string[];
  spec: CheckSpec;
  /** As results.json holds them: comparable with a run's results.json. */
  results: Results;
  summary: Record<string, unknown>;
  reportInput: FileReportInput;
  /** The history read, for callers that go on with it (shrink, export). */
  history: History;
}

/** Models implied by a foreign format: Porcupine's test suite reads its files with exactly these. */
const MODEL_FOR_FORMAT: Record<string, string> = { 'porcupine-etcd': 'etcd', 'porcupine-kv': 'kv' };

/** Picks a model when the user named none and the history names no workload: the format's, else from the ops. */
export function inferModel(history: History, format: string): string {
  const fromHeader = (history.header as { model?: unknown } | undefined)?.model;
  if (typeof fromHeader === 'string') return fromHeader;
  if (MODEL_FOR_FORMAT[format]) return MODEL_FOR_FORMAT[format];
  const client = clientEvents(history.events);
  if (client.some((e) => e.f === 'acquire' || e.f === 'release')) return 'mutex';
  if (client.some((e) => e.key !== undefined && e.key !== null)) return 'kv-register';
  return 'cas-register';
}

const EMPTY: CheckResult = { verdict: 'ok', partitions: [], ms: 0 };

/** Reads a history file or run folder and works out its spec. */
export async function loadForCheck(
  path: string,
  opts: CheckHistoryOptions = {},
): Promise<{ source: string; history: History; format: string; spec: CheckSpec; runError?: string }> {
  const folder = isRunFolder(path);
  const source = folder ? historyPath(path) : path;
  const test = folder ? readTest(path) : undefined;
  // A --timeout covers reading and parsing too (ReadTimeout past it), not only the search.
  const deadline = opts.timeoutMs ? performance.now() + opts.timeoutMs : undefined;
  const history = await readHistory(path, opts.format, { limits: { deadline } });
  const format = opts.format ?? history.source ?? 'jsonl';
  const spec = specFromRecord(
    { checks: test?.checks, header: history.header, checkTimeoutS: test?.options?.checkTimeoutS, file: source },
    () => inferModel(history, format),
    { model: opts.model, timeoutMs: opts.timeoutMs, init: opts.init },
  );
  return { source, history, format, spec, runError: test?.error };
}

export async function checkHistory(path: string, opts: CheckHistoryOptions = {}): Promise<FileCheck> {
  const started = performance.now();
  const { source, history, format, spec, runError } = await loadForCheck(path, opts);
  // What reading took comes out of the checker's budget.
  const left = opts.timeoutMs ? Math.max(1, opts.timeoutMs - (performance.now() - started)) : spec.timeoutMs;
  const full = runChecks(
    history.events,
    { ...spec, timeoutMs: left },
    { runError, file: source, full: true, badInputThrows: true },
  );
  const results = slimResults(full);
  const lin = full.checkers.find((c) => c.checker === 'linearizable');
  const others = full.checkers.filter((c) => c !== lin);
  const valid = full.valid;
  const model = spec.model && lin ? spec.model : '-';
  const ops = lin?.ops ?? others.find((c) => c.checker === 'stats')?.ops ?? others[0]?.ops ?? 0;
  const partitions = lin?.partitions ?? 0;
  const ms = full.checkers.reduce((a, c) => a + c.ms, 0);
  const offending = valid === false ? firstOffending(full) : undefined;
  const offendingText = offending?.text;
  const file = path;
  const checkers = full.checkers.map((c) => ({
    checker: c.checker,
    valid: c.valid,
    ...(c.error ? { error: c.error } : {}),
  }));
  const figures = { file, valid, model, format, ops, partitions, ms };
  const summary = { ...figures, offending: offendingText ?? null, warnings: history.warnings, checkers };
  return {
    ...figures,
    firstOffending: offendingText,
    warnings: history.warnings,
    spec,
    results,
    summary,
    history,
    reportInput: {
      file,
      model,
      format,
      valid,
      ms,
      ops,
      result: lin?.linearizability ?? EMPTY,
      others,
      events: history.events,
      init: opts.init,
    },
  };
}

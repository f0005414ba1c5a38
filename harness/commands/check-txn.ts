// `faultline check --model list-append|rw-register PATH...`: the transactional checker from the command line, kept
// apart from check.ts so the check pipeline can take it over: read each file, check it with Elle's options, print
// the anomalies with each cycle's steps (or one JSON line per file), exit 0 valid, 1 invalid, 2 unknown.
import { join } from 'node:path';
import { mergeValidity, exitCodeFor, verdictWord } from '../checker/results.js';
import { checkTxn } from '../checker/txn/check.js';
import { ALL_MODELS } from '../checker/txn/consistency-model.js';
import { cycleText } from '../checker/txn/explain.js';
import { isCycle, TXN_MODELS, type TxnCheckOptions, type TxnCheckResult, type TxnModel } from '../checker/txn/types.js';
import { ReadTimeout } from '../history/limits.js';
import type { FormatName } from '../history/readers/index.js';
import { writeJunit, type JunitCase } from '../report/junit.js';
import { renderTxnCheckReport, type TxnFileInput } from '../report/txn-report.js';
import { writeFileAtomic } from '../store/files.js';
import { readHistory } from '../store/folder.js';
import { fail, safeText } from './errors.js';
import { outDir } from './out-dir.js';

export function isTxnModel(m: unknown): m is TxnModel {
  return typeof m === 'string' && (TXN_MODELS as readonly string[]).includes(m);
}

export interface TxnArgs {
  paths: string[];
  model?: string;
  format?: FormatName;
  json: boolean;
  out?: string;
  junit?: string;
  'consistency-model'?: string[];
  anomalies?: string[];
  'linearizable-keys'?: boolean;
  'sequential-keys'?: boolean;
  'wfr-keys'?: boolean;
  /** Seconds for each file, reading included (0 or none: no limit). */
  timeout?: number;
  'lost-appends'?: boolean;
}

/** Elle's options as flags of `check` (only the transactional models read them). */
export const txnFlagOptions = {
  'consistency-model': {
    type: 'string',
    array: true,
    nargs: 1,
    choices: [...ALL_MODELS].sort(),
    describe: 'list-append/rw-register: a model the history must satisfy (repeatable; default strict-serializable)',
  },
  anomalies: {
    type: 'string',
    array: true,
    nargs: 1,
    describe: 'list-append/rw-register: also look for these anomalies and what implies them (e.g. G1, G2)',
  },
  'linearizable-keys': { type: 'boolean', describe: 'rw-register: keys are linearizable' },
  'sequential-keys': { type: 'boolean', describe: 'rw-register: keys are sequentially consistent' },
  'wfr-keys': { type: 'boolean', describe: 'rw-register: writes follow reads within a transaction' },
  'lost-appends': {
    type: 'boolean',
    describe: 'list-append: also report acknowledged appends a later read misses (lost-append; not an Elle check)',
  },
} as const;

export function txnOptions(a: TxnArgs): TxnCheckOptions {
  return {
    consistencyModels: a['consistency-model']?.length ? a['consistency-model'] : undefined,
    anomalies: a.anomalies,
    linearizableKeys: a['linearizable-keys'],
    sequentialKeys: a['sequential-keys'],
    wfrKeys: a['wfr-keys'],
    lostAppends: a['lost-appends'],
  };
}

/** The result as a person reads it: verdict, the models ruled out, then every anomaly (cycles step by step). */
export function txnText(file: string, r: TxnCheckResult): string {
  const head =
    `${file}: ${verdictWord(r.valid, { listing: true })} (${r.model}, ${r.stats.txns} transactions, ` +
    `${r.stats.ms.total.toFixed(1)} ms)${r.anomalyTypes.length ? `: ${r.anomalyTypes.join(', ')}` : ''}`;
  const lines = [head];
  if (r.error) lines.push(`  unknown: ${r.error}`);
  if (r.not.length)
    lines.push(`  rules out ${r.not.join(', ')}${r.alsoNot.length ? ` (and ${r.alsoNot.join(', ')})` : ''}`);
  for (const type of r.anomalyTypes) {
    const shown = r.anomalies[type];
    const more = r.counts[type] - shown.length;
    lines.push(`  ${type} (${r.counts[type]}${more > 0 ? `, ${shown.length} shown` : ''}):`);
    for (const a of shown) {
      if (isCycle(a)) lines.push(...cycleText(a).map((l) => `  ${l}`));
      else lines.push(`    - ${a.text}`);
    }
  }
  return lines.map(safeText).join('\n');
}

/** What results.json holds for one file: the verdict and every anomaly, as the report draws them. */
function summary(file: string, r: TxnCheckResult): Record<string, unknown> {
  return {
    file,
    valid: r.valid,
    model: r.model,
    anomalyTypes: r.anomalyTypes,
    not: r.not,
    alsoNot: r.alsoNot,
    counts: r.counts,
    anomalies: r.anomalies,
    stats: r.stats,
    ...(r.error ? { error: r.error } : {}),
  };
}

const bigintText = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** A JUnit case per file: invalid names the anomaly types, unknown says why. */
function junitCase(file: string, r: TxnCheckResult): JunitCase {
  return {
    classname: 'faultline.check',
    name: file,
    timeS: r.stats.ms.total / 1000,
    verdict: r.valid,
    message:
      r.valid === false
        ? `${r.anomalyTypes.join(', ')}${r.not.length ? ` (rules out ${r.not.join(', ')})` : ''}`
        : r.valid === 'unknown'
          ? (r.error ?? r.anomalyTypes.join(', '))
          : undefined,
  };
}

/** The JUnit case of a file whose reading outlasted --timeout: undecided (check.ts's too). */
export function readTimeoutCase(file: string, e: ReadTimeout): JunitCase {
  return { classname: 'faultline.check', name: file, timeS: e.seconds, verdict: 'unknown', message: e.message };
}

/** Checks every path (with --out, writes results.json and report.html; with --junit, the XML); the exit code. */
export async function checkTxnPaths(a: TxnArgs): Promise<number> {
  const model = a.model as TxnModel;
  const opts = txnOptions(a);
  const files: TxnFileInput[] = [];
  const timedOut: { file: string; e: ReadTimeout }[] = [];
  for (const path of a.paths) {
    try {
      const deadline = a.timeout ? performance.now() + a.timeout * 1000 : undefined;
      const h = await readHistory(path, a.format, { txns: true, limits: { deadline } });
      const r = checkTxn(h.events, model, { ...opts, deadline }, path, h.txns);
      files.push({ file: path, format: a.format ?? h.source ?? 'jsonl', result: r, events: h.events, txns: h.txns });
      if (a.json)
        process.stdout.write(
          `${JSON.stringify({
            file: path,
            valid: r.valid,
            model,
            anomalyTypes: r.anomalyTypes,
            not: r.not,
            alsoNot: r.alsoNot,
            txns: r.stats.txns,
            ms: Math.round(r.stats.ms.total * 1000) / 1000,
            ...(r.error ? { error: r.error } : {}),
          })}\n`,
        );
      else process.stdout.write(`${txnText(path, r)}\n`);
    } catch (e) {
      if (!(e instanceof ReadTimeout)) fail(e);
      // Reading outlasted --timeout: undecided, like a search that ran out of time.
      timedOut.push({ file: path, e });
      if (a.json)
        process.stdout.write(`${JSON.stringify({ file: path, valid: 'unknown', model, error: e.message })}\n`);
      else process.stdout.write(`${safeText(`${path}: UNKNOWN (${e.message})`)}\n`);
    }
  }
  const valid = mergeValidity([...files.map((f) => f.result.valid), ...timedOut.map(() => 'unknown' as const)]);
  const unread = timedOut.map((t) => ({ file: t.file, error: t.e.message }));
  const summaries = [
    ...files.map((f) => summary(f.file, f.result)),
    ...unread.map((u) => ({ file: u.file, valid: 'unknown', model, error: u.error })),
  ];
  if (a.out) {
    const out = outDir(a.out);
    try {
      writeFileAtomic(
        join(out, 'results.json'),
        // Big integers (read exactly from the history) as their digits: JSON has no other way to hold them.
        `${JSON.stringify({ valid, files: summaries }, bigintText, 2)}\n`,
      );
      writeFileAtomic(join(out, 'report.html'), renderTxnCheckReport({ files, unread }));
    } catch (e) {
      fail(e);
    }
    if (!a.json) process.stdout.write(`report: ${safeText(join(out, 'report.html'))}\n`);
  }
  if (a.junit) {
    try {
      writeJunit(a.junit, 'faultline check', [
        ...files.map((f) => junitCase(f.file, f.result)),
        ...timedOut.map((t) => readTimeoutCase(t.file, t.e)),
      ]);
    } catch (e) {
      fail(e);
    }
  }
  return exitCodeFor(valid);
}

// `faultline check`: re-check saved histories (ours, Jepsen EDN, Porcupine's logs) or run folders, offline.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { checkHistory, type FileCheck } from '../check/check-history.js';
import { exitCodeFor, mergeValidity, verdictWord } from '../checker/results.js';
import { FORMATS, type FormatName } from '../history/readers/index.js';
import { clientEvents, HistoryError } from '../history/op.js';
import { getLine } from '../history/pair.js';
import { historyPath, isRunFolder, readHistory } from '../store/folder.js';
import { unknownReason } from '../check/pipeline.js';
import { writeJunit, type JunitCase } from '../report/junit.js';
import { modelNames } from '../checker/models/registry.js';
import { TXN_MODELS } from '../checker/txn/types.js';
import { renderCheckReport } from '../report/check-report.js';
import { writeFileAtomic } from '../store/files.js';
import { fail, safeText } from './errors.js';
import { outDir } from './out-dir.js';
import { checkTxnPaths, isTxnModel, readTimeoutCase, txnFlagOptions, type TxnArgs } from './check-txn.js';
import { parseJsonLine } from '../history/json-exact.js';
import { ReadTimeout } from '../history/limits.js';
import { numberOption } from './numbers.js';
import { plural } from '../words.js';

interface CheckArgs {
  paths: string[];
  model?: string;
  init?: string;
  format?: FormatName;
  timeout?: number;
  json: boolean;
  out?: string;
  junit?: string;
}

/**
 * The models report a bad operation as "event N" (its position among the client events) with no line. On that
 * error path only, the file is read again to turn N into the line it came from, so the message names file:line.
 */
async function withLine(err: unknown, path: string, format?: FormatName): Promise<unknown> {
  if (!(err instanceof HistoryError) || err.line !== undefined) return err;
  const m = /^event (\d+): (.*)$/s.exec(err.message);
  if (!m) return err;
  try {
    const file = isRunFolder(path) ? historyPath(path) : path;
    const h = await readHistory(path, format);
    const e = clientEvents(h.events)[Number(m[1])];
    const line = e ? getLine(e) : undefined;
    return line !== undefined ? new HistoryError(m[2], file, line) : err;
  } catch {
    return err;
  }
}

function humanLine(c: FileCheck): string {
  const parts = [plural(c.ops, 'op'), plural(c.partitions, 'partition'), `${c.ms.toFixed(1)} ms`];
  const word = (v: FileCheck['valid']): string => verdictWord(v, { listing: true });
  const others = c.results.checkers
    .filter((x) => x.checker !== 'linearizable')
    .map((x) => `${x.checker} ${word(x.valid)}`);
  const what =
    c.model !== '-' ? `model ${c.model}, ${parts.join(', ')}` : `${plural(c.ops, 'op')}, ${c.ms.toFixed(1)} ms`;
  let line = `${c.file}: ${word(c.valid)} (${what}${others.length ? `; ${others.join(', ')}` : ''})`;
  if (c.valid === false && c.firstOffending) {
    const unlinearizable = c.results.checkers.some((x) => x.checker === 'linearizable' && x.valid === false);
    line += `\n  ${unlinearizable ? 'could not linearize' : 'problem'}: ${c.firstOffending}`;
  }
  if (c.valid === 'unknown') {
    const lin = c.results.checkers.find((x) => x.checker === 'linearizable');
    line +=
      lin?.valid === 'unknown'
        ? '\n  the checker gave up (timeout); try a larger --timeout'
        : `\n  unknown: ${unknownReason(c.results)}`;
  }
  for (const w of c.warnings) line += `\n  warning: ${w}`;
  // File names, values and warnings come from the input: never raw control characters on the terminal.
  return line.split('\n').map(safeText).join('\n');
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <paths..>',
  describe: 'Check saved histories (files or run folders) for linearizability',
  builder: (y: Argv<object>) =>
    y
      .positional('paths', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'history files or run folders',
      })
      .option('model', {
        type: 'string',
        choices: [...modelNames(), ...TXN_MODELS],
        describe:
          'checker model (default: from the run folder, the format, or the ops); ' +
          "list-append and rw-register: transactions (Elle's checker)",
      })
      .option('init', {
        type: 'string',
        describe: 'initial register value as JSON (cas-register, kv-register); default null',
      })
      .option('format', {
        type: 'string',
        choices: FORMATS as unknown as string[],
        describe: 'history format (default: detected from content)',
      })
      .option(
        'timeout',
        numberOption(
          'timeout',
          { min: 0 },
          {
            describe:
              'give up after this many seconds per file ' +
              '(0: never; default: what the run recorded, else never); gives "unknown"',
          },
        ),
      )
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print one JSON object per file instead of a summary',
      })
      .option('out', { type: 'string', describe: 'write results.json and report.html into this folder' })
      .option('junit', {
        type: 'string',
        describe: 'write a JUnit XML file: one testcase per file checked',
      })
      .options(txnFlagOptions) as unknown as Argv<CheckArgs>,
  handler: async (args) => {
    // Transactional models go to Elle's checker (check-txn.ts), kept apart until the pipeline takes it over.
    if (isTxnModel(args.model)) process.exit(await checkTxnPaths(args as unknown as TxnArgs));
    let init: unknown;
    if (args.init !== undefined) {
      // The same reader and limits as a history's values: exact integers, bounded nesting.
      try {
        init = parseJsonLine(args.init);
      } catch (e) {
        fail(new Error(`--init must be JSON (e.g. 0, "a", null): ${(e as Error).message}`));
      }
    }
    for (const p of args.paths) if (!existsSync(p)) fail(new Error(`${p}: no such file or folder`));

    const checks: FileCheck[] = [];
    const timedOut: string[] = [];
    const verdicts = (): FileCheck['valid'][] => [
      ...checks.map((c) => c.valid),
      ...timedOut.map(() => 'unknown' as const),
    ];
    const cases: JunitCase[] = [];
    for (const p of args.paths) {
      try {
        const t0 = performance.now();
        const c = await checkHistory(p, {
          model: args.model,
          init,
          format: args.format,
          timeoutMs: args.timeout === undefined ? undefined : args.timeout * 1000,
        });
        cases.push({
          classname: 'faultline.check',
          name: p,
          timeS: (performance.now() - t0) / 1000,
          verdict: c.valid,
          message: c.valid === false ? c.firstOffending : c.valid === 'unknown' ? unknownReason(c.results) : undefined,
        });
        checks.push(c);
        if (args.json) {
          process.stdout.write(
            `${JSON.stringify({
              file: c.file,
              valid: c.valid,
              model: c.model,
              format: c.format,
              ops: c.ops,
              partitions: c.partitions,
              ms: Math.round(c.ms * 1000) / 1000,
              offending: c.firstOffending ?? null,
              warnings: c.warnings,
              checkers: c.summary.checkers,
            })}\n`,
          );
        } else {
          process.stdout.write(`${humanLine(c)}\n`);
        }
      } catch (err) {
        if (!(err instanceof ReadTimeout)) fail(await withLine(err, p, args.format));
        // Reading outlasted --timeout: undecided, like a search that ran out of time.
        timedOut.push(p);
        cases.push(readTimeoutCase(p, err));
        if (args.json) process.stdout.write(`${JSON.stringify({ file: p, valid: 'unknown', error: err.message })}\n`);
        else process.stdout.write(`${safeText(`${p}: UNKNOWN (${err.message})`)}\n`);
      }
    }

    if (args.out) {
      const out = outDir(args.out);
      const valid = mergeValidity(verdicts());
      try {
        writeFileAtomic(
          join(out, 'results.json'),
          `${JSON.stringify({ valid, files: checks.map((c) => c.summary) }, null, 2)}\n`,
        );
        writeFileAtomic(join(out, 'report.html'), renderCheckReport({ files: checks.map((c) => c.reportInput) }));
      } catch (e) {
        fail(e);
      }
      if (!args.json) process.stdout.write(`report: ${safeText(join(out, 'report.html'))}\n`);
    }
    if (args.junit) {
      try {
        writeJunit(args.junit, 'faultline check', cases);
      } catch (e) {
        fail(e);
      }
    }
    process.exit(exitCodeFor(mergeValidity(verdicts())));
  },
};

// `faultline shrink PATH [--out DIR]`: an invalid history (a file in any readable format, or a run folder) →
// the few operations that prove the bug (harness/shrink), written as DIR/history.jsonl, DIR/history.edn
// (Jepsen EDN), DIR/results.json and DIR/report.html. The written history is re-checked through `check`'s own
// path, so what it says is what `faultline check DIR/history.jsonl` will say. Exit 0 when a shrunk history was
// written; 3 when the input is bad or not invalid. With --model list-append or rw-register it shrinks
// transactions instead (shrink-txn.ts): DIR/history.jsonl and DIR/history.edn, for `check --model`.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { checkHistory, loadForCheck } from '../check/check-history.js';
import { firstOffending, plainKey } from '../check/pipeline.js';
import { HistoryError } from '../history/op.js';
import { FORMATS, type FormatName } from '../history/readers/index.js';
import { toEdn, toJsonl } from '../history/readers/write.js';
import { renderCheckReport } from '../report/check-report.js';
import { writeFileAtomic } from '../store/files.js';
import { NotInvalidError, type ShrinkResult, shrinkHistory } from '../shrink/shrink.js';
import { isRunFolder, writeJson } from '../store/folder.js';
import { fail, safeText } from './errors.js';
import { isTxnModel, txnFlagOptions, type TxnArgs } from './check-txn.js';
import { shrinkTxnPath } from './shrink-txn.js';
import { numberOption } from './numbers.js';
import { plural } from '../words.js';

interface ShrinkArgs extends Omit<TxnArgs, 'paths' | 'json' | 'timeout'> {
  path: string;
  out?: string;
  model?: string;
  format?: FormatName;
  budget: number;
  json: boolean;
}

export const shrinkCommand: CommandModule<object, ShrinkArgs> = {
  command: 'shrink <path>',
  describe: 'Shrink an invalid history to a minimal invalid one (the failing key, then delta debugging)',
  builder: (y: Argv<object>) =>
    y
      .positional('path', { type: 'string', demandOption: true, describe: 'an invalid history file or run folder' })
      .option('out', {
        type: 'string',
        describe: 'output folder (default: PATH/shrunk for a run folder, shrunk-<file> beside a file)',
      })
      .option('model', {
        type: 'string',
        describe:
          'checker model (default: what the run recorded, else as `check` picks); list-append or rw-register ' +
          'shrinks transactions to the fewest that still show the same Elle anomaly',
      })
      .option('format', {
        type: 'string',
        choices: FORMATS as unknown as string[],
        describe: 'history format (default: detected)',
      })
      .option(
        'budget',
        numberOption(
          'budget',
          { positive: true },
          {
            default: 60,
            describe: 'seconds to spend at most; the smallest invalid history found so far is written',
          },
        ),
      )
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print a JSON summary instead of text',
      })
      .options(txnFlagOptions) as unknown as Argv<ShrinkArgs>,
  handler: async (a) => {
    try {
      if (!existsSync(a.path)) throw new HistoryError('no such file or folder', a.path);
      const folder = isRunFolder(a.path);
      const out = resolve(
        a.out ??
          (folder
            ? join(a.path, 'shrunk')
            : join(dirname(a.path), `shrunk-${basename(a.path).replace(/\.[^.]*$/, '')}`)),
      );
      if (existsSync(out) && !statSync(out).isDirectory()) throw new HistoryError('exists and is not a folder', out);
      if (isTxnModel(a.model)) {
        await shrinkTxnPath({ ...a, out });
        process.exit(0);
      }
      const { history, spec, source } = await loadForCheck(a.path, { model: a.model, format: a.format });
      let r: ShrinkResult;
      try {
        r = shrinkHistory(history, spec, { budgetMs: a.budget * 1000 });
      } catch (e) {
        if (e instanceof NotInvalidError) throw new HistoryError(e.message, source);
        throw e;
      }
      mkdirSync(out, { recursive: true });
      const header = {
        ...(spec.workload ? { workload: spec.workload } : {}),
        ...(r.spec.model ? { model: r.spec.model } : {}),
        checkers: r.spec.checkers,
        checkTimeoutS: r.spec.timeoutMs / 1000,
        shrunkFrom: resolve(source),
        ...(r.key !== undefined ? { key: plainKey(r.key) } : {}),
      };
      const jsonl = join(out, 'history.jsonl');
      writeFileAtomic(jsonl, toJsonl({ header, events: r.events }));
      writeFileAtomic(join(out, 'history.edn'), toEdn({ events: r.events }));
      // Re-check what was written, as `check` would: the report and results.json come from that.
      const c = await checkHistory(jsonl);
      writeJson(join(out, 'results.json'), c.results);
      writeFileAtomic(
        join(out, 'report.html'),
        renderCheckReport({
          files: [c.reportInput],
          title: `faultline shrink: ${plural(r.after.ops, 'operation')} from ${r.before.ops}`,
        }),
      );
      const offending = firstOffending(c.results)?.text;
      const summary = {
        out,
        valid: c.valid,
        before: r.before,
        after: r.after,
        key: r.key !== undefined ? plainKey(r.key) : null,
        checks: r.tests,
        ms: Math.round(r.ms),
        stoppedEarly: r.stoppedEarly,
        offending: offending ?? null,
      };
      if (a.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(
          `${safeText(
            `shrunk ${plural(r.before.ops, 'operation')} to ${r.after.ops}` +
              `${r.key !== undefined ? ` (key ${plainKey(r.key)})` : ''}` +
              ` in ${(r.ms / 1000).toFixed(2)} s, ${plural(r.tests, 'check')}` +
              `${r.stoppedEarly ? ' (budget ran out: smallest so far)' : ''}`,
          )}\n`,
        );
        process.stdout.write(
          `${safeText(`${c.valid === false ? 'INVALID' : 'NOT INVALID'}${offending ? `: ${offending}` : ''}`)}\n`,
        );
        process.stdout.write(
          `${safeText(jsonl)}\n${safeText(join(out, 'history.edn'))}\n${safeText(join(out, 'report.html'))}\n`,
        );
      }
      if (c.valid !== false) throw new Error('internal: the shrunk history did not re-check as invalid');
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  },
};

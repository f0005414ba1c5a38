// `faultline report DIR`: re-render report.html of a saved run folder (re-checking the history when
// results.json is missing, e.g. after the harness died mid-run). The folder is treated as untrusted input:
// test.json and results.json are validated before use, the history is streamed, and files are written by
// creating new ones and renaming them into place (a symlink at report.html is replaced, not followed).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { checkRun } from '../checker/run-checkers.js';
import { HistoryError } from '../history/op.js';
import { readHistoryFile } from '../history/readers/index.js';
import { readJsonFile, writeFileAtomic } from '../report/files.js';
import { renderRunReport } from '../report/run-report.js';
import { validateResults, validateTestInfo } from '../report/validate.js';
import { isRunFolder } from '../store/folder.js';
import { fail, safeText } from './errors.js';
import { WORKLOADS } from '../../workloads/index.js';

export const reportCommand: CommandModule<object, { dir: string }> = {
  command: 'report <dir>',
  describe: 'Re-render report.html of a saved run folder',
  builder: (y: Argv<object>) => y.positional('dir', { type: 'string', demandOption: true, describe: 'a run folder (results/<test>/<time>)' }) as unknown as Argv<{ dir: string }>,
  handler: async (a) => {
    try {
      if (!isRunFolder(a.dir)) throw new HistoryError('not a run folder (no history.jsonl)', a.dir);
      const testFile = join(a.dir, 'test.json');
      if (!existsSync(testFile)) throw new HistoryError('not a run folder (no test.json)', a.dir);
      const test = validateTestInfo(readJsonFile(testFile), testFile);
      const file = join(a.dir, 'history.jsonl');
      const history = await readHistoryFile(file, { format: 'jsonl' });
      const resultsFile = join(a.dir, 'results.json');
      let results = existsSync(resultsFile) ? validateResults(readJsonFile(resultsFile), resultsFile) : undefined;
      if (!results) {
        const workload = WORKLOADS.find((w) => w.name === test.options.workload);
        const model = (history.header as { model?: string } | undefined)?.model ?? workload?.model;
        results = checkRun(history.events, model, (test.options.checkTimeoutS ?? 0) * 1000, workload?.checkers);
        writeFileAtomic(resultsFile, JSON.stringify(results, null, 2) + '\n');
      }
      const out = join(a.dir, 'report.html');
      writeFileAtomic(out, renderRunReport({ test, events: history.events, results, nodes: test.nodes.map((n) => n.name) }));
      for (const w of history.warnings) process.stdout.write(`warning: ${safeText(w)}\n`);
      process.stdout.write(`${safeText(out)}\n`);
    } catch (e) {
      fail(e);
    }
  },
};

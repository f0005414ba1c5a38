// `faultline report DIR`: re-render report.html of a saved run folder (re-checking the history when
// results.json is missing, e.g. after the harness died mid-run). The folder is treated as untrusted input:
// test.json and results.json are validated before use, the history is streamed, and files are written by
// creating new ones and renaming them into place (a symlink at report.html is replaced, not followed).
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { inferModel } from '../check/check-history.js';
import { runChecks, specFromRecord } from '../check/pipeline.js';
import { HistoryError } from '../history/op.js';
import { historyPath, isRunFolder, readHistory, readResults, readTest, writeResults } from '../store/folder.js';
import { fail, safeText } from './errors.js';
import { writeReport } from './execute.js';

export const reportCommand: CommandModule<object, { dir: string }> = {
  command: 'report <dir>',
  describe: 'Re-render report.html of a saved run folder',
  builder: (y: Argv<object>) =>
    y.positional('dir', {
      type: 'string',
      demandOption: true,
      describe: 'a run folder (results/<test>/<time>)',
    }) as unknown as Argv<{ dir: string }>,
  handler: async (a) => {
    try {
      if (!isRunFolder(a.dir)) throw new HistoryError('not a run folder (no history.jsonl)', a.dir);
      const test = readTest(a.dir);
      if (!test) throw new HistoryError('not a run folder (no test.json)', a.dir);
      const file = historyPath(a.dir);
      const history = await readHistory(a.dir, 'jsonl');
      let results = readResults(a.dir);
      if (!results) {
        // The same pipeline and spec as the run (test.json's checks; the workload's for older folders).
        const spec = specFromRecord(
          { checks: test.checks, header: history.header, checkTimeoutS: test.options.checkTimeoutS, file },
          () => inferModel(history, 'jsonl'),
        );
        results = runChecks(history.events, spec, { runError: test.error });
        writeResults(a.dir, results);
      }
      const out = join(a.dir, 'report.html');
      writeReport({ dir: a.dir, test, events: history.events, results });
      for (const w of history.warnings) process.stdout.write(`warning: ${safeText(w)}\n`);
      process.stdout.write(`${safeText(out)}\n`);
    } catch (e) {
      fail(e);
    }
  },
};

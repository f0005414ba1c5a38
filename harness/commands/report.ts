// `faultline report DIR`: re-render report.html of a saved run folder (re-checking the history when
// results.json is missing, e.g. after the harness died mid-run). The folder is treated as untrusted input:
// test.json and results.json are validated before use, the history is streamed, and files are written by
// creating new ones and renaming them into place (a symlink at report.html is replaced, not followed).
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { runChecks, specFromRecord } from '../check/pipeline.js';
import { inferModel } from '../check/check-history.js';
import { HistoryError } from '../history/op.js';
import { readHistoryFile } from '../history/readers/index.js';
import { renderRunReport } from '../report/run-report.js';
import { historyPath, isRunFolder, readResults, readTest, writeJson, writeRunFile } from '../store/folder.js';
import { fail, safeText } from './errors.js';

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
      const history = await readHistoryFile(file, { format: 'jsonl' });
      let results = readResults(a.dir);
      if (!results) {
        // The same pipeline and spec as the run (test.json's checks; the workload's for older folders).
        const spec = specFromRecord(
          { checks: test.checks, header: history.header, checkTimeoutS: test.options.checkTimeoutS, file },
          () => inferModel(history, 'jsonl'),
        );
        results = runChecks(history.events, spec, { runError: test.error });
        writeJson(join(a.dir, 'results.json'), results);
      }
      const out = join(a.dir, 'report.html');
      writeRunFile(
        a.dir,
        'report.html',
        renderRunReport({ test, events: history.events, results, nodes: test.nodes.map((n) => n.name) }),
      );
      for (const w of history.warnings) process.stdout.write(`warning: ${safeText(w)}\n`);
      process.stdout.write(`${safeText(out)}\n`);
    } catch (e) {
      fail(e);
    }
  },
};

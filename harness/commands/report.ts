// `faultline report DIR`: re-render report.html of a saved run folder (re-checking the history when
// results.json is missing, e.g. after the harness died mid-run).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { checkRun } from '../checker/run-checkers.js';
import { HistoryError } from '../history/op.js';
import { parseHistory } from '../history/readers/index.js';
import { renderRunReport } from '../report/run-report.js';
import { isRunFolder, readResults, readTestInfo, writeJson } from '../store/folder.js';
import { fail } from './errors.js';
import { WORKLOADS } from '../../workloads/index.js';

export const reportCommand: CommandModule<object, { dir: string }> = {
  command: 'report <dir>',
  describe: 'Re-render report.html of a saved run folder',
  builder: (y: Argv<object>) => y.positional('dir', { type: 'string', demandOption: true, describe: 'a run folder (results/<test>/<time>)' }) as unknown as Argv<{ dir: string }>,
  handler: (a) => {
    try {
      if (!isRunFolder(a.dir)) throw new HistoryError('not a run folder (no history.jsonl)', a.dir);
      const test = readTestInfo(a.dir);
      if (!test) throw new HistoryError('not a run folder (no test.json)', a.dir);
      const file = join(a.dir, 'history.jsonl');
      const history = parseHistory(readFileSync(file, 'utf8'), { format: 'jsonl', file });
      let results = readResults(a.dir);
      if (!results) {
        const workload = WORKLOADS.find((w) => w.name === test.options.workload);
        const model = (history.header as { model?: string } | undefined)?.model ?? workload?.model;
        results = checkRun(history.events, model, test.options.checkTimeoutS * 1000, workload?.checkers);
        writeJson(join(a.dir, 'results.json'), results);
      }
      writeFileSync(join(a.dir, 'report.html'), renderRunReport({ test, events: history.events, results, nodes: test.nodes.map((n) => n.name) }));
      for (const w of history.warnings) process.stdout.write(`warning: ${w}\n`);
      process.stdout.write(`${join(a.dir, 'report.html')}\n`);
    } catch (e) {
      fail(e);
    }
  },
};

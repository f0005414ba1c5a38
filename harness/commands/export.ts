// `faultline export PATH --format edn|json|jsonl [--out FILE]`: any history we can read (our JSONL, Jepsen EDN or
// JSON, Porcupine's logs; a file or a run folder) written for another tool: Jepsen EDN for Jepsen, Knossos and
// Elle, elle-cli's JSON array, or our JSONL. To stdout unless --out names a file (written atomically).
import type { Argv, CommandModule } from 'yargs';
import { readHistory } from '../store/folder.js';
import { HistoryError } from '../history/op.js';
import { FORMATS, type FormatName } from '../history/readers/index.js';
import { toEdn, toJsonArray, toJsonl } from '../history/readers/write.js';
import { writeFileAtomic } from '../store/files.js';
import { existsSync } from 'node:fs';
import { fail, safeText } from './errors.js';

interface ExportArgs {
  path: string;
  format: 'edn' | 'json' | 'jsonl';
  from?: FormatName;
  out?: string;
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export <path>',
  describe: 'Write a history (file or run folder) as Jepsen EDN, elle-cli JSON or our JSONL',
  builder: (y: Argv<object>) =>
    y
      .positional('path', { type: 'string', demandOption: true, describe: 'a history file or run folder' })
      .option('format', {
        choices: ['edn', 'json', 'jsonl'] as const,
        demandOption: true,
        describe: 'output format: edn (Jepsen, Knossos, Elle), json (elle-cli) or jsonl (faultline)',
      })
      .option('from', {
        type: 'string',
        choices: FORMATS as unknown as string[],
        describe: 'input format (default: detected)',
      })
      .option('out', { type: 'string', describe: 'output file (default: stdout)' }) as unknown as Argv<ExportArgs>,
  handler: async (a) => {
    try {
      if (!existsSync(a.path)) throw new HistoryError('no such file or folder', a.path);
      const h = await readHistory(a.path, a.from);
      const text =
        a.format === 'edn'
          ? toEdn(h)
          : a.format === 'json'
            ? toJsonArray(h)
            : toJsonl({ header: { ...(h.header ?? {}), exportedFrom: h.source ?? 'jsonl' }, events: h.events });
      for (const w of h.warnings) process.stderr.write(`faultline: warning: ${safeText(w)}\n`);
      if (a.out) writeFileAtomic(a.out, text);
      else process.stdout.write(text);
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  },
};

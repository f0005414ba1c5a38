// `faultline export PATH --format edn|jsonl [--out FILE]`: any history we can read (our JSONL, Jepsen EDN or
// JSON, Porcupine's logs; a file or a run folder) written for another tool: Jepsen EDN for Jepsen, Knossos and
// Elle, or our JSONL. To stdout unless --out names a file (written atomically).
import type { Argv, CommandModule } from 'yargs';
import { readHistory } from '../store/folder.js';
import { HistoryError } from '../history/op.js';
import { FORMATS, type FormatName } from '../history/readers/index.js';
import { toEdn, toJsonl } from '../history/readers/write.js';
import { writeFileAtomic } from '../store/files.js';
import { existsSync } from 'node:fs';
import { fail, safeText } from './errors.js';

interface ExportArgs {
  path: string;
  format: 'edn' | 'jsonl';
  from?: FormatName;
  out?: string;
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export <path>',
  describe: 'Write a history (file or run folder) as Jepsen EDN or as our JSONL',
  builder: (y: Argv<object>) =>
    y
      .positional('path', { type: 'string', demandOption: true, describe: 'a history file or run folder' })
      .option('format', {
        choices: ['edn', 'jsonl'] as const,
        demandOption: true,
        describe: 'output format: edn (Jepsen, Knossos, Elle) or jsonl (faultline)',
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

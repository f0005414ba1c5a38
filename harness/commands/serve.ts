// `faultline serve [DIR] [--port N] [--host H]`: browse a results root (default results/) in a browser: every
// run, newest first, filterable, each linking to its report and files. Read-only; 127.0.0.1 unless told.
import { existsSync, statSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { startServer } from '../serve/server.js';
import { setSignalOwner } from '../runtime/cleanup.js';
import { HistoryError } from '../history/op.js';
import { fail, safeText } from './errors.js';
import { numberOption } from './numbers.js';

interface ServeArgs {
  dir: string;
  port: number;
  host: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve [dir]',
  describe: 'Browse a results folder: every run, newest first, with its report and files (read-only)',
  builder: (y: Argv<object>) =>
    y
      .positional('dir', { type: 'string', default: 'results', describe: 'results root' })
      .option(
        'port',
        numberOption(
          'port',
          { whole: true, min: 0, max: 65535 },
          { default: 8080, describe: 'TCP port (0: any free)' },
        ),
      )
      .option('host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'address to listen on (the default is reachable from this machine only)',
      }) as unknown as Argv<ServeArgs>,
  handler: async (a) => {
    try {
      if (!existsSync(a.dir) || !statSync(a.dir).isDirectory()) throw new HistoryError('no such folder', a.dir);
      const { server, url } = await startServer({ root: a.dir, port: a.port, host: a.host }).catch(
        (e: NodeJS.ErrnoException) => {
          throw new Error(`cannot listen on ${a.host}:${a.port}: ${e.code ?? e.message}`);
        },
      );
      if (!LOOPBACK.test(a.host))
        process.stderr.write(
          `faultline: warning: listening on ${safeText(a.host)}: ` +
            `anyone who can reach this address can read the results\n`,
        );
      process.stdout.write(`serving ${safeText(a.dir)} at ${url} (read-only; Ctrl-C to stop)\n`);
      setSignalOwner(() => {
        server.close();
        process.exit(0);
      });
      await new Promise(() => undefined);
    } catch (e) {
      fail(e);
    }
  },
};

// The `faultline` command line: one yargs command module per file in harness/commands/.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';
import { fail } from './commands/errors.js';

const cli = yargs(hideBin(process.argv))
  .scriptName('faultline')
  .usage('$0 <command> [options]')
  .command(commands)
  .demandCommand(1, 'name a command: run, check, report, clean')
  .strict()
  .help()
  .version()
  .wrap(Math.min(110, process.stdout.columns || 110))
  // A usage error is one line and exit 3; never a stack trace.
  .fail((msg, err) => {
    if (err) fail(err);
    fail(new Error(msg ?? 'bad usage'));
  });

await cli.parseAsync();

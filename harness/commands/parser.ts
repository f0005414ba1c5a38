// The `faultline` command line as a yargs parser, built apart from cli.ts (which runs it) so tests can parse and
// read help without running anything. Usage errors go through usage.ts to one line with a suggestion.
import yargs, { type Argv } from 'yargs';
import { commands } from './index.js';
import { usageMessage } from './usage.js';

export const COMMAND_NAMES: readonly string[] = commands.map((c) => String(c.command).split(' ')[0]);

/** What yargs' recommendCommands says before its strict check reports the same word as unknown. */
const RECOMMENDED = /^Did you mean (\S+)\?$/;

/**
 * The parser of `argv` (the words after the program name). `onUsageError` gets every usage error as one line
 * (and must not return normally for the program to stop); `onError` gets an error thrown while parsing (a flag's
 * check, numbers.ts). Neither is called for a usage error that a later one repeats (yargs' recommendation).
 */
export function cliParser(argv: string[], onUsageError: (line: string) => void, onError: (e: Error) => void): Argv {
  const y = yargs(argv);
  return y
    .scriptName('faultline')
    .usage('$0 <command> [options]')
    .command(commands)
    .demandCommand(1, `name a command: ${COMMAND_NAMES.join(', ')}`)
    .recommendCommands()
    .strict()
    .help()
    .version()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err, usage) => {
      // yargs' own errors (a flag given no value) are usage errors too; an error a flag's check threw is not.
      if (err && err.name !== 'YError') return onError(err);
      // Our own message for an unknown command names the guess (the same one: both take the closest by edit
      // distance); yargs' recommendation comes first and is followed by its strict check's "Unknown argument".
      if (msg && RECOMMENDED.test(msg)) return;
      const options = Object.keys(
        (usage as unknown as { getDescriptions(): Record<string, unknown> }).getDescriptions(),
      );
      onUsageError(usageMessage(msg ?? err?.message ?? 'bad usage', { argv, commands: COMMAND_NAMES, options }));
    });
}

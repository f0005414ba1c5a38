// The `faultline` command line: one yargs command module per file in harness/commands/.
// Exit codes: 0 valid, 1 invalid, 2 unknown, 3 error (bad input, a failed run, anything unexpected).
import { hideBin } from 'yargs/helpers';
import { commandRan } from './commands/index.js';
import { COMMAND_NAMES as names, cliParser } from './commands/parser.js';
import { fail } from './commands/errors.js';
import { installFatalHandlers } from './runtime/cleanup.js';

// Before anything can throw: an uncaught error or rejection tears down and exits 3 with one line, never a
// stack trace and exit 1 (which would read as "invalid").
installFatalHandlers();
// Histories keep big integers exact as BigInt; JSON.stringify would throw on them in any message or file that
// quotes a value. As text they are their digits.
(BigInt.prototype as unknown as { toJSON: () => string }).toJSON = function (this: bigint) {
  return this.toString();
};

const argv = hideBin(process.argv);
// `faultline -- check FILE`: "--" ends the options, so yargs reads no command and used to exit 0 silently,
// which CI would take as "all valid".
const dashes = argv.indexOf('--');
if (dashes >= 0 && !argv.slice(0, dashes).some((a) => names.includes(a))) {
  const next = argv[dashes + 1];
  const command = next && names.includes(next) ? next : 'check';
  fail(
    new Error(
      `"--" ends the options, so nothing after it is read as a command; write \`faultline ${command} ...\` ` +
        '(put "--" after the command, before file names that start with "-")',
    ),
  );
}

// A usage error is one line and exit 3; never a stack trace.
const cli = cliParser(
  argv,
  (line) => fail(new Error(line)),
  (e) => fail(e),
);
await cli.parseAsync();
// Every command ends by exiting with its verdict; getting here without one having run means nothing was checked,
// and that must not look like success.
if (!commandRan()) fail(new Error(`no command ran; name a command: ${names.join(', ')}`));

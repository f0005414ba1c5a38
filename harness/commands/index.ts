// Every command module the CLI registers. Each lives in its own file.
import type { CommandModule } from 'yargs';
import { checkCommand } from './check.js';
import { cleanCommand } from './clean.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { testAllCommand } from './test-all.js';
import { shrinkCommand } from './shrink.js';
import { rerunCommand } from './rerun.js';
import { serveCommand } from './serve.js';
import { exportCommand } from './export.js';
import { hostsCommand } from './hosts.js';

let ran = false;

/** Whether a command's handler was entered (the CLI refuses to exit 0 when none was). */
export function commandRan(): boolean {
  return ran;
}

function tracked<U>(c: CommandModule<object, U>): CommandModule<object, U> {
  const handler = c.handler;
  return {
    ...c,
    handler: (args) => {
      ran = true;
      return handler(args);
    },
  };
}

// A command's type names its arguments, and yargs' CommandModule is invariant in them: a list of different
// commands has no common type but the one yargs' own command() overload gives it (arguments: any).
// biome-ignore lint/suspicious/noExplicitAny: see above; each command module is fully typed where it is written
export const commands: CommandModule<object, any>[] = [
  tracked(runCommand),
  tracked(testAllCommand),
  tracked(rerunCommand),
  tracked(checkCommand),
  tracked(shrinkCommand),
  tracked(reportCommand),
  tracked(serveCommand),
  tracked(exportCommand),
  tracked(cleanCommand),
  tracked(hostsCommand),
];

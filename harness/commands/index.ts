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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function tracked(c: CommandModule<any, any>): CommandModule<any, any> {
  const handler = c.handler;
  return {
    ...c,
    handler: (args) => {
      ran = true;
      return handler(args);
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  runCommand,
  testAllCommand,
  rerunCommand,
  checkCommand,
  shrinkCommand,
  reportCommand,
  serveCommand,
  exportCommand,
  cleanCommand,
  hostsCommand,
].map(tracked);

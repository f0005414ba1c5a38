// Every command module the CLI registers. Each lives in its own file.
import type { CommandModule } from 'yargs';
import { checkCommand } from './check.js';
import { cleanCommand } from './clean.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [runCommand, checkCommand, reportCommand, cleanCommand];

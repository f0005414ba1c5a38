// `faultline clean [--run ID]`: remove docker leftovers (containers, networks, volumes labelled faultline=1,
// or only one run's faultline.run=<ID>) of runs that did not tear down, and print what was removed.
import type { Argv, CommandModule } from 'yargs';
import { cleanLeftovers, listLeftovers, type Leftovers } from '../runtime/clean.js';
import { fail } from './errors.js';

interface CleanArgs {
  run?: string;
  'dry-run': boolean;
  json: boolean;
}

function describe(l: Leftovers, verb: string): string {
  const lines: string[] = [];
  for (const k of ['containers', 'networks', 'volumes'] as const) {
    lines.push(`${verb} ${l[k].length} ${k}${l[k].length ? `: ${l[k].join(', ')}` : ''}`);
  }
  return lines.join('\n');
}

export const cleanCommand: CommandModule<object, CleanArgs> = {
  command: 'clean',
  describe: 'Remove docker containers, networks and volumes left by faultline runs (label faultline=1)',
  builder: (y: Argv<object>) =>
    y
      .option('run', { type: 'string', describe: 'only this run id (label faultline.run=<ID>)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'list what would be removed, remove nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object' }) as unknown as Argv<CleanArgs>,
  handler: async (args) => {
    try {
      const l = args['dry-run'] ? await listLeftovers({ runId: args.run }) : await cleanLeftovers({ runId: args.run });
      if (args.json) process.stdout.write(JSON.stringify({ dryRun: args['dry-run'], run: args.run ?? null, containers: l.containers, networks: l.networks, volumes: l.volumes }) + '\n');
      else process.stdout.write(describe(l, args['dry-run'] ? 'would remove' : 'removed') + '\n');
    } catch (e) {
      const msg = (e as Error).message;
      if (/ENOENT|ECONNREFUSED|EACCES/.test(msg)) fail(new Error(`cannot reach the docker engine: ${msg}`));
      fail(e);
    }
  },
};

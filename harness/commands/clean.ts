// `faultline clean [--run ID]`: remove what runs left behind when they could not tear down: docker containers,
// networks and volumes labelled faultline=1 (or one run's faultline.run=<ID>), and local-runtime node processes
// of runs whose harness is gone (found through the run registry, verified by command line). Prints what was
// removed. `--run ""` is refused: an empty id would otherwise select every run.
import type { Argv, CommandModule } from 'yargs';
import { checkRunId, cleanLeftovers, listLeftovers, type Leftovers } from '../runtime/clean.js';
import { cleanLocalLeftovers, listLocalLeftovers, type LocalLeftover } from '../runtime/local/clean-local.js';
import { fail, safeText } from './errors.js';

interface CleanArgs {
  run?: string;
  'dry-run': boolean;
  json: boolean;
}

function describe(l: Leftovers | undefined, local: LocalLeftover[], verb: string, dockerError?: string): string {
  const lines: string[] = [];
  if (l) {
    for (const k of ['containers', 'networks', 'volumes'] as const) {
      lines.push(`${verb} ${l[k].length} ${k}${l[k].length ? `: ${l[k].join(', ')}` : ''}`);
    }
  } else {
    lines.push(`docker: skipped (${dockerError})`);
  }
  const pids = local.flatMap((r) => r.pids);
  const runs = local.map((r) => `${r.runId}${r.inProgress ? ' (in progress)' : ''} [${r.pids.join(' ')}]`);
  lines.push(
    `${verb} ${pids.length} local node processes` +
      `${local.length ? ` of ${local.length} run(s): ${runs.join(', ')}` : ''}`,
  );
  return lines.map(safeText).join('\n');
}

export const cleanCommand: CommandModule<object, CleanArgs> = {
  command: 'clean',
  describe: 'Remove what failed runs left: docker objects labelled faultline=1, local-runtime node processes',
  builder: (y: Argv<object>) =>
    y
      .option('run', {
        type: 'string',
        describe: 'only this run id (label faultline.run=<ID>; a local run even while in progress)',
      })
      .option('dry-run', { type: 'boolean', default: false, describe: 'list what would be removed, remove nothing' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print one JSON object',
      }) as unknown as Argv<CleanArgs>,
  handler: async (args) => {
    try {
      checkRunId(args.run);
    } catch (e) {
      fail(e);
    }
    const dry = args['dry-run'];
    let local: LocalLeftover[];
    try {
      local = dry ? listLocalLeftovers({ runId: args.run }) : cleanLocalLeftovers({ runId: args.run });
      // Without --run, a dry run lists only what clean would remove: runs whose harness is gone.
      if (dry && args.run === undefined) local = local.filter((r) => !r.inProgress);
    } catch (e) {
      fail(e);
    }
    let l: Leftovers | undefined;
    let dockerError: string | undefined;
    try {
      l = dry ? await listLeftovers({ runId: args.run }) : await cleanLeftovers({ runId: args.run });
    } catch (e) {
      const msg = (e as Error).message;
      // No engine on this machine: there is nothing of docker to clean; the local part still counts.
      if (/ENOENT|ECONNREFUSED|EACCES/.test(msg)) dockerError = `cannot reach the docker engine: ${msg.split('\n')[0]}`;
      else fail(e);
    }
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({
          dryRun: dry,
          run: args.run ?? null,
          containers: l?.containers ?? [],
          networks: l?.networks ?? [],
          volumes: l?.volumes ?? [],
          docker: dockerError ?? 'ok',
          local: local!,
        })}\n`,
      );
    } else {
      process.stdout.write(`${describe(l, local!, dry ? 'would remove' : 'removed', dockerError)}\n`);
    }
  },
};

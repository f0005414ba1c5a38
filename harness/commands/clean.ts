// `faultline clean [--run ID ...] [--force]`: remove what runs left behind when they could not tear down: docker
// containers, networks and volumes labelled faultline=1 (or one run's faultline.run=<ID>), and local-runtime
// node processes of runs whose harness is gone (found through the run registry, verified by command line). A
// run whose harness is alive, or may be, is never removed (runtime/docker/liveness.ts, local/registry.ts), unless
// it is named with --run and --force; a named run left alone is exit 3. Prints what was removed and what was
// spared. `--run ""` is refused: an empty id would otherwise select every run.
import type { Argv, CommandModule } from 'yargs';
import { type CleanPlan, checkRunId, cleanLeftovers, planClean, type SparedRun } from '../runtime/clean.js';
import { cleanLocalLeftovers, listLocalLeftovers, type LocalLeftover } from '../runtime/local/clean-local.js';
import { fail, safeText } from './errors.js';

interface CleanArgs {
  run?: string[];
  force: boolean;
  'dry-run': boolean;
  json: boolean;
}

interface Spared extends SparedRun {
  runtime: 'docker' | 'local';
}

function describe(l: CleanPlan | undefined, local: LocalLeftover[], spared: Spared[], verb: string, err?: string) {
  const lines: string[] = [];
  if (l) {
    for (const k of ['containers', 'networks', 'volumes'] as const) {
      lines.push(`${verb} ${l[k].length} ${k}${l[k].length ? `: ${l[k].join(', ')}` : ''}`);
    }
  } else {
    lines.push(`docker: skipped (${err})`);
  }
  const pids = local.flatMap((r) => r.pids);
  const runs = local.map((r) => `${r.runId}${r.inProgress ? ' (in progress, forced)' : ''} [${r.pids.join(' ')}]`);
  lines.push(
    `${verb} ${pids.length} local node processes` +
      `${local.length ? ` of ${local.length} run(s): ${runs.join(', ')}` : ''}`,
  );
  if (spared.length)
    lines.push(
      `spared ${spared.length} run(s): ${spared.map((s) => `${s.runId} (${s.runtime}: ${s.why})`).join(', ')}`,
    );
  return lines.map(safeText).join('\n');
}

function merge(a: CleanPlan | undefined, b: CleanPlan): CleanPlan {
  if (!a) return b;
  return {
    containers: [...a.containers, ...b.containers],
    networks: [...a.networks, ...b.networks],
    volumes: [...a.volumes, ...b.volumes],
    runs: [...(a.runs ?? []), ...(b.runs ?? [])],
    spared: [...a.spared, ...b.spared],
  };
}

export const cleanCommand: CommandModule<object, CleanArgs> = {
  command: 'clean',
  describe: 'Remove what runs whose harness is gone left: docker objects labelled faultline=1, local node processes',
  builder: (y: Argv<object>) =>
    y
      .option('run', {
        type: 'string',
        array: true,
        describe: 'only this run id (label faultline.run=<ID>); repeatable',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'remove the runs named with --run even when their harness is alive (or may be)',
      })
      .option('dry-run', { type: 'boolean', default: false, describe: 'list what would be removed, remove nothing' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print one JSON object',
      }) as unknown as Argv<CleanArgs>,
  handler: async (args) => {
    const named = args.run;
    try {
      for (const r of named ?? []) checkRunId(r);
      if (named?.length === 0) checkRunId('');
      if (args.force && !named) throw new Error('--force removes only the runs it is given: add --run ID');
    } catch (e) {
      fail(e);
    }
    const dry = args['dry-run'];
    const force = args.force;
    const ids: (string | undefined)[] = named ?? [undefined];
    const spared: Spared[] = [];
    const local: LocalLeftover[] = [];
    try {
      for (const runId of ids) {
        const all = listLocalLeftovers({ runId });
        for (const r of all)
          if (r.inProgress && !force)
            spared.push({ runId: r.runId, runtime: 'local', state: 'alive', why: 'its harness is running' });
        local.push(...(dry ? all.filter((r) => force || !r.inProgress) : cleanLocalLeftovers({ runId, force })));
      }
    } catch (e) {
      fail(e);
    }
    let l: CleanPlan | undefined;
    let dockerError: string | undefined;
    try {
      for (const runId of ids)
        l = merge(l, dry ? await planClean({ runId, force }) : await cleanLeftovers({ runId, force }));
      spared.push(...(l?.spared ?? []).map((s) => ({ ...s, runtime: 'docker' as const })));
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
          run: named ?? null,
          force,
          containers: l?.containers ?? [],
          networks: l?.networks ?? [],
          volumes: l?.volumes ?? [],
          docker: dockerError ?? 'ok',
          local,
          spared,
        })}\n`,
      );
    } else {
      process.stdout.write(`${describe(l, local, spared, dry ? 'would remove' : 'removed', dockerError)}\n`);
    }
    const refused = spared.find((s) => named?.includes(s.runId));
    if (refused)
      fail(
        new Error(
          `run ${refused.runId} was not removed: ${refused.why}` +
            `${refused.state === 'alive' ? '' : ' (whether its harness is alive is unknown)'}; ` +
            `add --force to remove it anyway`,
        ),
      );
  },
};

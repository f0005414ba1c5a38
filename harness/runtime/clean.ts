// Leftovers of docker runs: every container, network and volume labelled faultline=1 (or one run's
// faultline.run=<id>). `faultline clean` removes them, run by run, but never a run whose harness is alive
// (docker/liveness.ts) unless it is named and forced; `faultline run` warns about them at start. Nothing
// without our label is ever touched.
import Docker from 'dockerode';
import { type RunLiveness, runLiveness } from './docker/liveness.js';

export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
  /** Run ids seen on the objects (label faultline.run). */
  runs?: string[];
}

/** A run left alone: its harness is alive, or nothing tells whether it is. */
export interface SparedRun {
  runId: string;
  state: 'alive' | 'unknown';
  why: string;
}

/** What clean removes (or, for a dry run, would remove), and the runs it leaves alone. */
export interface CleanPlan extends Leftovers {
  spared: SparedRun[];
}

export interface CleanOptions {
  /** Only this run's objects (label faultline.run=<runId>); default every faultline=1 object. */
  runId?: string;
  /** Remove the named run even when its harness is alive (or nothing tells): needs runId. */
  force?: boolean;
  docker?: Docker;
}

/** Run ids name containers and labels: the same rule as the docker runtime's. An empty one would mean "all". */
export function checkRunId(runId: string | undefined): void {
  if (runId !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(runId)) {
    throw new Error(
      `run id ${JSON.stringify(runId)} is not valid: it must be non-empty and [a-zA-Z0-9_.-] ` +
        `(see \`faultline clean --dry-run\` for the run ids left)`,
    );
  }
}

function labelFilter(runId?: string): string {
  checkRunId(runId);
  return JSON.stringify({ label: [runId ? `faultline.run=${runId}` : 'faultline=1'] });
}

interface Listed {
  cs: Docker.ContainerInfo[];
  ns: Docker.NetworkInspectInfo[];
  vs: Docker.VolumeInspectInfo[];
}

async function list(docker: Docker, runId: string | undefined): Promise<Listed> {
  const filters = labelFilter(runId);
  const [cs, ns, vs] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return { cs, ns, vs: vs.Volumes ?? [] };
}

const runOf = (labels: Record<string, string> | undefined): string => labels?.['faultline.run'] ?? '';

function names(l: Listed): Leftovers {
  const runs = new Set(
    [...l.cs.map((c) => c.Labels), ...l.ns.map((n) => n.Labels), ...l.vs.map((v) => v.Labels)].map(runOf),
  );
  runs.delete('');
  return {
    runs: [...runs].sort(),
    containers: l.cs.map((c) => (c.Names?.[0] ?? c.Id).replace(/^\//, '')),
    networks: l.ns.map((n) => n.Name),
    volumes: l.vs.map((v) => v.Name),
  };
}

/** Names of the labelled objects that exist now, live runs included. */
export async function listLeftovers(opts: CleanOptions = {}): Promise<Leftovers> {
  return names(await list(opts.docker ?? new Docker(), opts.runId));
}

/**
 * What clean would remove: the objects of every run whose harness is gone (docker/liveness.ts), or of the named
 * run when forced; every other run is spared with the reason. Objects without a run label belong to no harness
 * and are removable.
 */
export async function planClean(opts: CleanOptions = {}): Promise<CleanPlan> {
  if (opts.force && opts.runId === undefined) throw new Error('--force removes only runs named with --run');
  const docker = opts.docker ?? new Docker();
  const l = await list(docker, opts.runId);
  const byRun = new Map<
    string,
    { containers: Docker.ContainerInfo[]; labels: (Record<string, string> | undefined)[] }
  >();
  const add = (labels: Record<string, string> | undefined, c?: Docker.ContainerInfo): void => {
    const r = runOf(labels);
    const e = byRun.get(r) ?? { containers: [], labels: [] };
    byRun.set(r, e);
    e.labels.push(labels);
    if (c) e.containers.push(c);
  };
  for (const c of l.cs) add(c.Labels, c);
  for (const n of l.ns) add(n.Labels);
  for (const v of l.vs) add(v.Labels);
  const now = Date.now();
  const verdicts = new Map<string, RunLiveness>(
    await Promise.all(
      [...byRun].map(
        async ([r, objs]): Promise<[string, RunLiveness]> => [
          r,
          r === '' || opts.force ? { state: 'gone', why: '' } : await runLiveness(docker, r, objs, now),
        ],
      ),
    ),
  );
  const removable = (labels: Record<string, string> | undefined): boolean =>
    verdicts.get(runOf(labels))?.state === 'gone';
  const plan = names({
    cs: l.cs.filter((c) => removable(c.Labels)),
    ns: l.ns.filter((n) => removable(n.Labels)),
    vs: l.vs.filter((v) => removable(v.Labels)),
  });
  const spared: SparedRun[] = [];
  for (const [runId, v] of [...verdicts].sort((a, b) => a[0].localeCompare(b[0])))
    if (v.state !== 'gone') spared.push({ runId, state: v.state, why: v.why });
  return { ...plan, spared };
}

const gone = (e: unknown) => (e as { statusCode?: number }).statusCode === 404;

/**
 * Removes the objects planClean finds removable: containers (forced) first, then networks, then volumes; returns
 * what was removed and which runs were spared.
 */
export async function cleanLeftovers(opts: CleanOptions = {}): Promise<CleanPlan> {
  const docker = opts.docker ?? new Docker();
  const found = await planClean({ ...opts, docker });
  const removed: CleanPlan = { containers: [], networks: [], volumes: [], spared: found.spared };
  const errors: string[] = [];
  const each = async (
    kind: 'containers' | 'networks' | 'volumes',
    names: string[],
    rm: (n: string) => Promise<unknown>,
  ) => {
    await Promise.all(
      names.map(async (n) => {
        try {
          await rm(n);
          removed[kind].push(n);
        } catch (e) {
          if (gone(e)) return;
          if (/already in progress/.test((e as Error).message)) return;
          errors.push(`${kind.slice(0, -1)} ${n}: ${(e as Error).message.split('\n')[0]}`);
        }
      }),
    );
  };
  await each('containers', found.containers, (n) => docker.getContainer(n).remove({ force: true }));
  await each('networks', found.networks, (n) => docker.getNetwork(n).remove());
  await each('volumes', found.volumes, (n) => docker.getVolume(n).remove());
  for (const k of ['containers', 'networks', 'volumes'] as const) removed[k].sort();
  removed.runs = found.runs;
  if (errors.length) throw Object.assign(new Error(`could not remove: ${errors.join('; ')}`), { removed });
  return removed;
}

/** A one-line warning for `faultline run` when runs whose harness is gone left objects, or undefined. */
export async function leftoverWarning(opts: CleanOptions = {}): Promise<string | undefined> {
  try {
    const l = await planClean(opts);
    const n = l.containers.length + l.networks.length + l.volumes.length;
    if (n === 0) return undefined;
    return (
      `warning: ${l.containers.length} container(s), ${l.networks.length} network(s), ` +
      `${l.volumes.length} volume(s) left by earlier runs whose harness is gone (label faultline=1); ` +
      `remove them with \`faultline clean\``
    );
  } catch {
    return undefined;
  }
}

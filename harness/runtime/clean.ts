// Leftovers of docker runs: every container, network and volume labelled faultline=1 (or one run's
// faultline.run=<id>). `faultline clean` removes them; `faultline run` warns about them at start.
// Nothing without our label is ever touched.
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';

export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
  /** Run ids seen on the objects (label faultline.run). */
  runs?: string[];
}

export interface CleanOptions {
  /** Only this run's objects (label faultline.run=<runId>); default every faultline=1 object. */
  runId?: string;
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

/** Names of the labelled objects that exist now. */
export async function listLeftovers(opts: CleanOptions = {}): Promise<Leftovers> {
  const docker = opts.docker ?? new Docker();
  const filters = labelFilter(opts.runId);
  const [cs, ns, vs] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const runs = new Set<string>();
  for (const o of [
    ...cs.map((c) => c.Labels),
    ...ns.map((n) => n.Labels),
    ...(vs.Volumes ?? []).map((v) => v.Labels),
  ]) {
    const r = o?.['faultline.run'];
    if (r) runs.add(r);
  }
  return {
    runs: [...runs].sort(),
    containers: cs.map((c) => (c.Names?.[0] ?? c.Id).replace(/^\//, '')),
    networks: ns.map((n) => n.Name),
    volumes: (vs.Volumes ?? []).map((v) => v.Name),
  };
}

const gone = (e: unknown) => (e as { statusCode?: number }).statusCode === 404;

/** Removes every labelled container (forced), then the networks, then the volumes; returns what was removed. */
export async function cleanLeftovers(opts: CleanOptions = {}): Promise<Leftovers> {
  const docker = opts.docker ?? new Docker();
  const found = await listLeftovers({ ...opts, docker });
  const removed: Leftovers = { containers: [], networks: [], volumes: [] };
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
  // The docker runtime's per-run clock folders (<tmp>/faultline-clock-<runId>-XXXXXX) of the runs cleaned here.
  const runs = new Set([...(found.runs ?? []), ...(opts.runId ? [opts.runId] : [])]);
  try {
    for (const name of readdirSync(tmpdir())) {
      const m = /^faultline-clock-(.+)-[A-Za-z0-9]{6}$/.exec(name);
      if (m && runs.has(m[1])) rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  } catch {
    /* best effort */
  }
  if (errors.length) throw Object.assign(new Error(`could not remove: ${errors.join('; ')}`), { removed });
  return removed;
}

/** A one-line warning for `faultline run` when leftovers exist, or undefined. */
export async function leftoverWarning(opts: CleanOptions = {}): Promise<string | undefined> {
  try {
    const l = await listLeftovers(opts);
    const n = l.containers.length + l.networks.length + l.volumes.length;
    if (n === 0) return undefined;
    return (
      `warning: ${l.containers.length} container(s), ${l.networks.length} network(s), ` +
      `${l.volumes.length} volume(s) left by earlier runs (label faultline=1); ` +
      `remove them with \`faultline clean\``
    );
  } catch {
    return undefined;
  }
}

// Whether a docker run's harness is alive, so that `faultline clean` never removes a live run (issue 22, item 5:
// clean without --run listed another job's live run, nodes, reaper, network and volumes, for removal).
//
// The signal is the reaper's connection (reaper.ts), not a lease. A lease (a record the harness renews) would
// need somewhere every clean can read and every harness can write: engine objects' labels cannot change after
// creation, and a file on the harness's machine is invisible to a clean run from another machine, container or
// user, which is exactly the other job this must protect. The reaper's TCP connection is kept by the kernel for
// exactly as long as the harness process lives, however it dies, with no renewal to miss under load; it is the
// very signal the reaper acts on, so clean and the reaper can never disagree about a run: clean removes what
// the reaper would remove anyway.
//
// A run's state: `alive` (its reaper holds a harness connection, or waits for one within its start window, or
// was created moments ago and does not answer yet), `gone` (its reaper dropped the harness, or has exited, or
// the run was guarded by a reaper that is no more), `unknown` (nothing tells: no reaper guards the run, because
// of FAULTLINE_REAPER=0, an engine reached over TCP, or an older faultline; or its reaper does not answer).
// Only `gone` runs are removed without --force; unknown ones are spared and say why.
import type Docker from 'dockerode';
import { localSocketPath, REAPER_PORT, reaperStatus, START_WINDOW_S } from './reaper.js';

/** Set on every object of a docker run: `reaper` when a reaper guards the run, `none` otherwise. */
export const LIVENESS_LABEL = 'faultline.liveness';
/** A reaper younger than this that does not answer is starting (its node, then its listener, come up). */
const STARTING_MS = 2 * START_WINDOW_S * 1000;
/** How long a reaper may take to answer the status line. */
const STATUS_TIMEOUT_MS = 1500;

export function runLivenessLabel(reaper: boolean): Record<string, string> {
  return { [LIVENESS_LABEL]: reaper ? 'reaper' : 'none' };
}

export interface RunLiveness {
  state: 'alive' | 'gone' | 'unknown';
  why: string;
}

/** One run's labelled objects as the engine listed them: its containers, and the labels of all its objects. */
export interface RunObjects {
  containers: Docker.ContainerInfo[];
  labels: (Record<string, string> | undefined)[];
}

export async function runLiveness(
  docker: Docker,
  runId: string,
  objs: RunObjects,
  now = Date.now(),
): Promise<RunLiveness> {
  const reaper = objs.containers.find((c) => c.Labels?.['faultline.reaper'] === '1');
  if (!reaper) {
    if (objs.labels.some((l) => l?.[LIVENESS_LABEL] === 'reaper'))
      return { state: 'gone', why: 'its reaper has exited, so its harness is gone' };
    return {
      state: 'unknown',
      why: 'no reaper watches it (FAULTLINE_REAPER=0, an engine reached over TCP, or an older faultline)',
    };
  }
  const ageMs = now - reaper.Created * 1000;
  const starting = ageMs < STARTING_MS;
  if (reaper.State === 'running') {
    const port = reaper.Ports?.find((p) => p.PrivatePort === REAPER_PORT && p.PublicPort)?.PublicPort;
    // The port is on the engine host's loopback: reachable from here only when the engine is local.
    const local = (await localSocketPath(docker)) !== undefined;
    const st = port && local ? await reaperStatus(port, runId, STATUS_TIMEOUT_MS) : undefined;
    if (st?.state === 'live') return { state: 'alive', why: 'its harness is connected to its reaper' };
    if (st?.state === 'waiting') return { state: 'alive', why: 'its reaper is waiting for its harness to connect' };
    if (st) return { state: 'gone', why: `its harness disconnected from its reaper (${st.state})` };
    if (starting) return { state: 'alive', why: `its reaper started ${Math.round(ageMs / 1000)} s ago` };
    return { state: 'unknown', why: `its reaper does not answer${port ? ` on 127.0.0.1:${port}` : ''}` };
  }
  if (reaper.State === 'created' && starting) return { state: 'alive', why: 'its reaper is being started' };
  if (reaper.State === 'paused') return { state: 'unknown', why: 'its reaper is paused' };
  return { state: 'gone', why: `its reaper is not running (${reaper.State}), so its harness is gone` };
}

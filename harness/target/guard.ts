// Everything the harness calls in a target's code goes through here: each call has a deadline (deadlines.ts) and
// each value it hands back is checked against its declared shape (spec-check.ts) before a runtime or the history
// sees it. A call that overruns fails with one line in the user's words ('target "x": health() of n2 did not
// settle within 5 s'); an invoke that overruns completes as info instead, so the worker pool retires its process
// and goes on with a fresh one, as Jepsen's interpreter does with a client that throws or times out
// (jepsen.generator.interpreter). Whatever the late call settles with afterwards is dropped (deadline.ts).
import type { Client, Completion } from '../../workloads/types.js';
import { DeadlineError, within } from '../runtime/deadline.js';
import type { ClusterSpec, NodeHandle, NodeProcessSpec } from '../runtime/spec.js';
import { type Deadlines, invokeDeadlineMs } from './deadlines.js';
import { CLUSTER_SPEC, describeValue, misfitError, NODE_PROCESS } from './spec-check.js';
import type { ClientFactory, Target, TargetContext } from './types.js';

export type TargetSpec = Omit<ClusterSpec, 'runId' | 'nodes' | 'logDir'>;

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0];

export class TargetGuard {
  readonly label: string;

  constructor(
    private readonly t: Target,
    readonly deadlines: Deadlines,
    /** Where overruns that do not stop the run (a close, a late teardown) are reported. */
    private readonly log: (m: string) => void,
  ) {
    this.label = `target ${JSON.stringify(t.name)}`;
  }

  /** `work` within `ms`, or a one-line error naming this target and `what` ("health() of n2"). */
  within<T>(what: string, ms: number, work: () => T | PromiseLike<T>): Promise<T> {
    return within(`${this.label}: ${what}`, ms, work);
  }

  /** cluster(ctx) within its deadline, checked, with its own calls (node, health, image, install) guarded. */
  async cluster(ctx: TargetContext): Promise<TargetSpec> {
    const spec = await this.within('cluster()', this.deadlines.clusterMs, () => this.t.cluster(ctx));
    const bad = misfitError(this.t.name, CLUSTER_SPEC, spec, 'spec');
    if (bad) throw bad;
    return this.guardSpec(spec);
  }

  private guardSpec(s: TargetSpec): TargetSpec {
    const d = this.deadlines;
    const out: TargetSpec = {
      ports: s.ports,
      clockFaults: s.clockFaults,
      node: (name, addr) => {
        const p: NodeProcessSpec = s.node(name, addr);
        const path = `spec.node(${JSON.stringify(name)})`;
        const bad = misfitError(this.t.name, NODE_PROCESS, p, path);
        if (bad) throw bad;
        // On docker the command is the image entrypoint's arguments and may be empty; elsewhere it is the program.
        if (addr.runtime !== 'docker' && p.command.length === 0)
          throw new Error(
            `${this.label}: ${path}.command must be the program and its arguments (${addr.runtime} runtime), ` +
              'got an array of 0',
          );
        return p;
      },
      health: async (nodes: NodeHandle[], names?: string[]) => {
        const which = (names ?? nodes.map((n) => n.name)).join(', ');
        const why = await this.within(`health() of ${which}`, d.healthMs, () => s.health(nodes, names));
        if (why !== undefined && typeof why !== 'string')
          throw new Error(
            `${this.label}: health() of ${which} must resolve to undefined (healthy) or a string saying why not, ` +
              `got ${describeValue(why)}`,
          );
        return why;
      },
    };
    const { image, install, dataFiles } = s;
    // Plain data the checked spec vouched for: carried over as given (a copy, so the target cannot change it later).
    if (dataFiles) out.dataFiles = [...dataFiles];
    if (image) out.image = (b) => this.within('image()', d.startMs, () => image(b));
    if (install) out.install = (h) => this.within('install()', d.startMs, () => install(h));
    return out;
  }

  /**
   * The target's client factory with every invoke bounded by the op timeout's deadline and every close by its
   * own. A rejection, a throw or something that is not a completion is an unknown outcome: info.
   */
  client(factory: ClientFactory, opTimeoutMs: number): ClientFactory {
    const invokeMs = invokeDeadlineMs(opTimeoutMs);
    return (c) => {
      const inner = factory(c);
      const who = `process ${c.process}`;
      const guarded: Client = {
        invoke: async (op): Promise<Completion> => {
          try {
            const r = await this.within(`invoke() of ${who}`, invokeMs, () => inner.invoke(op));
            if (isCompletion(r)) return r;
            return {
              type: 'info',
              error: `${this.label}: invoke() of ${who} resolved to ${describeValue(r)}, not a completion`,
            };
          } catch (e) {
            if (e instanceof DeadlineError) return { type: 'info', error: e.message };
            return { type: 'info', error: `${this.label}: invoke() of ${who} threw: ${firstLine(e)}` };
          }
        },
        close: () =>
          this.within(`close() of ${who}`, this.deadlines.closeMs, () => inner.close()).then(
            () => undefined,
            (e: unknown) => this.log(firstLine(e)),
          ),
      };
      if (inner.prepare) guarded.prepare = (op) => inner.prepare!(op);
      return guarded;
    };
  }

  /** A hook the nemesis calls (leader(), membership()) within the hooks' deadline. */
  hook<T>(what: string, work: () => Promise<T>): Promise<T> {
    return this.within(what, this.deadlines.hookMs, work);
  }
}

function isCompletion(c: unknown): c is Completion {
  if (typeof c !== 'object' || c === null) return false;
  const { type, error } = c as { type?: unknown; error?: unknown };
  if (type === 'ok') return true;
  return (type === 'fail' || type === 'info') && typeof error === 'string';
}

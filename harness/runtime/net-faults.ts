// The network fault settings the iptables runtimes (docker, ssh) keep between calls: the current grudge and its
// mode, loss and latency per node. Checked here once; each runtime turns them into its own mechanism (rules in a
// container's namespace or on a host, a relay, netem).
import type { CutMode, LatencySetting } from './relay-core.js';
import type { Grudge, PartitionOptions } from './types.js';

export class NetFaults {
  grudge: Grudge = {};
  mode: CutMode = 'drop';
  readonly loss = new Map<string, number>();
  readonly latency = new Map<string, LatencySetting>();

  /** `check` throws a one-line Error for a name that is no node. */
  constructor(private readonly check: (name: string) => void) {}

  /** Replaces the grudge (a copy), after checking every name in it. */
  setPartition(grudge: Grudge, opts: PartitionOptions = {}): void {
    for (const [x, ys] of Object.entries(grudge)) {
      this.check(x);
      for (const y of ys) this.check(y);
    }
    this.grudge = Object.fromEntries(Object.entries(grudge).map(([k, v]) => [k, [...v]]));
    this.mode = opts.mode ?? 'drop';
  }

  heal(): void {
    this.grudge = {};
  }

  /** Loss p on these nodes' incoming peer packets; p = 0 removes it. */
  setLoss(names: readonly string[], p: number): void {
    if (!(p >= 0 && p < 1)) throw new Error(`loss probability must be in [0, 1), got ${p}`);
    for (const x of names) this.check(x);
    for (const x of names) {
      if (p === 0) this.loss.delete(x);
      else this.loss.set(x, p);
    }
  }

  /** Latency ms ± jitterMs on these nodes; 0, 0 removes it. */
  setLatency(names: readonly string[], ms: number, jitterMs: number): void {
    if (!(ms >= 0) || !(jitterMs >= 0) || !Number.isFinite(ms + jitterMs))
      throw new Error(`latency must be finite and >= 0, got ${ms} ± ${jitterMs} ms`);
    for (const x of names) this.check(x);
    for (const x of names) {
      if (ms === 0 && jitterMs === 0) this.latency.delete(x);
      else this.latency.set(x, { ms, jitterMs });
    }
  }

  clear(): void {
    this.grudge = {};
    this.loss.clear();
    this.latency.clear();
  }

  /** What node `name`'s INPUT rules must say (docker/iptables.ts desiredRules' inputs), peers by address. */
  ruleInputs(runId: string, name: string, names: readonly string[], ipOf: (node: string) => string) {
    const p = this.loss.get(name);
    return {
      runId,
      cutFrom: (this.grudge[name] ?? []).filter((y) => y !== name).map(ipOf),
      mode: this.mode,
      loss: p ? { p, from: names.filter((y) => y !== name).map(ipOf) } : undefined,
    };
  }
}

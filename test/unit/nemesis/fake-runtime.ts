// A Runtime that only remembers what was done to it: the current grudge, paused, killed, loss, latency, clocks,
// and a log of calls with timestamps. For testing fault packages and schedules without processes.
import type { ClusterSpec, Grudge, NodeHandle, Runtime } from '../../../harness/runtime/types.js';

export class FakeRuntime implements Runtime {
  readonly kind = 'local' as const;
  grudge: Grudge = {};
  paused = new Set<string>();
  killed = new Set<string>();
  lossP = new Map<string, number>();
  lat = new Map<string, { ms: number; jitterMs: number }>();
  clocks = new Map<string, number>();
  calls: { t: number; call: string; args: unknown[] }[] = [];
  constructor(
    readonly names: string[],
    private readonly clock = true,
  ) {}
  private note(call: string, ...args: unknown[]): void {
    this.calls.push({ t: Date.now(), call, args });
  }
  async up(_spec: ClusterSpec): Promise<NodeHandle[]> {
    return this.nodes();
  }
  nodes(): NodeHandle[] {
    return this.names.map((name) => ({ name, addrs: {}, url: `http://${name}` }));
  }
  async waitHealthy(): Promise<void> {}
  async kill(n: string): Promise<void> {
    this.note('kill', n);
    this.killed.add(n);
  }
  async start(n: string): Promise<void> {
    this.note('start', n);
    this.killed.delete(n);
  }
  async pause(n: string): Promise<void> {
    this.note('pause', n);
    this.paused.add(n);
  }
  async resume(n: string): Promise<void> {
    this.note('resume', n);
    this.paused.delete(n);
  }
  async partition(g: Grudge): Promise<void> {
    this.note('partition', g);
    this.grudge = g;
  }
  async heal(): Promise<void> {
    this.note('heal');
    this.grudge = {};
  }
  async loss(names: string[], p: number): Promise<void> {
    this.note('loss', names, p);
    for (const n of names)
      if (p) this.lossP.set(n, p);
      else this.lossP.delete(n);
  }
  async latency(names: string[], ms: number, jitterMs = 0): Promise<void> {
    this.note('latency', names, ms, jitterMs);
    for (const n of names)
      if (ms || jitterMs) this.lat.set(n, { ms, jitterMs });
      else this.lat.delete(n);
  }
  async clockSet(n: string, off: number): Promise<void> {
    this.note('clockSet', n, off);
    if (off) this.clocks.set(n, off);
    else this.clocks.delete(n);
  }
  async clockReset(names?: string[]): Promise<void> {
    this.note('clockReset', names);
    for (const n of names ?? this.names) this.clocks.delete(n);
  }
  async clockSupported(): Promise<boolean> {
    return this.clock;
  }
  async healAll(): Promise<void> {
    this.note('healAll');
    this.grudge = {};
    this.paused.clear();
    this.killed.clear();
    this.lossP.clear();
    this.lat.clear();
    this.clocks.clear();
  }
  async down(): Promise<void> {}
  /** Whether any fault is still in place. */
  clean(): boolean {
    return (
      Object.values(this.grudge).every((v) => v.length === 0) &&
      !this.paused.size &&
      !this.killed.size &&
      !this.lossP.size &&
      !this.lat.size &&
      !this.clocks.size
    );
  }
}

// The nemesis process: beside the clients, it carries out a planned schedule (plan.ts) of fault packages
// (packages.ts), several at once when the schedule overlaps them, and records every start and stop in the
// history as a nemesis event (invoke, then info with what was done). Steps of one lane run in order; a step
// whose predecessor ran late (a restarted node slow to come up) starts late rather than overlapping it. When
// the load phase ends, stop() stops the active faults, runs each package's own final heal, then heals
// everything the runtime knows of (heal-all), as Jepsen's combined packages each bring a final generator.
import type { Random } from '../generator/random.js';
import type { NewEvent } from '../history/writer.js';
import type { ActiveFault, FaultContext } from './kind.js';
import type { NemesisPackage } from './packages.js';
import type { Step } from './plan.js';

export interface NemesisOptions {
  packages: NemesisPackage[];
  /** The planned steps (plan.ts); pkg indexes `packages`. */
  steps: Step[];
  rnd: Random;
  ctx: FaultContext;
  record: (e: NewEvent) => void;
  now: () => number;
  log: (msg: string) => void;
  /** Ms since the load started (steps are planned on this clock). */
  elapsedMs: () => number;
}

export interface NemesisState {
  /** Kinds active now, with when they started (Date.now()). */
  active: { kind: string; since: number }[];
  started: number;
  errors: string[];
}

interface Running {
  pkg: NemesisPackage;
  fault: ActiveFault;
}

export class Nemesis {
  readonly state: NemesisState = { active: [], started: 0, errors: [] };
  private stopping = false;
  private readonly wakers = new Set<() => void>();
  private readonly current = new Map<number, Running>();
  private loops: Promise<void>[] = [];

  constructor(private readonly o: NemesisOptions) {}

  private sleep(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** Starts every lane in the background; stop() ends them. */
  start(): void {
    const lanes = new Map<number, Step[]>();
    for (const s of this.o.steps) lanes.set(s.lane, [...(lanes.get(s.lane) ?? []), s]);
    this.loops = [...lanes.entries()].map(([lane, steps]) => this.runLane(lane, steps));
  }

  private async runLane(lane: number, steps: Step[]): Promise<void> {
    for (const s of steps) {
      await this.sleep(s.startMs - this.o.elapsedMs());
      if (this.stopping) return;
      await this.startFault(lane, this.o.packages[s.pkg]);
      await this.sleep(s.endMs - this.o.elapsedMs());
      if (this.stopping) return; // stop() ends the active fault
      await this.stopFault(lane);
    }
  }

  private async startFault(lane: number, pkg: NemesisPackage): Promise<void> {
    const f = `start-${pkg.kind.name}`;
    const shape = this.o.rnd.pick(pkg.shapes);
    this.o.record({ type: 'invoke', process: 'nemesis', f, time: this.o.now() });
    try {
      const fault = await pkg.kind.start(this.o.ctx, shape);
      this.current.set(lane, { pkg, fault });
      this.state.active.push({ kind: pkg.kind.name, since: Date.now() });
      this.state.started++;
      this.o.record({ type: 'info', process: 'nemesis', f, value: fault.value, time: this.o.now() });
      this.o.log(`nemesis: ${f} ${JSON.stringify(fault.value)}`);
    } catch (e) {
      const msg = (e as Error).message;
      this.state.errors.push(`${f}: ${msg}`);
      this.o.record({ type: 'info', process: 'nemesis', f, value: null, error: msg, time: this.o.now() });
      this.o.log(`nemesis: ${f} failed: ${msg}`);
    }
  }

  private async stopFault(lane: number): Promise<void> {
    const cur = this.current.get(lane);
    if (!cur) return;
    this.current.delete(lane);
    const f = `stop-${cur.pkg.kind.name}`;
    this.o.record({ type: 'invoke', process: 'nemesis', f, time: this.o.now() });
    try {
      const value = await cur.fault.stop();
      this.o.record({ type: 'info', process: 'nemesis', f, value, time: this.o.now() });
    } catch (e) {
      const msg = (e as Error).message;
      this.state.errors.push(`${f}: ${msg}`);
      this.o.record({ type: 'info', process: 'nemesis', f, value: null, error: msg, time: this.o.now() });
    }
    const i = this.state.active.findIndex((a) => a.kind === cur.pkg.kind.name);
    if (i >= 0) this.state.active.splice(i, 1);
  }

  private async recorded(f: string, action: () => Promise<unknown>): Promise<void> {
    this.o.record({ type: 'invoke', process: 'nemesis', f, time: this.o.now() });
    try {
      await action();
      this.o.record({ type: 'info', process: 'nemesis', f, value: { healed: true }, time: this.o.now() });
    } catch (e) {
      const msg = (e as Error).message;
      this.state.errors.push(`${f}: ${msg}`);
      this.o.record({ type: 'info', process: 'nemesis', f, value: null, error: msg, time: this.o.now() });
    }
  }

  /** Ends the schedule: stops the active faults, runs each package's final heal, then heals everything. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const w of [...this.wakers]) w();
    await Promise.all(this.loops);
    await Promise.all([...this.current.keys()].map((lane) => this.stopFault(lane)));
    for (const p of this.o.packages) await this.recorded(`heal-${p.kind.name}`, () => p.kind.heal(this.o.ctx));
    await this.recorded('heal-all', () => this.o.ctx.runtime.healAll());
  }
}

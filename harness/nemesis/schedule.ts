// The nemesis process: beside the clients, it alternates quiet and faulty intervals, picking one enabled fault
// kind at random each time, and records every start and stop in the history as a nemesis event (invoke, then
// info with what was done). When the load phase ends it stops the active fault and heals everything.
import type { Random } from '../generator/random.js';
import type { NewEvent } from '../history/writer.js';
import type { FaultContext, FaultKind, ActiveFault } from './faults.js';

export interface NemesisOptions {
  kinds: FaultKind[];
  /** Seconds of quiet, then seconds of fault, alternating. */
  intervalS: number;
  rnd: Random;
  ctx: FaultContext;
  record: (e: NewEvent) => void;
  now: () => number;
  log: (msg: string) => void;
}

export interface NemesisState {
  active: { kind: string; since: number } | undefined;
  started: number;
  errors: string[];
}

export class Nemesis {
  readonly state: NemesisState = { active: undefined, started: 0, errors: [] };
  private stopping = false;
  private wake: (() => void) | undefined;
  private current: { kind: FaultKind; fault: ActiveFault } | undefined;

  constructor(private readonly o: NemesisOptions) {}

  private loop: Promise<void> | undefined;

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }

  /** Starts the schedule in the background; stop() ends it. */
  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    if (this.o.kinds.length === 0) return;
    while (!this.stopping) {
      await this.sleep(this.o.intervalS * 1000);
      if (this.stopping) break;
      const kind = this.o.kinds[this.o.rnd.int(0, this.o.kinds.length)];
      await this.startFault(kind);
      await this.sleep(this.o.intervalS * 1000);
      if (this.stopping) break; // stop() ends the active fault
      await this.stopFault();
    }
  }

  private async startFault(kind: FaultKind): Promise<void> {
    const f = `start-${kind.name}`;
    this.o.record({ type: 'invoke', process: 'nemesis', f, time: this.o.now() });
    try {
      const fault = await kind.start(this.o.ctx);
      this.current = { kind, fault };
      this.state.active = { kind: kind.name, since: Date.now() };
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

  private async stopFault(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    const f = `stop-${cur.kind.name}`;
    this.o.record({ type: 'invoke', process: 'nemesis', f, time: this.o.now() });
    try {
      const value = await cur.fault.stop();
      this.o.record({ type: 'info', process: 'nemesis', f, value, time: this.o.now() });
    } catch (e) {
      const msg = (e as Error).message;
      this.state.errors.push(`${f}: ${msg}`);
      this.o.record({ type: 'info', process: 'nemesis', f, value: null, error: msg, time: this.o.now() });
    }
    this.state.active = undefined;
  }

  /** Ends the schedule: stops the active fault, then heals everything (the final phase). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await this.stopFault();
    this.o.record({ type: 'invoke', process: 'nemesis', f: 'heal-all', time: this.o.now() });
    try {
      await this.o.ctx.runtime.healAll();
      this.o.record({ type: 'info', process: 'nemesis', f: 'heal-all', value: { healed: true }, time: this.o.now() });
    } catch (e) {
      this.o.record({ type: 'info', process: 'nemesis', f: 'heal-all', value: null, error: (e as Error).message, time: this.o.now() });
    }
  }
}

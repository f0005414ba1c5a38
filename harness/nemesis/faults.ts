// Fault kinds as small packages (Jepsen's nemesis.combined): each knows how to start one fault on the runtime
// and how to stop it, and says what it did (recorded in the history as a nemesis event). They only use the
// Runtime interface, so they work on docker and local alike.
import type { Random } from '../generator/random.js';
import type { Runtime } from '../runtime/types.js';
import { bridge, describeGrudge, isolate, majoritiesRing, randomHalves, shuffle } from './grudge.js';

export interface FaultContext {
  runtime: Runtime;
  nodes: string[];
  rnd: Random;
  /** The current leader as the nodes report it, if any. */
  leader(): Promise<string | undefined>;
}

export interface ActiveFault {
  /** What was done, for the history (`value` of the nemesis event). */
  value: Record<string, unknown>;
  stop(): Promise<Record<string, unknown>>;
}

export interface FaultKind {
  name: string;
  /** Event names in the history: start-<name> / stop-<name>. */
  start(ctx: FaultContext): Promise<ActiveFault>;
}

const minority = (n: number): number => Math.floor((n - 1) / 2);

export const partitionFault: FaultKind = {
  name: 'partition',
  async start(ctx) {
    const shapes = ['isolate-one', 'isolate-leader', 'halves', 'bridge', 'majorities-ring'] as const;
    let shape: (typeof shapes)[number] = shapes[ctx.rnd.int(0, shapes.length)];
    if (ctx.nodes.length < 3 && (shape === 'bridge' || shape === 'majorities-ring')) shape = 'halves';
    let grudge;
    if (shape === 'isolate-leader') {
      const l = await ctx.leader();
      grudge = isolate(l ?? ctx.rnd.pick(ctx.nodes), ctx.nodes);
    } else if (shape === 'isolate-one') grudge = isolate(ctx.rnd.pick(ctx.nodes), ctx.nodes);
    else if (shape === 'halves') grudge = randomHalves(ctx.nodes, ctx.rnd);
    else if (shape === 'bridge') grudge = bridge(ctx.nodes, ctx.rnd);
    else grudge = majoritiesRing(ctx.nodes, ctx.rnd);
    await ctx.runtime.partition(grudge);
    return {
      value: { shape, grudge, cut: describeGrudge(grudge) },
      stop: async () => {
        await ctx.runtime.heal();
        return { healed: true };
      },
    };
  },
};

export const killFault: FaultKind = {
  name: 'kill',
  async start(ctx) {
    const mode = ctx.rnd.pick(['one', 'minority', 'leader'] as const);
    let victims: string[];
    if (mode === 'leader') victims = [(await ctx.leader()) ?? ctx.rnd.pick(ctx.nodes)];
    else if (mode === 'one') victims = [ctx.rnd.pick(ctx.nodes)];
    else victims = shuffle(ctx.nodes, ctx.rnd).slice(0, Math.max(1, minority(ctx.nodes.length)));
    for (const v of victims) await ctx.runtime.kill(v);
    return {
      value: { mode, nodes: victims },
      stop: async () => {
        for (const v of victims) await ctx.runtime.start(v);
        return { restarted: victims };
      },
    };
  },
};

export const pauseFault: FaultKind = {
  name: 'pause',
  async start(ctx) {
    const mode = ctx.rnd.pick(['one', 'leader'] as const);
    const victim = mode === 'leader' ? ((await ctx.leader()) ?? ctx.rnd.pick(ctx.nodes)) : ctx.rnd.pick(ctx.nodes);
    await ctx.runtime.pause(victim);
    return {
      value: { mode, nodes: [victim] },
      stop: async () => {
        await ctx.runtime.resume(victim);
        return { resumed: [victim] };
      },
    };
  },
};

export const clockFault: FaultKind = {
  name: 'clock',
  async start(ctx) {
    if (!(await ctx.runtime.clockSupported())) throw new Error('clock faults need libfaketime on this runtime (apt-get install faketime)');
    const victims = shuffle(ctx.nodes, ctx.rnd).slice(0, Math.max(1, minority(ctx.nodes.length)));
    const strobe = ctx.rnd.chance(0.3);
    const offsets: Record<string, number> = {};
    for (const v of victims) {
      // Bumps of 1 s to 2^18 ms (~262 s, as Jepsen's clock nemesis), either way: leases and timeouts must not
      // trust the wall clock.
      offsets[v] = (ctx.rnd.chance(0.5) ? 1 : -1) * ctx.rnd.int(1000, 262_144);
      await ctx.runtime.clockSet(v, offsets[v]);
    }
    let timer: NodeJS.Timeout | undefined;
    if (strobe) {
      // Strobe: flip between the offset and true time every 200 ms.
      let on = true;
      timer = setInterval(() => {
        on = !on;
        for (const v of victims) void ctx.runtime.clockSet(v, on ? offsets[v] : 0).catch(() => undefined);
      }, 200);
    }
    return {
      value: { mode: strobe ? 'strobe' : 'bump', offsetsMs: offsets },
      stop: async () => {
        if (timer) clearInterval(timer);
        await ctx.runtime.clockReset(victims);
        return { reset: victims };
      },
    };
  },
};

export const lossFault: FaultKind = {
  name: 'loss',
  async start(ctx) {
    const victims = shuffle(ctx.nodes, ctx.rnd).slice(0, Math.max(1, minority(ctx.nodes.length)));
    const p = [0.2, 0.5, 0.8][ctx.rnd.int(0, 3)];
    await ctx.runtime.loss(victims, p);
    return {
      value: { nodes: victims, probability: p },
      stop: async () => {
        await ctx.runtime.loss(victims, 0);
        return { restored: victims };
      },
    };
  },
};

export const FAULT_KINDS: readonly FaultKind[] = [partitionFault, killFault, pauseFault, clockFault, lossFault];

export function parseNemesis(list: string): FaultKind[] {
  if (list.trim() === '' || list === 'none') return [];
  return list.split(',').map((s) => s.trim()).filter(Boolean).map((name) => {
    const k = FAULT_KINDS.find((f) => f.name === name);
    if (!k) throw new Error(`unknown nemesis "${name}"; known: ${FAULT_KINDS.map((f) => f.name).join(', ')}, none`);
    return k;
  });
}

// Fault kinds as small packages (Jepsen's nemesis.combined): each knows how to start one fault on the runtime,
// how to stop it, and how to undo every trace of its kind at the end (its final heal), and says what it did
// (recorded in the history as a nemesis event). They only use the Runtime interface, so they work on docker and
// local alike. A kind has shapes (partition: isolate-leader, one-way-mute, ...); a package may be limited to
// some of them (`--nemesis partition:one-way-deaf/one-way-mute`, harness/nemesis/packages.ts). What a kind is,
// and what it is handed, is in kind.ts; this file holds the kinds and the list of them (FAULT_KINDS).
//
// Targeted shapes aim at the leader of the shard the clients are hammering right now (ctx.hotKey(), then the
// target's leader(nodes, key)): that is where a deposed leader that has not noticed, or a paused one that
// wakes past its election timeout, can answer wrongly.
import type { Grudge } from '../runtime/types.js';
import { hotLeader } from './aim.js';
import { bridge, deaf, describeGrudge, isolate, majoritiesRing, mute, randomHalves, shuffle } from './grudge.js';
import type { FaultKind } from './kind.js';
import { membershipFault } from './membership.js';

export type { ActiveFault, FaultContext, FaultKind } from './kind.js';

const minority = (n: number): number => Math.floor((n - 1) / 2);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const partitionFault: FaultKind = {
  name: 'partition',
  shapes: [
    'isolate-one',
    'isolate-leader',
    'isolate-hot-leader',
    'halves',
    'bridge',
    'majorities-ring',
    'one-way-deaf',
    'one-way-mute',
  ],
  async start(ctx, shape) {
    if (ctx.nodes.length < 3 && (shape === 'bridge' || shape === 'majorities-ring')) shape = 'halves';
    let grudge: Grudge;
    const value: Record<string, unknown> = {};
    if (
      shape === 'isolate-leader' ||
      shape === 'isolate-hot-leader' ||
      shape === 'one-way-deaf' ||
      shape === 'one-way-mute'
    ) {
      // isolate-hot-leader: the leader of the hot key's shard is cut from its followers on peer links only;
      // clients still reach it (client ports are never faulted on either runtime), so it keeps answering, or
      // redirecting, until it notices it was deposed (a stale read window, Raft §8 / diss. §6.4).
      const t =
        shape === 'isolate-leader'
          ? { node: (await ctx.leader()) ?? ctx.rnd.pick(ctx.nodes), found: true }
          : await hotLeader(ctx);
      Object.assign(value, {
        target: t.node,
        ...('key' in t && t.key !== undefined ? { hotKey: t.key } : {}),
        leaderFound: t.found,
      });
      // deaf: hears no peer but is heard (sends heartbeats nobody can answer); mute: hears all, heard by none.
      grudge =
        shape === 'one-way-deaf'
          ? deaf(t.node, ctx.nodes)
          : shape === 'one-way-mute'
            ? mute(t.node, ctx.nodes)
            : isolate(t.node, ctx.nodes);
    } else if (shape === 'isolate-one') grudge = isolate(ctx.rnd.pick(ctx.nodes), ctx.nodes);
    else if (shape === 'halves') grudge = randomHalves(ctx.nodes, ctx.rnd);
    else if (shape === 'bridge') grudge = bridge(ctx.nodes, ctx.rnd);
    else grudge = majoritiesRing(ctx.nodes, ctx.rnd);
    await ctx.runtime.partition(grudge);
    return {
      value: { shape, ...value, grudge, cut: describeGrudge(grudge) },
      stop: async () => {
        await ctx.runtime.heal();
        return { healed: true };
      },
    };
  },
  heal: (ctx) => ctx.runtime.heal(),
};

export const killFault: FaultKind = {
  name: 'kill',
  shapes: ['one', 'minority', 'majority', 'leader', 'hot-leader'],
  // all: every node at once, so writes acknowledged but not yet on disk anywhere are lost (Jepsen's kill :all;
  // what catches a planted no-fsync end to end).
  optIn: ['all'],
  async start(ctx, mode) {
    let victims: string[];
    if (mode === 'all') victims = [...ctx.nodes];
    else if (mode === 'majority') victims = shuffle(ctx.nodes, ctx.rnd).slice(0, Math.floor(ctx.nodes.length / 2) + 1);
    else if (mode === 'leader') victims = [(await ctx.leader()) ?? ctx.rnd.pick(ctx.nodes)];
    else if (mode === 'hot-leader') victims = [(await hotLeader(ctx)).node];
    else if (mode === 'one') victims = [ctx.rnd.pick(ctx.nodes)];
    else victims = shuffle(ctx.nodes, ctx.rnd).slice(0, Math.max(1, minority(ctx.nodes.length)));
    await Promise.all(victims.map((v) => ctx.runtime.kill(v)));
    return {
      value: { mode, nodes: victims },
      stop: async () => {
        await Promise.all(victims.map((v) => ctx.runtime.start(v)));
        return { restarted: victims };
      },
    };
  },
  async heal(ctx) {
    for (const n of ctx.nodes) await ctx.runtime.start(n);
  },
};

export const pauseFault: FaultKind = {
  name: 'pause',
  shapes: ['one', 'leader', 'leader-long'],
  async start(ctx, mode) {
    const victim =
      mode === 'one'
        ? ctx.rnd.pick(ctx.nodes)
        : mode === 'leader'
          ? ((await ctx.leader()) ?? ctx.rnd.pick(ctx.nodes))
          : (await hotLeader(ctx)).node;
    // leader-long: frozen for at least three election timeouts, so the others elect a new leader and move on
    // while the old one still believes it leads (and holds whatever lease it thinks it has) when it wakes.
    const holdMs = mode === 'leader-long' ? 3 * (ctx.electionTimeoutMs ?? 1000) : 0;
    const since = Date.now();
    await ctx.runtime.pause(victim);
    return {
      value: { mode, nodes: [victim], ...(holdMs ? { atLeastMs: holdMs } : {}) },
      stop: async () => {
        // A timer may fire a millisecond early by the wall clock: wait until the hold has really passed.
        for (let left = holdMs - (Date.now() - since); left > 0; left = holdMs - (Date.now() - since))
          await sleep(left);
        await ctx.runtime.resume(victim);
        return { resumed: [victim], pausedMs: Date.now() - since };
      },
    };
  },
  async heal(ctx) {
    for (const n of ctx.nodes) await ctx.runtime.resume(n);
  },
};

export const clockFault: FaultKind = {
  name: 'clock',
  shapes: ['bump', 'strobe'],
  async start(ctx, mode) {
    if (!(await ctx.runtime.clockSupported()))
      throw new Error('clock faults need libfaketime on this runtime (apt-get install faketime)');
    const victims = shuffle(ctx.nodes, ctx.rnd).slice(0, Math.max(1, minority(ctx.nodes.length)));
    const offsets: Record<string, number> = {};
    for (const v of victims) {
      // Bumps of 1 s to 2^18 ms (~262 s, as Jepsen's clock nemesis), either way: leases and timeouts must not
      // trust the wall clock.
      offsets[v] = (ctx.rnd.chance(0.5) ? 1 : -1) * ctx.rnd.int(1000, 262_144);
      await ctx.runtime.clockSet(v, offsets[v]);
    }
    let timer: NodeJS.Timeout | undefined;
    if (mode === 'strobe') {
      // Strobe: flip between the offset and true time every 200 ms.
      let on = true;
      timer = setInterval(() => {
        on = !on;
        for (const v of victims) void ctx.runtime.clockSet(v, on ? offsets[v] : 0).catch(() => undefined);
      }, 200);
    }
    return {
      value: { mode, offsetsMs: offsets },
      stop: async () => {
        if (timer) clearInterval(timer);
        await ctx.runtime.clockReset(victims);
        return { reset: victims };
      },
    };
  },
  async heal(ctx) {
    if (await ctx.runtime.clockSupported()) await ctx.runtime.clockReset();
  },
};

export const lossFault: FaultKind = {
  name: 'loss',
  shapes: ['0.2', '0.5', '0.8'],
  async start(ctx, shape) {
    const victims = shuffle(ctx.nodes, ctx.rnd).slice(0, Math.max(1, minority(ctx.nodes.length)));
    const p = Number(shape);
    await ctx.runtime.loss(victims, p);
    return {
      value: { nodes: victims, probability: p },
      stop: async () => {
        await ctx.runtime.loss(victims, 0);
        return { restored: victims };
      },
    };
  },
  heal: (ctx) => ctx.runtime.loss(ctx.nodes, 0),
};

/** Delays in ms; jitter is half the delay, so a 200 ms link takes 100-300 ms and reorders who wins an election. */
export const LATENCY_SHAPES = ['50', '100', '200', '500'] as const;

export const latencyFault: FaultKind = {
  name: 'latency',
  shapes: LATENCY_SHAPES,
  async start(ctx, shape) {
    const ms = Number(shape);
    const jitterMs = ms / 2;
    // Half the time the hot shard's leader (slow acks and heartbeats from the node that matters), else a minority.
    const victims = ctx.rnd.chance(0.5)
      ? [(await hotLeader(ctx)).node]
      : shuffle(ctx.nodes, ctx.rnd).slice(0, Math.max(1, minority(ctx.nodes.length)));
    await ctx.runtime.latency(victims, ms, jitterMs);
    return {
      value: { nodes: victims, ms, jitterMs },
      stop: async () => {
        await ctx.runtime.latency(victims, 0, 0);
        return { restored: victims };
      },
    };
  },
  heal: (ctx) => ctx.runtime.latency(ctx.nodes, 0, 0),
};

export { membershipFault };

export const FAULT_KINDS: readonly FaultKind[] = [
  partitionFault,
  killFault,
  pauseFault,
  clockFault,
  lossFault,
  latencyFault,
  membershipFault,
];

// Nemesis schedules as pure plans: when each fault package starts and stops, decided up front from the seed.
// Jepsen composes nemesis generators (gen/stagger, gen/cycle, delays between start and stop ops); we plan the
// same shapes as data so they can be tested property by property and so the client generator knows the
// transition times in advance (load bursts open before a fault starts, harness/generator/bursts.ts).
//
//   alternate  today's rhythm: quiet interval, then one package's fault for an interval, one at a time
//   random     per package, exponentially distributed quiet gaps and fault durations (mean: the interval),
//              packages independent, so several faults overlap (a Poisson process per package)
//   burst      per package, runs of 3-6 short faults in quick succession, then a longer quiet spell: the
//              transitions themselves are the stress (elections started and abandoned, connections reset)
import type { Random } from '../generator/random.js';

export const SCHEDULES = ['alternate', 'random', 'burst'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export interface Step {
  /** Index of the package (in the order given). */
  pkg: number;
  /** Steps of one lane run one after the other; lanes run concurrently. */
  lane: number;
  /** Planned start and stop, ms since the load started. */
  startMs: number;
  endMs: number;
}

export interface PlanOptions {
  /** The schedule's time unit: alternate's quiet and fault length, random's mean gap and duration. */
  intervalMs: number;
  /** Nothing starts at or after this (the load phase's length). */
  horizonMs: number;
  /** Shortest fault: a fault shorter than the time it takes to apply is no fault. Default 250 ms. */
  minFaultMs?: number;
}

/** An exponentially distributed sample with the given mean (inverse transform sampling). */
export function exponential(rnd: Random, mean: number): number {
  return -mean * Math.log(1 - rnd.float());
}

function alternate(n: number, o: PlanOptions, rnd: Random): Step[] {
  const steps: Step[] = [];
  for (let t = o.intervalMs; t < o.horizonMs; t += 2 * o.intervalMs) {
    steps.push({ pkg: rnd.int(0, n), lane: 0, startMs: t, endMs: Math.min(t + o.intervalMs, o.horizonMs) });
  }
  return steps;
}

function random(n: number, o: PlanOptions, rnd: Random): Step[] {
  const min = o.minFaultMs ?? 250;
  const steps: Step[] = [];
  for (let pkg = 0; pkg < n; pkg++) {
    const r = rnd.fork(pkg + 1);
    let t = exponential(r, o.intervalMs);
    while (t < o.horizonMs) {
      // Capped at 4 intervals so one long draw cannot swallow the run.
      const d = Math.min(Math.max(min, exponential(r, o.intervalMs)), 4 * o.intervalMs);
      steps.push({ pkg, lane: pkg, startMs: t, endMs: Math.min(t + d, o.horizonMs) });
      t += d + exponential(r, o.intervalMs);
    }
  }
  return steps.sort((a, b) => a.startMs - b.startMs);
}

function burst(n: number, o: PlanOptions, rnd: Random): Step[] {
  const min = o.minFaultMs ?? 250;
  const steps: Step[] = [];
  for (let pkg = 0; pkg < n; pkg++) {
    const r = rnd.fork(pkg + 101);
    let t = exponential(r, o.intervalMs);
    while (t < o.horizonMs) {
      const k = r.int(3, 7);
      for (let i = 0; i < k && t < o.horizonMs; i++) {
        // Short faults and short gaps: a tenth to a third of the interval each.
        const d = Math.max(min, o.intervalMs * (0.1 + 0.23 * r.float()));
        steps.push({ pkg, lane: pkg, startMs: t, endMs: Math.min(t + d, o.horizonMs) });
        t += d + Math.max(min, o.intervalMs * (0.1 + 0.23 * r.float()));
      }
      t += exponential(r, 2 * o.intervalMs);
    }
  }
  return steps.sort((a, b) => a.startMs - b.startMs);
}

/** The whole schedule for `packages` packages, sorted by start. Pure: same seed, same plan. */
export function plan(schedule: ScheduleName, packages: number, o: PlanOptions, rnd: Random): Step[] {
  if (packages <= 0) return [];
  if (!(o.intervalMs > 0)) throw new Error(`nemesis interval must be positive, got ${o.intervalMs} ms`);
  if (schedule === 'alternate') return alternate(packages, o, rnd);
  if (schedule === 'random') return random(packages, o, rnd);
  return burst(packages, o, rnd);
}

/** Every planned start and stop, in seconds, for the client generator's bursts. */
export function transitionsS(steps: readonly Step[]): number[] {
  return steps.flatMap((s) => [s.startMs / 1000, s.endMs / 1000]).sort((a, b) => a - b);
}

export function parseSchedule(s: string): ScheduleName {
  if (!(SCHEDULES as readonly string[]).includes(s))
    throw new Error(`unknown --nemesis-schedule "${s}"; known: ${SCHEDULES.join(', ')}`);
  return s as ScheduleName;
}

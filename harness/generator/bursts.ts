// Client load bursts around fault transitions. Bugs live in the windows a fault opens and closes (a deposed
// leader that has not noticed yet, a node that just came back with a stale view), so the client generator
// raises its rate for a few seconds around every planned fault start and stop, as Jepsen's generators often
// do by hand around nemesis ops. The schedule is planned ahead (harness/nemesis/plan.ts), so the window can
// open before the transition, not only after it.

export interface BurstOptions {
  /** Ops/s outside the windows (0: unlimited). */
  rate: number;
  /** Ops/s inside a window (<= rate: no bursts). */
  burstRate: number;
  /** Half-width of a window in seconds: the burst runs from T - s to T + s around each transition T. */
  burstSeconds: number;
}

/** The client rate at each moment (seconds since load start), given the transition times (seconds). */
export function burstRate(transitions: readonly number[], o: BurstOptions): (elapsed: number) => number {
  if (!(o.burstSeconds > 0) || o.rate === 0 || !(o.burstRate > o.rate)) return () => o.rate;
  const ts = [...transitions].sort((a, b) => a - b);
  return (t) => {
    // Binary search for the first transition >= t - s; inside a window when it is <= t + s.
    let lo = 0,
      hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] < t - o.burstSeconds) lo = mid + 1;
      else hi = mid;
    }
    return lo < ts.length && ts[lo] <= t + o.burstSeconds ? o.burstRate : o.rate;
  };
}

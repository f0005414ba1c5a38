// Deadlines on code the harness does not control: a user's target module (its import, cluster(), health(), a
// client's invoke() and close()) and what a runtime does on its behalf. A promise that never settles must not
// hold a run for ever, so every such call goes through `within`: it settles with the work or, at the deadline,
// rejects with a DeadlineError whose one-line message says what ran out in the user's words ("target "x":
// health() of n2 did not settle within 5 s"). The work itself cannot be cancelled (a promise has no handle for
// that): whatever it settles with later is dropped, a late rejection included, so it never reaches a history.

/** Longest deadline accepted (a day): a larger one is a units mistake, not a deadline. */
const MAX_DEADLINE_MS = 86_400_000;

export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not settle within ${spellMs(ms)}`);
    this.name = 'DeadlineError';
  }
}

/** A duration as people write it: "5 s", "1.5 s", "300 ms". */
export function spellMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/**
 * The work's outcome if it settles within `ms`, else a DeadlineError naming `what`. A synchronous throw from
 * `work` is a rejection like any other.
 */
export function within<T>(what: string, ms: number, work: () => T | PromiseLike<T>): Promise<T> {
  if (!(Number.isFinite(ms) && ms > 0 && ms <= MAX_DEADLINE_MS))
    throw new RangeError(`deadline for ${what}: ${ms} ms is not between 0 and ${MAX_DEADLINE_MS} ms`);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    // Not unref'd: the timer is what keeps the process alive to report a module whose top-level await hangs.
    const timer = setTimeout(() => {
      settled = true;
      reject(new DeadlineError(what, ms));
    }, ms);
    const finish =
      <A>(f: (a: A) => void) =>
      (a: A): void => {
        if (settled) return; // late: dropped
        settled = true;
        clearTimeout(timer);
        f(a);
      };
    let p: PromiseLike<T>;
    try {
      p = Promise.resolve(work());
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(finish(resolve), finish(reject));
  });
}

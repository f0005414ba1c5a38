// Polling until a condition holds, shared by the runtimes' health waits and the tests that watch a cluster.
import { DeadlineError, within } from './deadline.js';

/** How long a runtime's start() waits for a restarted node's health check (the Runtime contract, types.ts). */
export const START_HEALTHY_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `check` every `everyMs` until it returns undefined (done) or the time is up; then throws
 * "<what> within N ms: <the last reason check gave>". A check that never settles is cut off when the time is
 * up (it is a target's code: harness/runtime/deadline.ts), so waitFor itself always ends within `timeoutMs`
 * and one poll interval.
 */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<string | undefined>,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const own = 'the check';
  for (;;) {
    const left = Math.max(1, deadline - Date.now());
    // Only waitFor's own deadline is a reason to go on: a guarded check's own (target/guard.ts) ends the wait.
    const why = await within(own, left, check).catch((e: Error) => {
      if (e instanceof DeadlineError && e.what === own) return e.message;
      throw e;
    });
    if (why === undefined) return;
    if (Date.now() >= deadline) throw new Error(`${what} within ${timeoutMs} ms: ${why}`);
    await sleep(everyMs);
  }
}

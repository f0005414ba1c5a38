// Polling until a condition holds, shared by the runtimes' health waits and the tests that watch a cluster.

/** How long a runtime's start() waits for a restarted node's health check (the Runtime contract, types.ts). */
export const START_HEALTHY_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `check` every `everyMs` until it returns undefined (done) or the time is up; then throws
 * "<what> within N ms: <the last reason check gave>".
 */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<string | undefined>,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = await check();
    if (why === undefined) return;
    if (Date.now() >= deadline) throw new Error(`${what} within ${timeoutMs} ms: ${why}`);
    await sleep(everyMs);
  }
}

// Polling a live cluster in tests until something it reports shows up.
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `f` every 50 ms until it gives a value; throws "not within N ms: <what>" at the deadline. */
export async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v !== undefined) return v;
    await sleep(50);
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

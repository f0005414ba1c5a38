// uvu's assert has no async throws: this is it.
import * as assert from 'uvu/assert';

/** Awaits `f()`, which must reject with a message matching `re`; returns the message. */
export async function rejects(f: () => Promise<unknown>, re: RegExp): Promise<string> {
  try {
    await f();
  } catch (e) {
    const msg = (e as Error).message;
    assert.match(msg, re);
    return msg;
  }
  return assert.unreachable(`expected a rejection matching ${re}`) as never;
}

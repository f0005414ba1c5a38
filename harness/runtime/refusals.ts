// What the runtime a run brought up cannot do (Runtime.cannot): `--nemesis all` leaves those kinds out, and a
// kind named explicitly is refused with the runtime's reason before the load starts, not failed at every fault.
import type { Runtime } from './types.js';

export async function runtimeCan(rt: Runtime, kind: string): Promise<boolean> {
  if (kind === 'clock' && !(await rt.clockSupported())) return false;
  return (await rt.cannot?.(kind)) === undefined;
}

/** Throws "--runtime R cannot take --nemesis K: why" for the first of `kinds` the runtime cannot inject. */
export async function refuseImpossible(rt: Runtime, kinds: readonly string[]): Promise<void> {
  for (const k of kinds) {
    const why = await rt.cannot?.(k);
    if (why) throw new Error(`--runtime ${rt.kind} cannot take --nemesis ${k}: ${why}`);
  }
}

// Importing a user's target module with a deadline: a module whose top-level await never settles would otherwise
// hold `faultline run` before it has printed anything. Node cannot abandon a pending import, but the harness can
// stop waiting for it and say so in one line.
import { DeadlineError, within } from '../runtime/deadline.js';
import { DEADLINES } from './deadlines.js';

/** The module at `url` (named `spec` on the command line), or a one-line error. */
export async function importTargetModule(
  spec: string,
  url: string,
  ms = DEADLINES.importMs,
): Promise<Record<string, unknown>> {
  try {
    return await within(`--target ${spec}: the module's import`, ms, () => import(url));
  } catch (e) {
    if (e instanceof DeadlineError) throw new Error(`${e.message} (a top-level await that never settles?)`);
    throw new Error(`--target ${spec}: the module failed to load: ${(e as Error).message.split('\n')[0]}`);
  }
}

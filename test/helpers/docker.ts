// Gate for docker end-to-end tests. When no engine is reachable (or the fault tools are missing), the tests
// are registered as skipped and the reason is printed once; with FAULTLINE_REQUIRE_DOCKER=1 (CI with docker)
// a missing engine is a failing test instead, so a broken CI machine cannot pass by skipping everything.
//
//   import { docker, dockerTest, dockerHooks } from '../helpers/docker.js';
//   dockerHooks(test, { before: async () => {...}, after: async () => {...} });
//   dockerTest(test, 'name', async () => {...});
//   test.run();
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';

export interface DockerAvailability {
  ok: boolean;
  reason?: string;
}

function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a docker engine answers (within 3 s) and, when `faults` (default), the host can inject faults
 * (root, nsenter, iptables).
 */
export async function dockerAvailable(opts: { faults?: boolean } = {}): Promise<DockerAvailability> {
  try {
    const d = new Docker();
    await Promise.race([
      d.ping(),
      new Promise((_, rej) => setTimeout(() => rej(new Error('no answer within 3 s')), 3000).unref()),
    ]);
  } catch (e) {
    return { ok: false, reason: `no docker engine reachable (${(e as Error).message.split('\n')[0]})` };
  }
  if (opts.faults ?? true) {
    if (process.getuid && process.getuid() !== 0)
      return { ok: false, reason: 'fault injection needs root (nsenter + iptables in container namespaces)' };
    for (const t of ['nsenter', 'iptables', 'iptables-restore', 'tar'])
      if (!hasTool(t)) return { ok: false, reason: `${t} is not installed` };
  }
  return { ok: true };
}

export const required = process.env.FAULTLINE_REQUIRE_DOCKER === '1';

/** Resolved once when the helper is first imported. */
export const docker: DockerAvailability = await dockerAvailable();

let announced = false;
function announce(): void {
  if (announced) return;
  announced = true;
  console.log(`skipped: ${docker.reason} (set FAULTLINE_REQUIRE_DOCKER=1 to make this a failure)`);
}

/** Registers a docker test: runs it when docker is available, skips it (printed) or fails it (required) otherwise. */
export function dockerTest(test: Test, name: string, fn: () => Promise<void> | void): void {
  if (docker.ok) {
    test(name, fn);
  } else if (required) {
    test(name, () => assert.unreachable(`FAULTLINE_REQUIRE_DOCKER=1 but ${docker.reason}`));
  } else {
    announce();
    test.skip(name, fn);
  }
}

/** before/after hooks that only run when docker is available. */
export function dockerHooks(
  test: Test,
  h: { before?: () => Promise<void> | void; after?: () => Promise<void> | void },
): void {
  if (!docker.ok) return;
  if (h.before) test.before(h.before);
  if (h.after) test.after(h.after);
}

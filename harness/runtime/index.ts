// Picks a runtime: docker or ssh when asked, docker when an engine answers, local otherwise (zero setup). The
// choice is made before a run's record is written (pickRuntime), so the record names the runtime that ran it; the
// runtime itself is made when the run starts (createRuntime), and a docker engine asked for by name must answer then.
import Docker from 'dockerode';
import type { RuntimeKind } from './spec.js';
import { resolveSshAccess, type SshFlags } from './ssh/hosts-file.js';
import type { Runtime } from './types.js';

export async function dockerReachable(timeoutMs = 2000): Promise<{ ok: boolean; reason?: string }> {
  try {
    const d = new Docker();
    await Promise.race([
      d.ping(),
      new Promise((_, rej) => setTimeout(() => rej(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs)),
    ]);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `no Docker engine reachable (${(e as Error).message.split('\n')[0]})` };
  }
}

/** The runtime `auto` stands for here and now, with the sentence that says why; any other kind is itself. */
export async function pickRuntime(kind: RuntimeKind | 'auto'): Promise<{ kind: RuntimeKind; why?: string }> {
  if (kind !== 'auto') return { kind };
  const d = await dockerReachable();
  if (d.ok) return { kind: 'docker', why: 'runtime: docker (a Docker engine answered)' };
  return { kind: 'local', why: `runtime: local (${d.reason}; using child processes on loopback)` };
}

/** The runtime of this kind; `log` carries the ssh runtime's progress, `ssh` its hosts and keys. */
export async function createRuntime(kind: RuntimeKind, log: (m: string) => void, ssh?: SshFlags): Promise<Runtime> {
  if (kind === 'ssh') {
    if (!ssh) throw new Error('--runtime ssh needs --hosts FILE (one user@address[:port] a line)');
    const { SshRuntime } = await import('./ssh/ssh-runtime.js');
    return new SshRuntime({ access: resolveSshAccess(ssh), log });
  }
  if (kind === 'docker') {
    const d = await dockerReachable();
    if (!d.ok) throw new Error(`--runtime docker: ${d.reason}`);
    const { DockerRuntime } = await import('./docker/docker-runtime.js');
    return new DockerRuntime();
  }
  const { LocalRuntime } = await import('./local/local-runtime.js');
  return new LocalRuntime();
}

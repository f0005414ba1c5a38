// Picks a runtime: docker when asked or when an engine answers, local otherwise (zero setup).
import Docker from 'dockerode';
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

export async function createRuntime(
  kind: 'docker' | 'local' | 'ssh' | 'auto',
  log: (m: string) => void,
  ssh?: SshFlags,
): Promise<Runtime> {
  if (kind === 'ssh') {
    if (!ssh) throw new Error('--runtime ssh needs --hosts FILE (one user@address[:port] a line)');
    const { SshRuntime } = await import('./ssh/ssh-runtime.js');
    return new SshRuntime({ access: resolveSshAccess(ssh), log });
  }
  let chosen = kind;
  if (kind === 'auto') {
    const d = await dockerReachable();
    chosen = d.ok ? 'docker' : 'local';
    log(
      `runtime: ${chosen}${d.ok ? ' (a Docker engine answered)' : ` (${d.reason}; using child processes on loopback)`}`,
    );
  }
  if (chosen === 'docker') {
    const d = await dockerReachable();
    if (!d.ok) throw new Error(`--runtime docker: ${d.reason}`);
    const { DockerRuntime } = await import('./docker/docker-runtime.js');
    return new DockerRuntime();
  }
  const { LocalRuntime } = await import('./local/local-runtime.js');
  return new LocalRuntime();
}

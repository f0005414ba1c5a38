// fenced-counter's operations on the reference cluster: the lock service for acquire/release, and reads and
// writes of the counter that carry this process's fencing token (a fenced read goes through the log, so the
// token is registered in log order; a write with a token below the highest seen is refused).
import type { OpSpec } from '../../../harness/generator/generator.js';
import type { NodeRef } from '../router.js';
import { LOCK } from '../../../workloads/fenced-counter/workload.js';
import type { Client, Completion } from '../../../workloads/types.js';
import { LockHttpClient } from './lock.js';

export class FencedHttpClient implements Client {
  private readonly inner: LockHttpClient;

  constructor(nodes: NodeRef[], prefer: number, owner: string, leaseMs: number, timeoutMs: number) {
    this.inner = new LockHttpClient(nodes, prefer, owner, leaseMs, timeoutMs);
  }

  invoke(op: OpSpec): Promise<Completion> {
    if (op.f === 'acquire' || op.f === 'release') return this.inner.invoke(op);
    if (op.f === 'read') return this.inner.kv({ op: 'read', key: op.key }, LOCK, true);
    if (op.f === 'write') return this.inner.kv({ op: 'write', key: op.key, value: op.value }, LOCK, false);
    return Promise.resolve({ type: 'fail', error: `unknown op ${op.f}` });
  }

  close(): void {
    this.inner.close();
  }
}

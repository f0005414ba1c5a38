// `fenced-counter`: each cycle a process takes the lock, reads the counter with its fencing token, writes
// value+1 with the token, and releases. Leases are short and holders sometimes stall past them, so a lock is
// regularly granted while an earlier holder still believes it holds it; fencing must still prevent lost updates.
// Checked by the check it names, `fenced-counter` (harness/checker/fenced.ts): no lost update, tokens unique per
// lock, tokens increasing in real-time grant order.
import type { Generator, OpSpec } from '../../harness/generator/generator.js';
import type { Client, Completion, Workload } from '../types.js';
import { Random } from '../../harness/generator/random.js';

export const LOCK = 'fc-lock';
export const COUNTER = 'fc-counter';
export const LEASE_MS = 1500;
/**
 * A holder sometimes stalls between its read and its write for longer than the lease (a GC pause, a slow
 * disk): the lease lapses, another process gets the lock, and only fencing stops the stale write.
 */
export const STALL_RATE = 0.15;
export const STALL_MS = 2500;

const STEPS = ['acquire', 'read', 'write', 'release'] as const;

export function fencedGenerator(): Generator {
  return (ctx) => {
    const f = STEPS[ctx.count % STEPS.length];
    return { f, key: f === 'acquire' || f === 'release' ? LOCK : COUNTER };
  };
}

/**
 * The workload's side of one process: holds the token its last acquire returned and the value it read, fills
 * them into the next steps, and sometimes stalls. The target's client only performs acquire, release, and the
 * fenced read and write of the counter.
 */
export class FencedCounterDriver implements Client {
  private token: unknown;
  private lastRead: number | undefined;
  private readonly rnd: Random;

  constructor(
    private readonly inner: Client,
    seed: number,
  ) {
    this.rnd = new Random(seed);
  }

  prepare(op: OpSpec): OpSpec | undefined {
    const holding = this.token !== undefined;
    if (op.f === 'acquire') return holding ? undefined : op;
    if (!holding) return undefined; // nothing to do without the lock
    if (op.f === 'read') return { ...op, value: { token: this.token } };
    if (op.f === 'write') {
      if (this.lastRead === undefined) return undefined;
      return { ...op, value: this.lastRead + 1, token: this.token } as OpSpec;
    }
    return op;
  }

  async invoke(op: OpSpec): Promise<Completion> {
    if (op.f === 'acquire' || op.f === 'release') {
      this.lastRead = undefined;
      const c = await this.inner.invoke(op);
      if (op.f === 'acquire' && c.type === 'ok') this.token = c.value;
      // A definite answer to a release ends the hold (released, or not the holder any more: expired).
      if (op.f === 'release' && c.type !== 'info') this.token = undefined;
      return c;
    }
    if (op.f === 'read') {
      const c = await this.inner.invoke(op);
      this.lastRead = c.type === 'ok' ? (typeof c.value === 'number' ? c.value : 0) : undefined;
      return c.type === 'ok' ? { type: 'ok', value: c.value ?? null } : c;
    }
    if (this.rnd.chance(STALL_RATE)) await new Promise((r) => setTimeout(r, this.rnd.int(STALL_MS / 2, STALL_MS)));
    const c = await this.inner.invoke(op);
    this.lastRead = undefined;
    return c;
  }

  close(): void | Promise<void> {
    return this.inner.close();
  }
}

export const fencedCounterWorkload: Workload = {
  name: 'fenced-counter',
  describe:
    `lock (lease ${LEASE_MS} ms) → fenced read → fenced write of value+1 → release; ` +
    'checked for lost updates and token order',
  generator: () => fencedGenerator(),
  checks: [{ checker: 'fenced-counter', args: { lock: LOCK, counter: COUNTER } }],
  finalOp: () => undefined,
  leaseMs: LEASE_MS,
  wrapClient: (inner, o) => new FencedCounterDriver(inner, (o.seed ^ Math.imul(o.process + 1, 0x9e3779b1)) >>> 0),
};

// The transactions of list-append and rw-register, after Jepsen's elle.list-append/gen and elle.txn/wr-txns: a
// window of `keys` active integer keys; each micro-op picks a key of the window uniformly and is a read or a
// write with equal chance; a key's writes carry the values 1, 2, 3, ... (unique per key, as Elle needs to trace
// every read to its writer), and once a key has taken `maxWritesPerKey` writes a fresh key replaces it in the
// window, so every key's history stays short while the window keeps the contention.
//
// One seeded sequence is shared by all workers, as Jepsen's generator is one lazy sequence that every thread
// pulls from: the sequence of transactions is a pure function of the seed and the shape, and which worker
// performs which one depends on who asks first. (Per-worker streams, as the other workloads use, would let the
// key windows of workers drift apart as their operations time out at different moments, and with them the
// contention that makes isolation anomalies observable.)
import { Random } from '../../harness/generator/random.js';
import type { MicroOp } from '../../harness/history/txn.js';
import type { TxnShape } from '../types.js';

/** A micro-op is a read with this chance, else a write (Jepsen's generator flips the same coin). */
export const READ_CHANCE = 0.5;

export class TxnStream {
  private readonly rnd: Random;
  private readonly active: number[];
  /** Writes handed out so far to each active key. */
  private readonly writes = new Map<number, number>();
  private fresh: number;
  private used = 0;
  private count = 0;

  constructor(
    private readonly shape: TxnShape,
    private readonly writeF: 'append' | 'w',
    seed: number,
  ) {
    if (!(shape.minOps >= 1 && shape.maxOps >= shape.minOps && shape.keys >= 1 && shape.maxWritesPerKey >= 1))
      throw new Error(`bad transaction shape ${JSON.stringify(shape)}`);
    this.rnd = new Random((seed ^ 0x7a3c15e9) >>> 0);
    this.active = Array.from({ length: shape.keys }, (_, i) => i);
    this.fresh = shape.keys;
  }

  /** The next transaction, reads as null (the invocation's value). */
  next(): MicroOp[] {
    const n = this.rnd.int(this.shape.minOps, this.shape.maxOps + 1);
    const ops: MicroOp[] = [];
    for (let i = 0; i < n; i++) {
      const slot = this.rnd.int(0, this.active.length);
      const k = this.active[slot];
      this.used = Math.max(this.used, k + 1);
      if (this.rnd.chance(READ_CHANCE)) {
        ops.push(['r', k, null]);
        continue;
      }
      const w = (this.writes.get(k) ?? 0) + 1;
      ops.push([this.writeF, k, w]);
      if (w >= this.shape.maxWritesPerKey) {
        this.writes.delete(k);
        this.active[slot] = this.fresh++;
      } else this.writes.set(k, w);
    }
    this.count++;
    return ops;
  }

  /** Keys handed out so far are 0 .. keysUsed() - 1. */
  keysUsed(): number {
    return this.used;
  }

  /** Transactions handed out so far. */
  transactions(): number {
    return this.count;
  }
}

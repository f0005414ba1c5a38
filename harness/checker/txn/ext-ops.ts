// A transaction's external operations (Adya's installed versions, the Elle paper §5.2): its reads of a key before
// it writes that key, and its last write of each key. Read-write register inference (rw-register.ts) and its
// version graphs (rw-register-versions.ts) both work from them.
import { R, type TxnIndex, W } from './history-index.js';

/** External reads and writes per transaction: key -> value id (NIL for a read of nil). */
export interface ExtOps {
  reads: Map<number, number>[];
  writes: Map<number, number>[];
}

export function extOps(x: TxnIndex): ExtOps {
  const reads: Map<number, number>[] = [];
  const writes: Map<number, number>[] = [];
  for (let t = 0; t < x.n; t++) {
    const r = new Map<number, number>();
    const w = new Map<number, number>();
    const touched = new Set<number>();
    for (let m = x.mopStart[t]; m < x.mopStart[t + 1]; m++) {
      const k = x.mopKey[m];
      if (x.mopF[m] === R && !touched.has(k)) r.set(k, x.mopVal[m]);
      if (x.mopF[m] === W) w.set(k, x.mopVal[m]);
      touched.add(k);
    }
    reads.push(r);
    writes.push(w);
  }
  return { reads, writes };
}

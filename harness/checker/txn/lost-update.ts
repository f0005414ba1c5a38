// Lost update (Adya's H_lu, thesis §4.2; Elle's txn.clj lost-update-cases): two committed transactions read the
// same version of a key and both write it, so one write was built on a state the other overwrote. Adya defines
// it only by example; Elle's reading, which we follow, needs no version order, so it catches lost updates the
// inferred graph may miss (an append never read is in no cycle). One linear pass over committed transactions.
import { showTxnValue } from '../../history/txn.js';
import { OK, R, txnIndexField, type TxnIndex } from './history-index.js';
import { IntList } from '../../history/txn-columns.js';
import { PairLists, PairMap } from './pair-map.js';
import type { CaseAnomaly } from './types.js';

/** The value a read mop saw, as one comparable id for grouping: list reads by their last element. */
function readSignature(x: TxnIndex, m: number): number {
  const s = x.readStart[m];
  if (s >= 0) return x.readLen[m] === 0 ? -1 : x.readElems[s + x.readLen[m] - 1];
  return x.mopVal[m];
}

function sameRead(x: TxnIndex, a: number, b: number): boolean {
  if (x.readStart[a] < 0 || x.readStart[b] < 0) return x.mopVal[a] === x.mopVal[b] && x.readStart[a] === x.readStart[b];
  if (x.readLen[a] !== x.readLen[b]) return false;
  for (let i = 0; i < x.readLen[a]; i++)
    if (x.readElems[x.readStart[a] + i] !== x.readElems[x.readStart[b] + i]) return false;
  return true;
}

/** Lost updates, with `writeF` the micro-op that writes (APPEND or W). */
export function lostUpdates(x: TxnIndex, writeF: number): CaseAnomaly[] {
  const groups = new PairLists(); // (key, read signature) -> read mops of transactions that then wrote the key
  const keysSeen = new IntList(); // (key, signature) pairs in the order first met
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] !== OK) continue;
    const first = x.mopStart[t];
    for (let m = first; m < x.mopStart[t + 1]; m++) {
      if (x.mopF[m] !== writeF) continue;
      // The transaction's first write of the key that follows a read of it: grouped by that first read.
      const k = x.mopKey[m];
      let r = -1;
      let grouped = false;
      for (let j = first; j < m; j++) {
        if (x.mopKey[j] !== k) continue;
        if (x.mopF[j] === writeF) grouped ||= r >= 0;
        else if (x.mopF[j] === R && r < 0) r = j;
      }
      if (r < 0 || grouped) continue;
      const sig = readSignature(x, r);
      groups.add(k, sig, r);
      keysSeen.push(k);
      keysSeen.push(sig);
    }
  }
  const out: CaseAnomaly[] = [];
  const done = new PairMap();
  const txnOf = mopOwner(x);
  for (let i = 0; i < keysSeen.length; i += 2) {
    const k = keysSeen.a[i];
    const sig = keysSeen.a[i + 1];
    if (done.has(k, sig)) continue;
    done.set(k, sig, 1);
    const reads = groups.list(k, sig);
    if (reads.length < 2) continue;
    // Same last element: split by the exact read (list reads may differ before it only in broken histories).
    const rest = [...reads];
    while (rest.length >= 2) {
      const first = rest[0];
      const same = rest.filter((m) => sameRead(x, first, m));
      for (const m of same) rest.splice(rest.indexOf(m), 1);
      if (same.length < 2) continue;
      const ops = same.map((m) => txnIndexField(x, txnOf(m)));
      const seen = readText(x, first);
      out.push({
        type: 'lost-update',
        text:
          `ops ${ops.join(', ')} all read key ${showTxnValue(x.keys[k])} as ${seen} and all wrote it: ` +
          'all but one update is lost',
        ops,
        key: x.keys[k],
        data: { value: seen },
      });
    }
  }
  return out;
}

function readText(x: TxnIndex, m: number): string {
  const s = x.readStart[m];
  if (s < 0) return x.mopVal[m] < 0 ? 'nil' : showTxnValue(x.values[x.mopVal[m]]);
  const els: string[] = [];
  for (let i = 0; i < x.readLen[m]; i++) els.push(showTxnValue(x.values[x.readElems[s + i]]));
  return `[${els.join(' ')}]`;
}

/** Maps a micro-op to its transaction (binary search over mopStart). */
export function mopOwner(x: TxnIndex): (m: number) => number {
  return (m) => {
    let lo = 0;
    let hi = x.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (x.mopStart[mid] <= m) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
}

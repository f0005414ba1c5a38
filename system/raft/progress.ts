// The leader's view of one follower (diss. §3.5 nextIndex/matchIndex), with etcd-raft's flow control:
// probe (one AppendEntries in flight until it answers), replicate (pipeline up to maxInflight messages),
// snapshot (wait for the follower to install the snapshot we sent).

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Probe: a message is in flight; wait for its answer or the next heartbeat response. */
  probeSent = false;
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round (diss. §6.2: a leader steps down without a quorum). */
  recentActive = true;
  /** Last index of each in-flight AppendEntries, oldest first. */
  private inflight: number[] = [];

  constructor(
    next: number,
    private readonly maxInflight: number,
  ) {
    this.next = next;
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.reset('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.reset('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.reset('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.reset('snapshot');
    this.pendingSnapshot = index;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflight = [];
  }

  /** An acknowledgement up to n: returns false when it is stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Sent entries up to `last` (replicate: optimistic next, and count it in flight). */
  sentEntries(last: number, count: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = last + 1;
        this.inflight.push(last);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  freeInflightTo(index: number): void {
    let k = 0;
    while (k < this.inflight.length && this.inflight[k] <= index) k++;
    if (k > 0) this.inflight = this.inflight.slice(k);
  }

  /**
   * A rejection of the append at `rejected`, with the follower's hint. Returns false when the rejection is stale
   * (it answers an older message than our current probe).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false; // stale
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false; // not the probe we sent
    this.next = Math.max(Math.min(rejected, matchHint + 1), 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflight.length >= this.maxInflight;
      case 'snapshot':
        return true;
    }
  }
}

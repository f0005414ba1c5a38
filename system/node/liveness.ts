// Node-level failure detection for a node hosting many Raft groups. Every node sends every peer one node
// heartbeat per heartbeat interval (CockroachDB's coalesced heartbeats; TiKV's hibernate-region liveness): a
// peer silent for an election timeout is suspected, and the groups whose leader (or a quorum member) lives
// there are woken, so a quiesced group detects a dead leader as soon as an active one would. Time is in ticks,
// like the Raft core's; nothing here reads a clock.
import type { NodeId } from '../raft/types.js';

export interface LivenessChange {
  /** Peers that just became suspect (silent for an election timeout). */
  suspected: NodeId[];
  /** Suspected peers heard from again. */
  recovered: NodeId[];
}

export class Liveness {
  private now = 0;
  private lastHeard = new Map<NodeId, number>();
  private suspects = new Set<NodeId>();

  /** Every peer counts as just heard at start: a starting node gives its peers a full timeout. */
  constructor(
    readonly peers: NodeId[],
    readonly timeoutTicks: number,
  ) {
    for (const p of peers) this.lastHeard.set(p, 0);
  }

  heard(peer: NodeId): boolean {
    if (!this.lastHeard.has(peer)) return false;
    this.lastHeard.set(peer, this.now);
    return this.suspects.has(peer);
  }

  tick(): LivenessChange {
    this.now++;
    const ch: LivenessChange = { suspected: [], recovered: [] };
    for (const [p, at] of this.lastHeard) {
      const silent = this.now - at >= this.timeoutTicks;
      if (silent && !this.suspects.has(p)) {
        this.suspects.add(p);
        ch.suspected.push(p);
      } else if (!silent && this.suspects.has(p)) {
        this.suspects.delete(p);
        ch.recovered.push(p);
      }
    }
    return ch;
  }

  /** Ticks since `peer` was last heard from (0 for this node itself or an unknown id). */
  silentFor(peer: NodeId): number {
    const at = this.lastHeard.get(peer);
    return at === undefined ? 0 : this.now - at;
  }

  suspected(peer: NodeId): boolean {
    return this.suspects.has(peer);
  }
}

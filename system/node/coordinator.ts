// The node-level half of Multi-Raft, shared by the real node (host.ts) and the simulation (test/sim/multi.ts):
// it owns time for every Raft group on the node and decides what is node-wide rather than per group. Pure:
// no I/O, no clock (ticks), no timers; the runtime delivers frames, calls tick() and sends what it says.
//
//  - Coalesced heartbeats (CockroachDB): groups do not heartbeat on their own timers (hostHeartbeats); every
//    heartbeat interval this node makes every group it leads heartbeat at once, so all of them, with their
//    commit index and ReadIndex context, travel in the one frame per peer that also carries the node beat.
//  - Quiescence: a led group idle for a whole interval quiesces (Raft.quiesce); its followers stop their
//    election timers. The node beat (one per node pair per interval, listing the groups the sender leads)
//    then stands in for the group heartbeats: a quiesced follower wakes when the leader's node falls silent
//    for an election timeout (with its timer at the time already elapsed, so it elects as soon as an active
//    group would) or when that node's beat no longer lists the group (it restarted, or stepped down).
//    A leader does not quiesce while any member's node is suspected, so check quorum keeps its timing.
//  - Leadership rebalancing (rebalance.ts) with leadership transfer (Raft.transferLeadership, diss. §3.10).
import type { Raft } from '../raft/raft.js';
import type { NodeId } from '../raft/types.js';
import { Liveness } from './liveness.js';
import { pickTransfer } from './rebalance.js';
import type { NodeBeat } from './transport.js';

/** How far behind the leader's last index a follower may be and still be handed leadership. */
const TRANSFER_LAG = 256;
const MAX_TRANSFERS_PER_ROUND = 4;

export interface CoordinatorOptions {
  id: NodeId;
  /** Every node of the cluster, this one included. */
  members: NodeId[];
  electionTick: number;
  heartbeatTick: number;
  random: () => number;
  /** Quiesce idle groups (default true). */
  quiesce?: boolean;
  /** Rebalance shard leadership (default true). */
  rebalance?: boolean;
}

export class Coordinator {
  readonly liveness: Liveness;
  private now = 0;
  private beatDue = false;
  /** Groups each peer's latest beat says it leads. */
  private leadsOf = new Map<NodeId, Set<string>>();
  /** Each peer's process run, from its beats. */
  private runOf = new Map<NodeId, string>();
  /** This process's run id, sent in every beat. */
  readonly run: string;
  /** A led group's last index at the previous heartbeat interval (idle for a whole interval → quiesce). */
  private lastSeen = new Map<string, number>();
  private nextRebalance: number;
  /** Counters for tests and /status. */
  transfers = 0;

  constructor(
    readonly o: CoordinatorOptions,
    readonly groups: Map<string, Raft>,
  ) {
    this.liveness = new Liveness(
      o.members.filter((m) => m !== o.id),
      o.electionTick,
    );
    this.nextRebalance = this.rebalanceDelay();
    this.run = Math.floor(o.random() * 2 ** 48).toString(36);
  }

  private rebalanceDelay(): number {
    // Jittered, so that nodes rarely hand groups to the same target at the same moment.
    return this.now + this.o.electionTick + Math.floor(this.o.random() * this.o.electionTick);
  }

  /** A frame arrived from `from` (call before stepping its messages). */
  received(from: NodeId, beat: NodeBeat | undefined): void {
    const wasSuspected = this.liveness.heard(from);
    if (wasSuspected) this.onRecovered(from);
    if (!beat) return;
    if (beat.run !== undefined) {
      // A peer that restarted faster than it could be suspected lost its groups' leaders: leaders here
      // heartbeat it at once (it would otherwise wait out an election timeout on quiesced groups).
      const prev = this.runOf.get(from);
      this.runOf.set(from, beat.run);
      if (prev !== undefined && prev !== beat.run && !wasSuspected) this.onRecovered(from);
    }
    const lead = new Set(beat.lead);
    this.leadsOf.set(from, lead);
    // A quiesced follower waits on a leader that says it no longer leads (a restart, a step-down): wake it
    // with its election timeout spent, as if that leader had been silent all along.
    for (const [g, r] of this.groups) {
      if (r.quiesced && r.role !== 'leader' && r.leader === from && !lead.has(g)) r.wake(this.o.electionTick);
    }
  }

  /** One tick of node time for every group. */
  tick(): void {
    this.now++;
    const ch = this.liveness.tick();
    for (const p of ch.suspected) this.onSuspected(p);
    for (const p of ch.recovered) this.onRecovered(p);
    for (const r of this.groups.values()) r.tick();
    if (this.now % this.o.heartbeatTick === 0) {
      this.beatDue = true;
      for (const [g, r] of this.groups) {
        if (r.role !== 'leader' || r.quiesced) continue;
        const last = r.log.lastIndex();
        const idle = this.lastSeen.get(g) === last;
        this.lastSeen.set(g, last);
        if ((this.o.quiesce ?? true) && idle && !r.peers.some((p) => this.liveness.suspected(p)) && r.quiesce())
          continue;
        r.heartbeat();
      }
    }
    if ((this.o.rebalance ?? true) && this.now >= this.nextRebalance) {
      this.nextRebalance = this.rebalanceDelay();
      this.rebalance();
    }
  }

  private onSuspected(p: NodeId): void {
    for (const r of this.groups.values()) {
      if (!r.quiesced) continue;
      if (r.role !== 'leader' && r.leader === p) r.wake(this.liveness.silentFor(p));
      else if (r.role === 'leader' && r.peers.includes(p)) r.wake();
    }
  }

  private onRecovered(p: NodeId): void {
    // A member is back: its leaders heartbeat again, so it learns the leader and catches up at once.
    for (const r of this.groups.values()) if (r.role === 'leader' && r.quiesced && r.peers.includes(p)) r.wake();
  }

  /** The node beat to send to every peer, when one is due (once per heartbeat interval). */
  takeBeat(): NodeBeat | undefined {
    if (!this.beatDue) return undefined;
    this.beatDue = false;
    return { lead: this.led(), run: this.run };
  }

  /** The peer whose latest beat says it leads `group`, if any (a hint: a beat is up to an interval old). */
  leaderOf(group: string): NodeId | undefined {
    for (const [peer, lead] of this.leadsOf) if (lead.has(group) && !this.liveness.suspected(peer)) return peer;
    return undefined;
  }

  led(): string[] {
    const out: string[] = [];
    for (const [g, r] of this.groups) if (r.role === 'leader') out.push(g);
    return out;
  }

  private rebalance(): void {
    const led: { id: string; candidates: NodeId[] }[] = [];
    for (const [g, r] of this.groups) {
      if (r.role !== 'leader' || r.status().transferee !== null) continue;
      // Under load a follower is rarely caught up at the very moment: one that is replicating and close
      // behind will do (the transfer refuses new proposals and sends TimeoutNow once it has caught up).
      const last = r.log.lastIndex();
      const prog = r.progress();
      const near = (p: NodeId): boolean => {
        const x = prog.get(p);
        return !!x && x.state === 'replicate' && x.match >= last - TRANSFER_LAG;
      };
      const candidates = r.peers.filter(
        (p) => p !== this.o.id && this.leadsOf.has(p) && !this.liveness.suspected(p) && near(p),
      );
      led.push({ id: g, candidates });
    }
    // Several transfers per round (each counted against its target at once), so that a node that won most
    // elections of a storm sheds them within a round or two instead of one group per round.
    const extra = new Map<NodeId, number>();
    let mine = led.length;
    for (let k = 0; k < MAX_TRANSFERS_PER_ROUND && mine >= 2; k++) {
      const pick = pickTransfer(mine, led, (n) => (this.leadsOf.get(n)?.size ?? Infinity) + (extra.get(n) ?? 0));
      if (!pick) return;
      led.splice(
        led.findIndex((g) => g.id === pick.group),
        1,
      );
      if (!this.groups.get(pick.group)!.transferLeadership(pick.to)) continue;
      this.transfers++;
      mine--;
      extra.set(pick.to, (extra.get(pick.to) ?? 0) + 1);
    }
  }
}

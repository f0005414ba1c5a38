// Distributed locks in the replicated state machine. A grant's fencing token is the Raft log index of the entry
// that granted it, so tokens are unique and increase in the order grants happened (Kleppmann's fencing argument:
// a storage service that rejects lower tokens cannot be corrupted by a holder whose lease silently expired).
// A lease ends only through a log entry ("expire"), which the leader proposes when its own timer says so; no
// replica ever consults its clock while applying, so every replica agrees on who holds what. Planted bug
// "lease-local-clock" does the opposite: a replica treats a lease as expired by its own wall clock at apply time.

export type LockCommand =
  | { op: 'acquire'; name: string; owner: string; ttlMs: number }
  | { op: 'release'; name: string; owner: string; token: number }
  | { op: 'renew'; name: string; owner: string; token: number; ttlMs: number }
  | { op: 'expire'; name: string; token: number };

export type LockResult =
  | { ok: true; token: number; holder: string }
  | { ok: false; error: 'held'; holder: string; token: number }
  | { ok: false; error: 'not-holder' };

interface Held {
  owner: string;
  token: number;
  ttlMs: number;
  grantedAt: number;
  renewals?: number;
}

export interface LockMachineOptions {
  /** Planted bug: expire leases by this replica's wall clock when applying. */
  localClockLeases?: boolean;
  /** Planted bug: a release is honoured whoever sends it (no owner or token check). */
  releaseAnyOwner?: boolean;
  now?: () => number;
}

export class LockMachine {
  private locks = new Map<string, Held>();

  constructor(private readonly o: LockMachineOptions = {}) {}

  holder(name: string): Held | undefined {
    const h = this.locks.get(name);
    if (h && this.o.localClockLeases && (this.o.now ?? Date.now)() > h.grantedAt + h.ttlMs) return undefined;
    return h;
  }

  apply(cmd: LockCommand, index: number): LockResult {
    const cur = this.holder(cmd.name);
    switch (cmd.op) {
      case 'acquire':
        if (cur && cur.owner !== cmd.owner) return { ok: false, error: 'held', holder: cur.owner, token: cur.token };
        if (cur) return { ok: true, token: cur.token, holder: cur.owner }; // a retried acquire by the holder
        this.locks.set(cmd.name, {
          owner: cmd.owner,
          token: index,
          ttlMs: cmd.ttlMs,
          grantedAt: (this.o.now ?? Date.now)(),
        });
        return { ok: true, token: index, holder: cmd.owner };
      case 'release':
        // Planted bug "release-any-owner": the naive unlock (Redis's plain DEL) frees whatever grant is current,
        // so a holder whose lease lapsed, or a client that never held the lock, frees the next holder's grant.
        if (cur && this.o.releaseAnyOwner) {
          this.locks.delete(cmd.name);
          return { ok: true, token: cmd.token, holder: cmd.owner };
        }
        if (!cur || cur.owner !== cmd.owner || cur.token !== cmd.token) return { ok: false, error: 'not-holder' };
        this.locks.delete(cmd.name);
        return { ok: true, token: cmd.token, holder: cmd.owner };
      case 'renew':
        if (!cur || cur.owner !== cmd.owner || cur.token !== cmd.token) return { ok: false, error: 'not-holder' };
        cur.ttlMs = cmd.ttlMs;
        cur.grantedAt = (this.o.now ?? Date.now)();
        cur.renewals = (cur.renewals ?? 0) + 1;
        return { ok: true, token: cur.token, holder: cur.owner };
      case 'expire':
        // Only the grant the leader's timer was about: a later grant of the same name is untouched.
        if (cur && cur.token === cmd.token) this.locks.delete(cmd.name);
        return { ok: true, token: cmd.token, holder: cur?.owner ?? '' };
    }
  }

  /** Leases as the leader's timers need them; `renewals` changes on every renew so the leader restarts the timer. */
  leases(): { name: string; token: number; ttlMs: number; renewals: number }[] {
    return [...this.locks].map(([name, h]) => ({ name, token: h.token, ttlMs: h.ttlMs, renewals: h.renewals ?? 0 }));
  }

  snapshot(): [string, Held][] {
    return [...this.locks];
  }

  restore(s: [string, Held][]): void {
    this.locks = new Map(s);
  }
}

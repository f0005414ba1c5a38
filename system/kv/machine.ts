// The replicated key/value state machine. Commands arrive through the Raft log in the same order on every
// replica, so apply() must be deterministic: no clocks, no randomness. Client sessions (diss. §6.3) make a
// retried write apply once: a client numbers its writes, and a command whose sequence number was already
// applied returns the recorded result instead of applying again. Fencing tokens (the lock issue) let the store
// refuse a write from a lock holder whose lease was superseded.
import type { Fence, Json, KvCasMismatch, KvFenced, KvOk } from '../node/api.js';
import { jsonEqual } from './json.js';

export { jsonEqual };

export type KvCommand =
  /** A read through the log, used when it carries a fencing token: the token must be registered in log order
   *  before the value is returned, or a stale holder's later write could still slip in (read-modify-write). */
  | { op: 'read'; key: string; fence?: Fence; client?: string; seq?: number }
  | { op: 'write'; key: string; value: Json; client?: string; seq?: number; fence?: Fence }
  | { op: 'cas'; key: string; from: Json; to: Json; client?: string; seq?: number; fence?: Fence };

export type KvResult = KvOk | KvCasMismatch | KvFenced;

interface Session {
  seq: number;
  result: KvResult;
}

export interface KvSnapshot {
  data: [string, Json][];
  sessions: [string, Session][];
  fences: [string, number][];
}

export class KvMachine {
  constructor(private readonly o: { ignoreFences?: boolean } = {}) {}

  private data = new Map<string, Json>();
  private sessions = new Map<string, Session>();
  private fences = new Map<string, number>();

  read(key: string): Json {
    return this.data.has(key) ? this.data.get(key)! : null;
  }

  apply(cmd: KvCommand, index: number): KvResult {
    if (cmd.client !== undefined && cmd.seq !== undefined) {
      const s = this.sessions.get(cmd.client);
      if (s && cmd.seq <= s.seq) {
        // A retry of something already applied: same answer, no second effect. (An older seq than the last
        // can only come from a client that gave up on it; answering with the latest result is safe because the
        // client no longer waits for it.)
        return s.result;
      }
    }
    const result = this.applyOnce(cmd, index);
    if (cmd.client !== undefined && cmd.seq !== undefined) this.sessions.set(cmd.client, { seq: cmd.seq, result });
    return result;
  }

  private applyOnce(cmd: KvCommand, index: number): KvResult {
    if (cmd.fence && !this.o.ignoreFences) {
      const highest = this.fences.get(cmd.fence.lock) ?? 0;
      if (cmd.fence.token < highest) return { ok: false, error: 'fenced', highest };
      this.fences.set(cmd.fence.lock, cmd.fence.token);
    }
    switch (cmd.op) {
      case 'read':
        return { ok: true, value: this.read(cmd.key), index };
      case 'write':
        this.data.set(cmd.key, cmd.value);
        return { ok: true, index };
      case 'cas': {
        const cur = this.read(cmd.key);
        if (!jsonEqual(cur, cmd.from)) return { ok: false, error: 'cas-mismatch', value: cur };
        this.data.set(cmd.key, cmd.to);
        return { ok: true, index };
      }
    }
  }

  snapshot(): string {
    const s: KvSnapshot = { data: [...this.data], sessions: [...this.sessions], fences: [...this.fences] };
    return JSON.stringify(s);
  }

  restore(text: string): void {
    if (text === '') {
      this.data = new Map();
      this.sessions = new Map();
      this.fences = new Map();
      return;
    }
    const s = JSON.parse(text) as KvSnapshot;
    this.data = new Map(s.data);
    this.sessions = new Map(s.sessions);
    this.fences = new Map(s.fences);
  }

  get size(): number {
    return this.data.size;
  }
}

// The state machine of one shard's Raft group: its keys, its locks and its transactions (system/txn: a
// keyspace of its own, so that /kv's sessions and fences and /txn's locks never meet on one key). Lock names
// and keys live in the shard their hash picks, so a lock and the fencing check on the data it protects are
// decided by the same log order only when they hash together; across shards the fencing check uses the
// highest token the data's shard has seen, which is what Kleppmann's argument needs (tokens only ever increase
// per lock name).
import { KvMachine, type KvCommand, type KvResult } from '../kv/machine.js';
import { LockMachine, type LockCommand, type LockResult } from '../lock/machine.js';
import type { InvalidCommand } from '../node/api.js';
import { TxnMachine, type TxnCommand, type TxnResult, type TxnSnapshot } from '../txn/machine.js';
import { validateCommand } from './validate.js';

export type ShardCommand =
  | ({ kind: 'kv' } & KvCommand)
  | ({ kind: 'lock' } & LockCommand)
  | ({ kind: 'txn' } & TxnCommand);
export type ShardResult = KvResult | LockResult | TxnResult | InvalidCommand;

export interface ShardMachineOptions {
  /** Planted bug "lock-no-fence": writes carrying a fencing token are never refused. */
  ignoreFences?: boolean;
  /** Planted bug "lease-local-clock": leases expire by this replica's wall clock at apply time. */
  localClockLeases?: boolean;
  /** Planted bug "release-any-owner": a lock release is honoured without checking owner and token. */
  releaseAnyOwner?: boolean;
  /** Planted bug "txn-read-uncommitted-lock": transactional reads take no lock and read past write locks. */
  txnReadUncommitted?: boolean;
  /** Planted bug "2pc-unlock-before-decision": a participant releases its locks when it votes. */
  txnUnlockAtVote?: boolean;
}

export class ShardMachine {
  readonly kv: KvMachine;
  readonly locks: LockMachine;
  readonly txn: TxnMachine;

  constructor(o: ShardMachineOptions = {}) {
    this.kv = new KvMachine({ ignoreFences: o.ignoreFences });
    this.locks = new LockMachine({ localClockLeases: o.localClockLeases, releaseAnyOwner: o.releaseAnyOwner });
    this.txn = new TxnMachine({ readUncommitted: o.txnReadUncommitted, unlockAtVote: o.txnUnlockAtVote });
  }

  /**
   * Never throws: a command that cannot apply gets the same error result on every replica, because the check is
   * a pure function of the command (validateCommand) and nothing after it recurses on client data. The catch is
   * a last line of defence so that one entry can never kill the shard for good (issue 14, item 1).
   */
  apply(cmd: ShardCommand, index: number): ShardResult {
    const bad = validateCommand(cmd);
    if (bad) return { ok: false, error: 'invalid-command', message: bad };
    try {
      if (cmd.kind === 'lock') return this.locks.apply(cmd, index);
      if (cmd.kind === 'txn') return this.txn.apply(cmd);
      return this.kv.apply(cmd, index);
    } catch (e) {
      return { ok: false, error: 'invalid-command', message: `cannot apply: ${(e as Error).message}` };
    }
  }

  read(key: string): ReturnType<KvMachine['read']> {
    return this.kv.read(key);
  }

  snapshot(): string {
    return JSON.stringify({ kv: this.kv.snapshot(), locks: this.locks.snapshot(), txn: this.txn.snapshot() });
  }

  restore(text: string): void {
    if (text === '') {
      this.kv.restore('');
      this.locks.restore([]);
      this.txn.restore(undefined);
      return;
    }
    const s = JSON.parse(text) as { kv: string; locks: ReturnType<LockMachine['snapshot']>; txn?: TxnSnapshot };
    this.kv.restore(s.kv);
    this.locks.restore(s.locks);
    this.txn.restore(s.txn);
  }
}

// What a fault kind is (Jepsen's nemesis package): how to start one fault on the runtime and stop it, and the
// final heal of its kind; and what it is handed (FaultContext: the runtime, the nodes, the target's hooks). The
// kinds themselves are in faults.ts and membership.ts; aim.ts picks their victims.
import type { Random } from '../generator/random.js';
import type { Runtime } from '../runtime/types.js';
import type { MembershipHow, MembershipOp } from '../target/types.js';

export interface FaultContext {
  runtime: Runtime;
  nodes: string[];
  rnd: Random;
  /** The current leader as the nodes report it: of the shard `key` lives on when given, else of any group. */
  leader(key?: string): Promise<string | undefined>;
  /** The key clients used most among their recent operations (undefined before any keyed operation). */
  hotKey(): string | undefined;
  /** The target's election timeout, ms (pause-leader-long outlasts it several times). Default 1000. */
  electionTimeoutMs?: number;
  /**
   * The target's membership hook bound to this run's nodes and options (Target.membership): resolves with what
   * changed once in effect, rejects with one line past its deadline. Absent when the target has none (then
   * the `membership` kind is refused before the run). `how.via`: a directed change (Target.membership).
   */
  membership?(op: MembershipOp, node: string, how?: MembershipHow): Promise<Record<string, unknown>>;
}

export interface ActiveFault {
  /** What was done, for the history (`value` of the nemesis event). */
  value: Record<string, unknown>;
  stop(): Promise<Record<string, unknown>>;
}

export interface FaultKind {
  name: string;
  /** The shapes (modes) this kind picks from; a package may restrict them. */
  shapes: readonly string[];
  /** Shapes taken only when named (`kill:all`): too blunt for the default mix. */
  optIn?: readonly string[];
  /** Event names in the history: start-<name> / stop-<name>. `shape` is one of `shapes`. */
  start(ctx: FaultContext, shape: string): Promise<ActiveFault>;
  /** The package's final heal: undo anything of this kind on every node (idempotent). */
  heal(ctx: FaultContext): Promise<void>;
}

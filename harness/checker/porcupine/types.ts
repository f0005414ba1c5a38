// The contract of our Porcupine port. Pure data and pure functions only: no I/O, no dependencies, so the
// checker can run on worker threads and in the browser-free report builder alike.

/**
 * A sequential specification. `step` must be pure: it returns whether `output` is a legal answer to `input`
 * in `state`, and the state afterwards. States must be treated as immutable. The returned pair may be reused by
 * the model's next step: read it at once, never keep it.
 */
export interface Model<S = unknown, I = unknown, O = unknown> {
  init(): S;
  step(state: S, input: I, output: O): [boolean, S];
  /** Defaults to ===. Must agree with hash: equal states have equal hashes. */
  equal?(a: S, b: S): boolean;
  /**
   * True when the operation never changes any state (a read). The search then linearizes it as soon as it is
   * legal, without keeping the alternative of placing it later: that alternative can never succeed where this
   * one failed (search.ts). Optional; without it every operation is a choice point, as in Porcupine.
   */
  readOnly?(input: I, output: O): boolean;
  /**
   * True when the step accepts the operation in every state (an outcome nobody saw: Jepsen's info). Such an
   * operation that never returned can always go last, so the search never places it where it changes nothing,
   * and stops as soon as only such operations are left (search.ts). Optional.
   */
  alwaysLegal?(input: I, output: O): boolean;
  /**
   * True when the operation, whose step is illegal in `state`, can never become legal: in no state reachable
   * from `state` (by operations of the same partition not yet applied). The search then abandons the prefix
   * at once instead of when the operation's return is reached. Must never be true wrongly; optional.
   */
  hopeless?(state: S, input: I, output: O): boolean;
  /** A cheap hash of a state for the (linearized-set, state) cache; defaults to a constant. */
  hash?(state: S): number;
  /** P-compositionality: split a history into independently checkable sub-histories (e.g. by key). */
  partition?(history: Operation<I, O>[]): Operation<I, O>[][];
  partitionEvent?(history: Event<I, O>[]): Event<I, O>[][];
  /**
   * A fast decision procedure for the histories it recognises (unique register values: unique/unique-register.ts):
   * the verdict for one partition, whose ops are sorted by call, or undefined to fall back to the search.
   */
  decide?(ops: readonly Operation<I, O>[], computeInfo: boolean): PartitionDecision | undefined;
  describeOperation?(input: I, output: O): string;
  describeState?(state: S): string;
}

/**
 * An operation with logical call/return times. `ret` may be Infinity: "may take effect at any later time, or never".
 */
export interface Operation<I = unknown, O = unknown> {
  clientId: number;
  input: I;
  call: number;
  output: O;
  ret: number;
  /** Optional back-reference to the source history (index of the invoke event), for the report. */
  ref?: number;
}

export type EventKind = 'call' | 'return';

export interface Event<I = unknown, O = unknown> {
  clientId: number;
  kind: EventKind;
  /** Input for a call, output for a return. */
  value: I | O;
  /** Matches a call with its return. */
  id: number;
  ref?: number;
}

export type CheckVerdict = 'ok' | 'illegal' | 'unknown';

/**
 * What Model.decide returns: a verdict and, when illegal, a legal prefix (op indexes) and the ops
 * that could not follow.
 */
export interface PartitionDecision {
  verdict: 'ok' | 'illegal';
  order?: Linearization;
  offending?: number[];
  reason?: string;
}

export interface CheckOptions {
  /**
   * Give up after this many milliseconds (0 or undefined: never). Gives "unknown" unless a partition proved "illegal".
   */
  timeoutMs?: number;
  /** Compute the longest partial linearizations for illegal partitions (default true). */
  computeInfo?: boolean;
  /**
   * Memory for the search's caches of visited configurations, all partitions together, in bytes (default
   * DEFAULT_CACHE_BYTES). A cache that reaches it is emptied and refilled: the search slows down, never fails.
   */
  cacheBytes?: number;
}

/** One partial linearization: the ids (indexes into PartitionInfo.ops) in linearization order. */
export type Linearization = number[];

export interface PartitionInfo {
  verdict: CheckVerdict;
  /** Operations of this partition, in call order. */
  ops: Operation[];
  /**
   * For an illegal partition: the longest partial linearizations found (each maximal, distinct sets), and for
   * each one the states after every step (described with the model's describeState when it has one).
   */
  longest?: { order: Linearization; states: string[] }[];
  /** For an illegal partition: indexes into ops of the operations that could not be placed next. */
  offending?: number[];
  /** How the verdict was reached: the general search, or a model's decision procedure (Model.decide). */
  method?: 'search' | 'decide';
  /** Search effort, for the report and the benchmark. */
  steps?: number;
  /** Search only: the most operations it had linearized at once (of ops.length): progress when unknown. */
  deepest?: number;
  ms?: number;
}

export interface CheckResult {
  verdict: CheckVerdict;
  partitions: PartitionInfo[];
  ms: number;
  /** Times a search cache was emptied because the memory budget (CheckOptions.cacheBytes) was reached. */
  cacheEvictions?: number;
}

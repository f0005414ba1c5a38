// Shapes shared by the transactional checker's parts, and its result.
import type { Validity } from '../results.js';
import type { EdgeList } from './graph.js';

export type TxnModel = 'list-append' | 'rw-register';
export const TXN_MODELS: readonly TxnModel[] = ['list-append', 'rw-register'];

export interface TxnCheckOptions {
  /** Elle's :consistency-models (friendly or canonical names); undefined: strict-serializable; null: none. */
  consistencyModels?: readonly string[] | null;
  /** Elle's :anomalies: also look for these and everything that implies them. */
  anomalies?: readonly string[];
  /** rw-register: infer each key's version order from real time (keys are linearizable). */
  linearizableKeys?: boolean;
  /** rw-register: infer each key's version order from each process's order (keys are sequential). */
  sequentialKeys?: boolean;
  /** rw-register: within a transaction, writes follow reads (a read of x then a write of x orders them). */
  wfrKeys?: boolean;
  /** rw-register: completion :index -> commit position, a known total order of transactions. */
  transactionOrder?: Readonly<Record<string, number>>;
  /** Budget of the cycle search, per strongly connected component and anomaly type (default 1000 ms, as Elle). */
  cycleSearchMs?: number;
  /** Budget in search steps (edges followed) per component and anomaly type, so results do not depend on load. */
  cycleSearchSteps?: number;
  /** performance.now() past which every cycle search stops (check --timeout); what was not searched is unknown. */
  deadline?: number;
}

/** A transaction as the result names it: T1, T2, ... in each explanation, with links into the history. */
export interface TxnRef {
  name: string;
  /** The `index` of its completion (of its invoke when it never completed). */
  index: number;
  invokeIndex: number;
  process: number;
  type: 'ok' | 'info' | 'fail';
  /** Its micro-ops as recorded. */
  value: unknown;
}

/** One step of a cycle: why `from` precedes `to`. */
export interface CycleStep {
  /** Positions in the cycle's txns. */
  from: number;
  to: number;
  /** The dependency that explains the step (ww, wr, rw, process, realtime). */
  rel: string;
  /** Every kind of edge between the two, in case a report wants to show them. */
  rels: string[];
  key?: unknown;
  value?: unknown;
  value2?: unknown;
  /** "T2 read T1's append of 3 to key 7, so T1 precedes T2". */
  text: string;
}

export interface CycleAnomaly {
  type: string;
  txns: TxnRef[];
  steps: CycleStep[];
  /** What a drawing needs: nodes by name with their history index, edges with their kinds. */
  graph: { nodes: { id: string; index: number }[]; edges: { from: string; to: string; rels: string[] }[] };
}

/** A non-cycle anomaly (G1a, G1b, internal, ...), or a proof that a cycle exists somewhere, or a timeout. */
export interface CaseAnomaly {
  type: string;
  /** A sentence for a person. */
  text: string;
  /** History indexes of the operations involved (what the report links to). */
  ops: number[];
  key?: unknown;
  /** Anything more the case carries (values, expected state, sizes). */
  data?: Record<string, unknown>;
}

export type Anomaly = CycleAnomaly | CaseAnomaly;

export function isCycle(a: Anomaly): a is CycleAnomaly {
  return (a as CycleAnomaly).steps !== undefined;
}

export interface TxnCheckResult {
  model: TxnModel;
  valid: Validity;
  /** Elle's :anomaly-types: what was found and asked about, sorted as Elle sorts them. */
  anomalyTypes: string[];
  /** The anomalies behind anomalyTypes, at most MAX_CASES of each type. */
  anomalies: Record<string, Anomaly[]>;
  /** How many of each type were found (before the cap). */
  counts: Record<string, number>;
  /** Every anomaly type found, whether asked about or not. */
  found: string[];
  /** Elle's :not and :also-not: the weakest models ruled out, and the stronger ones they take along. */
  not: string[];
  alsoNot: string[];
  /** Why the checker could not decide (e.g. duplicate appends), when valid is 'unknown' for that reason. */
  error?: string;
  stats: TxnStats;
}

export interface TxnStats {
  txns: number;
  ok: number;
  info: number;
  fail: number;
  keys: number;
  edges: Record<string, number>;
  sccs: number;
  largestScc: number;
  ms: { index: number; infer: number; graph: number; cycles: number; total: number };
}

/** What a model's inference hands the graph and the explainer. */
export interface Inference {
  /** ww, wr and rw edges between transaction ids. */
  edges: EdgeList;
  /** Non-cycle anomalies found on the way. */
  cases: Map<string, CaseAnomaly[]>;
  /** The order in which Elle's combined explainer tries the data kinds (rels.ts bits). */
  priority: readonly number[];
  /** Why a step a -> b holds for one data kind: the key and values, or undefined. */
  explain(a: number, b: number, rel: number): { key: unknown; value?: unknown; value2?: unknown } | undefined;
  /** Set when the history cannot be analysed (Elle throws {:valid? :unknown}). */
  error?: string;
}

/** Most cases of one type kept in a result (counts say how many there were). */
export const MAX_CASES = 32;

/** Cases grouped by type, and the function that adds one (what every anomaly pass builds). */
export function caseMap(): { cases: Map<string, CaseAnomaly[]>; add: (c: CaseAnomaly) => void } {
  const cases = new Map<string, CaseAnomaly[]>();
  return {
    cases,
    add: (c) => {
      const l = cases.get(c.type);
      if (l) l.push(c);
      else cases.set(c.type, [c]);
    },
  };
}

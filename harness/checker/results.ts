// What every checker returns, and how verdicts merge: invalid beats unknown beats valid (DESIGN.md).
import type { CheckResult } from './porcupine/types.js';

export type Validity = true | false | 'unknown';

export interface CheckerOutcome {
  /** "linearizable", "fenced-counter", ... */
  checker: string;
  valid: Validity;
  model?: string;
  /** Client operations considered. */
  ops: number;
  ms: number;
  partitions?: number;
  /** The porcupine result, for the report's timeline (linearizability checkers). */
  linearizability?: CheckResult;
  /** Checker-specific findings (human-readable lines and structured data). */
  details?: unknown;
  /** Why a checker could not run (counts as unknown). */
  error?: string;
}

export interface Results {
  valid: Validity;
  checkers: CheckerOutcome[];
}

export function mergeValidity(vs: Iterable<Validity>): Validity {
  let out: Validity = true;
  for (const v of vs) {
    if (v === false) return false;
    if (v === 'unknown') out = 'unknown';
  }
  return out;
}

/** Exit codes of `run` and `check`: 0 valid, 1 invalid, 2 unknown, 3 the run or the input itself failed. */
export function exitCodeFor(v: Validity): 0 | 1 | 2 {
  return v === true ? 0 : v === false ? 1 : 2;
}

// What every checker returns, how verdicts merge (invalid beats unknown beats valid, DESIGN.md), and how a verdict
// is said: one word and one exit code for every command.
import type { CheckResult } from './porcupine/types.js';

export type Validity = true | false | 'unknown';

/** A run's verdict: what its checkers found, or 'error' when the run itself failed. */
export type Verdict = Validity | 'error';

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

/** Worst first: a failed run (3) > invalid (1) > unknown (2) > valid (0). */
const RANK: Record<string, number> = { error: 3, false: 2, unknown: 1, true: 0 };

export function worst(vs: readonly Verdict[]): Verdict {
  let w: Verdict = true;
  for (const v of vs) if (RANK[String(v)] > RANK[String(w)]) w = v;
  return w;
}

/** A run's exit code: its validity's, or 3 when the run itself failed. */
export function exitCode(v: Verdict): number {
  return v === 'error' ? 3 : exitCodeFor(v);
}

/**
 * The verdict as one word, the same wherever a command prints it: capitals on a line of its own (VALID, INVALID,
 * UNKNOWN, ERROR); in a listing (`check`'s line per file) a valid one is lower case, so the few that need a look
 * stand out.
 */
export function verdictWord(v: Verdict, o: { listing?: boolean } = {}): string {
  if (v === true) return o.listing ? 'valid' : 'VALID';
  return v === false ? 'INVALID' : v === 'unknown' ? 'UNKNOWN' : 'ERROR';
}

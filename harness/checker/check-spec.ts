// What a history is checked with: the linearizability model, the checkers by name, the time budget. A run
// records it (test.json's "checks", the history header's "checkers"), so that `faultline check DIR` checks a
// saved history with exactly what its run used; the check pipeline (harness/check/) turns it into checkers.

/** What a history is checked with; recorded by `run` so a re-check uses exactly the same. */
export interface CheckSpec {
  /** The workload whose own checkers run (its name is their checker name), if any. */
  workload?: string;
  /** Linearizability model (harness/checker/models); none: no linearizability checker. */
  model?: string;
  /** Checker names in order: "linearizable", a workload name (its own checkers), "stats". */
  checkers: string[];
  /** Time budget of the linearizability search, ms (0: none). */
  timeoutMs: number;
  /** Initial register value for models that take one (check --init); not recorded by runs. */
  init?: unknown;
}

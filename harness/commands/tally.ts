// The count of verdicts a command that ran several tests ends with, the same for `run --test-count` and
// `test-all`: "3 runs: 2 valid, 1 invalid (seed 7), 0 unknown", naming the seeds that need a look (those are
// what `--seed` reruns). Valid, invalid and unknown are always counted, so a zero is said, not left out; failed
// runs only when there were some.
import type { Verdict } from '../checker/results.js';
import { plural } from '../words.js';

/** Seeds named per verdict at most; the rest are counted ("seeds 1, 2, 3, … and 4 more"). */
const MAX_SEEDS = 8;

function seeds(xs: readonly number[]): string {
  if (xs.length === 0) return '';
  const shown = xs.slice(0, MAX_SEEDS).join(', ');
  const more = xs.length > MAX_SEEDS ? ` and ${xs.length - MAX_SEEDS} more` : '';
  return ` (${xs.length === 1 ? 'seed' : 'seeds'} ${shown}${more})`;
}

export function tally(runs: readonly { verdict: Verdict; seed: number }[]): string {
  const of = (v: Verdict): number[] => runs.filter((r) => r.verdict === v).map((r) => r.seed);
  const invalid = of(false);
  const unknown = of('unknown');
  const error = of('error');
  const parts = [
    `${of(true).length} valid`,
    `${invalid.length} invalid${seeds(invalid)}`,
    `${unknown.length} unknown${seeds(unknown)}`,
    ...(error.length ? [`${plural(error.length, 'error')}${seeds(error)}`] : []),
  ];
  return `${plural(runs.length, 'run')}: ${parts.join(', ')}`;
}

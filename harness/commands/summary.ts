// The end-of-matrix summary: a plain table for the terminal and a Markdown one for CI job summaries
// (GitHub Actions appends $GITHUB_STEP_SUMMARY to the run's page).
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { safeText } from './errors.js';
import { verdictWord, worst, type Verdict } from '../checker/results.js';
import { tally } from './tally.js';
import type { Executed } from './execute.js';

export interface Row {
  test: string;
  x: Executed;
}

const verdicts = (rows: readonly Row[]): Verdict[] => rows.map((r) => r.x.verdict);

/** The tally line of a matrix (tally.ts), the same words as `run --test-count` ends with. */
export const tallyOf = (rows: readonly Row[]): string =>
  tally(rows.map((r) => ({ verdict: r.x.verdict, seed: r.x.options.seed })));

function cells(r: Row): string[] {
  const folder = r.x.dir ? relative(process.cwd(), r.x.dir) || '.' : `(no folder: ${r.x.error ?? ''})`;
  return [verdictWord(r.x.verdict), r.test, String(r.x.options.seed), `${r.x.seconds.toFixed(1)} s`, folder].map(
    safeText,
  );
}

export function textTable(rows: readonly Row[]): string {
  const head = ['verdict', 'test', 'seed', 'duration', 'folder'];
  const body = rows.map(cells);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cs: string[]): string => cs.map((c, i) => (i === cs.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [fmt(head), ...body.map(fmt), '', `${tallyOf(rows)}; overall ${verdictWord(worst(verdicts(rows)))}`].join(
    '\n',
  );
}

const md = (s: string): string => s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '## faultline test-all',
    '',
    `Overall: **${verdictWord(worst(verdicts(rows)))}** (${tallyOf(rows)})`,
    '',
    '| verdict | test | seed | duration | folder |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${verdictWord(r.x.verdict)} | ${md(r.test)} | ${r.x.options.seed} | ` +
        `${r.x.seconds.toFixed(1)} s | ${md(r.x.dir ? relative(process.cwd(), r.x.dir) : (r.x.error ?? ''))} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Appends the Markdown summary to $GITHUB_STEP_SUMMARY when CI set it; a failure is only a warning. */
export function writeStepSummary(rows: readonly Row[], warn: (s: string) => void): void {
  const p = process.env.GITHUB_STEP_SUMMARY;
  if (!p) return;
  try {
    appendFileSync(p, markdownTable(rows));
  } catch (e) {
    warn(`could not write $GITHUB_STEP_SUMMARY: ${(e as Error).message}`);
  }
}

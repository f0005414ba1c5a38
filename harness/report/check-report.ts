// The page `faultline check --out DIR` (and `shrink`) writes: per file the verdict, the other checkers, each
// failing partition's longest linearizable prefix as a table (readable without the script), and the history
// explorer with the failing partitions as views, the offending operation shown on opening.
import type { FileReportInput } from '../check/check-history.js';
import { showValue } from '../history/show.js';
import { reportAssets } from './client-script.js';
import { explorerData } from './explorer-data.js';
import { HISTORY_CSS, historySection } from './history-section.js';
import { esc, num, page, verdictHtml } from './html.js';
import { unknownWording } from './run-report.js';
import { illegalPartitions, renderLongest, safeDescribe } from './longest-prefix.js';

function otherCheckers(f: FileReportInput): string {
  if (!f.others || f.others.length === 0) return '';
  const items = f.others.map((c) => {
    const problems = (c.details as { problems?: unknown[] } | undefined)?.problems;
    const first =
      Array.isArray(problems) && problems.length > 0
        ? ` — <code>${esc(typeof problems[0] === 'string' ? problems[0] : showValue(problems[0], 300))}</code>`
        : '';
    return (
      `<li>checker <code>${esc(c.checker)}</code>: ${verdictHtml(c.valid)}` +
      `${c.error ? ` <span class="muted">${esc(c.error)}</span>` : ''}${first}</li>`
    );
  });
  return `<ul>${items.join('')}</ul>`;
}

export function renderFile(f: FileReportInput, i: number): string {
  const describe = safeDescribe(f.model);
  const parts = f.result.partitions;
  const unknown = parts.filter((p) => p.verdict === 'unknown').length;
  const illegal = illegalPartitions(f.result);
  const unknownNote =
    unknown > 0
      ? `<p class="${illegal.length ? 'muted' : 'unknown'}">` +
        `${unknownWording(unknown, illegal.length > 0, undefined)}</p>`
      : '';
  const prefixes = illegal
    .map(({ p, title }) => `<h3>${esc(title)}: ${verdictHtml(false)}</h3>${renderLongest(p, describe)}`)
    .join('');
  const data = explorerData({
    events: f.events ?? [],
    model: f.model !== '-' ? f.model : undefined,
    init: f.init,
    lin: f.result,
  });
  return (
    `<div class="fl-file"><div class="card"><h2>${esc(f.file)}</h2>
<p>${verdictHtml(f.valid)} — model <code>${esc(f.model)}</code>, ` +
    `format <code>${esc(f.format)}</code>, ${num(f.ops)} operations,
${num(parts.length)} partition${parts.length === 1 ? '' : 's'}, checked in ${num(f.ms, 1)} ms</p>
${otherCheckers(f)}${unknownNote}${prefixes}</div>` +
    `${f.events ? historySection(`f${i}-history`, data) : ''}</div>`
  );
}

export function renderCheckReport(input: { files: FileReportInput[]; title?: string }): string {
  const rows = input.files.map(
    (f) =>
      `<tr><td><code>${esc(f.file)}</code></td><td>${verdictHtml(f.valid)}</td>` +
      `<td>${esc(f.model)}</td><td>${num(f.ops)}</td><td>${num(f.result.partitions.length)}</td>` +
      `<td>${num(f.ms, 1)}</td></tr>`,
  );
  const assets = reportAssets();
  const body =
    `<h1>${esc(input.title ?? 'faultline check')}</h1>` +
    `<p class="muted">${num(input.files.length)} file${input.files.length === 1 ? '' : 's'}. ` +
    `Hover an operation for a summary, click it for its details.</p>
<table><tr><th>file</th><th>verdict</th><th>model</th><th>ops</th><th>partitions</th><th>ms</th></tr>` +
    `${rows.join('')}</table>
${input.files.map((f, i) => renderFile(f, i)).join('\n')}${assets.scripts}`;
  return page(input.title ?? 'faultline check', body, assets.css + HISTORY_CSS);
}

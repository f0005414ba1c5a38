// report.html of a run: the verdict, the offending operation and the command that reruns the run at the top; the
// options as flags; throughput and latency with the faults and the violation marked; the history explorer (the
// whole history, each failing partition with its longest linearizable prefix, each key); outcome counts; each
// checker's result. Everything from histories, results and logs is escaped; the page runs only its own scripts.
import type { OpStats } from '../checker/stats.js';
import { firstOffending } from '../check/pipeline.js';
import type { Results } from '../checker/results.js';
import type { HistoryEvent } from '../history/op.js';
import type { Test } from '../store/test.js';
import { esc, num, page, verdictHtml } from './html.js';
import { showValue } from '../history/show.js';
import { reportAssets } from './client-script.js';
import { explorerData, type ExplorerData } from './explorer-data.js';
import { HISTORY_CSS, historySection, opsLink } from './history-section.js';
import { illegalPartitions, MAX_INVALID_WRITTEN, renderLongest, safeDescribe } from './longest-prefix.js';
import { optionsTable, rerunCard, RERUN_CSS } from './run-header.js';

export interface RunReportInput {
  test: Test;
  events: readonly HistoryEvent[];
  results: Results;
  /** Node names whose logs are at nodes/<name>/node.log. */
  nodes: string[];
  /** The command line that reruns the test (harness/commands/command-line.ts). */
  command: string;
  /** The run's options as the flags of that command line, in its order (the report lists them as flag and value). */
  flags: string[];
}

/** Tells "not checked because another key already failed" from "the checker ran out of time". */
export function unknownWording(n: number, anotherFailed: boolean, budgetS: number | undefined): string {
  const keys = `${num(n)} other key${n === 1 ? '' : 's'}`;
  if (anotherFailed)
    return (
      `${keys} not checked: another key had already failed, which settles the verdict ` +
      '(the search stops at the first invalid key).'
    );
  return (
    `${num(n)} key${n === 1 ? '' : 's'} undecided: the checker ran out of time` +
    `${budgetS ? ` (budget ${num(budgetS)} s, --check-timeout)` : ''}.`
  );
}

function checkerCard(c: Results['checkers'][number], test: Test): string {
  let body =
    `<p>${verdictHtml(c.valid)} — ${num(c.ops)} operations` +
    `${c.model ? `, model <code>${esc(c.model)}</code>` : ''}` +
    `${c.partitions !== undefined ? `, ${num(c.partitions)} partitions (keys)` : ''}, ${num(c.ms, 1)} ms</p>`;
  if (c.error)
    body +=
      c.valid === 'unknown'
        ? `<p class="unknown">unknown: ${esc(c.error)}</p>`
        : `<p class="invalid">checker error: ${esc(c.error)}</p>`;
  const d = c.details as { problems?: unknown[]; problemCount?: number } | undefined;
  if (d && Array.isArray(d.problems) && d.problems.length > 0) {
    const items = d.problems.map((p) => `<li><code>${esc(typeof p === 'string' ? p : showValue(p, 500))}</code></li>`);
    body += `<p>${num(d.problemCount ?? d.problems.length)} problem(s):</p><ul>${items.join('')}</ul>`;
  }
  if (d && c.checker !== 'stats' && !Array.isArray(d.problems)) body += `<pre>${esc(showValue(d, 2000))}</pre>`;
  else if (d && Array.isArray(d.problems)) {
    const { problems: _p, ...rest } = d as Record<string, unknown>;
    body += `<p class="muted"><code>${esc(showValue(rest, 2000))}</code></p>`;
  }
  const lin = c.linearizability;
  if (lin && c.model) {
    const describe = safeDescribe(c.model);
    const bad = illegalPartitions(lin);
    const illegal = lin.partitions.filter((p) => p.verdict === 'illegal').length;
    const unknown = lin.partitions.filter((p) => p.verdict === 'unknown').length;
    if (unknown > 0)
      body +=
        `<p class="${bad.length > 0 ? 'muted' : 'unknown'}">` +
        `${unknownWording(unknown, bad.length > 0, test.options.checkTimeoutS)}</p>`;
    for (const { p, title } of bad)
      body +=
        `<h3>${esc(title)}: ${verdictHtml(false)} <span class="muted">${num(p.ops.length)} ops</span></h3>` +
        renderLongest(p, describe);
    if (illegal > MAX_INVALID_WRITTEN)
      body +=
        `<p class="muted">${num(illegal - MAX_INVALID_WRITTEN)} ` +
        'more invalid partitions not written out (see results.json and the explorer).</p>';
  }
  return `<div class="card"><h3>checker: ${esc(c.checker)}</h3>${body}</div>`;
}

function faultList(data: ExplorerData): string {
  const items = data.faults.map((f) => `<li>${num(f.start, 1)}–${num(f.end, 1)} s: <code>${esc(f.label)}</code></li>`);
  return `<h3>Faults</h3>${items.length ? `<ul>${items.join('')}</ul>` : '<p class="muted">none</p>'}`;
}

/** The run report's styles after html.ts's BASE_CSS (report-sources.ts hashes the same text for serve's policy). */
export function runReportCss(): string {
  return reportAssets().css + HISTORY_CSS + RERUN_CSS;
}

export function renderRunReport(r: RunReportInput): string {
  const { test, results } = r;
  const lin = results.checkers.find((c) => c.linearizability && c.model);
  const data = explorerData({ events: r.events, model: lin?.model, lin: lin?.linearizability });
  const stats = results.checkers.find((c) => c.checker === 'stats')?.details as OpStats | undefined;
  const countRows = stats
    ? Object.entries(stats.byF)
        .map(
          ([f, s]) =>
            `<tr><td><code>${esc(f)}</code></td><td>${num(s.ok)}</td>` +
            `<td>${num(s.fail)}</td><td>${num(s.info)}</td></tr>`,
        )
        .join('')
    : '';
  const off = results.valid === false ? firstOffending(results) : undefined;
  const offIndex = data.offending !== undefined ? data.ii[data.offending] : undefined;
  const when =
    offIndex !== undefined && data.plots ? ` <span class="muted">at ${num(data.inv[data.offending!], 3)} s</span>` : '';
  const offending = off
    ? '<p class="invalid">offending operation: ' +
      `${offIndex !== undefined ? `<a href="#" ${opsLink([offIndex])}>` : ''}` +
      `<code>${esc(off.text)}</code>${offIndex !== undefined ? '</a>' : ''}${when}</p>`
    : '';
  const logs = r.nodes.map((n) => `<a href="nodes/${esc(n)}/node.log">${esc(n)}</a>`).join(' · ');
  const assets = reportAssets();
  const body =
    `<h1>${esc(test.name)}: ${verdictHtml(results.valid)}</h1>
<p class="muted">started ${esc(test.startedAt)}${test.finishedAt ? `, finished ${esc(test.finishedAt)}` : ''} ` +
    `· target ${esc(test.target?.name ?? '?')} · runtime ${esc(test.runtime)} · seed ${esc(test.options.seed)} ` +
    `· node ${esc(test.versions.node)}` +
    `${test.interrupted ? ` · <span class="unknown">stopped early: ${esc(test.interrupted)}</span>` : ''}</p>
${test.error ? `<p class="invalid">run error: ${esc(test.error)}</p>` : ''}
${offending}
${rerunCard(r.command)}
<div class="card"><h2>Options</h2>${optionsTable(r.flags, test)}</div>
${historySection('run-history', data)}
<div class="card">${faultList(data)}</div>
<div class="card"><h2>Operations</h2>` +
    `<table><tr><th>f</th><th>ok</th><th>fail</th><th>info</th></tr>${countRows}</table></div>
<h2>Checkers</h2>${results.checkers.map((c) => checkerCard(c, test)).join('')}
<div class="card"><h2>Files</h2><p><a href="history.jsonl">history.jsonl</a> · ` +
    '<a href="results.json">results.json</a> · <a href="test.json">test.json</a> · ' +
    '<a href="harness.log">harness.log</a></p>' +
    `<p>node logs: ${logs}</p></div>${assets.scripts}`;
  return page(`faultline: ${test.name}`, body, runReportCss());
}

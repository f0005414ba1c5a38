// report.html of a run: verdict and every option at the top, throughput and latency over time with faults
// shaded, outcome counts per operation, each checker's result, and for an invalid key the Porcupine-style
// timeline with the operation that could not be linearized. Everything from histories and logs is escaped.
import type { OpStats } from '../checker/stats.js';
import { firstOffending, plainKey, partitionKey } from '../check/pipeline.js';
import type { Results } from '../checker/results.js';
import { isClientEvent, type HistoryEvent } from '../history/op.js';
import type { Test } from '../store/test.js';
import { CHART_CSS, latencyChart, throughputChart, type Interval, type Point } from './charts.js';
import { esc, num, page, verdictHtml } from './html.js';
import { showValue } from '../history/show.js';
import { renderLongest, renderTimeline, safeDescribe, TIMELINE_CSS, type PositionalFault } from './timeline.js';

const MAX_INVALID_DRAWN = 5;

/**
 * Latency points and fault intervals from a history: in seconds since the run started (the charts), and in
 * positions among the client events (the Porcupine timeline, whose time is those positions).
 */
export function analyse(events: readonly HistoryEvent[]): {
  points: Point[];
  intervals: Interval[];
  positional: PositionalFault[];
  maxT: number;
} {
  const points: Point[] = [];
  const open = new Map<unknown, HistoryEvent>();
  const faultStart = new Map<string, { t: number; pos: number; label: string }>();
  const intervals: Interval[] = [];
  const positional: PositionalFault[] = [];
  let maxT = 1;
  let pos = 0;
  for (const e of events) {
    const t = (e.time ?? 0) / 1e9;
    maxT = Math.max(maxT, t);
    if (!isClientEvent(e)) {
      if (e.type !== 'info') continue;
      if (e.f.startsWith('start-'))
        faultStart.set(e.f.slice(6), { t, pos, label: `${e.f.slice(6)}: ${showValue(e.value, 200)}` });
      else if (e.f.startsWith('stop-') || e.f === 'heal-all') {
        const keys = e.f === 'heal-all' ? [...faultStart.keys()] : [e.f.slice(5)];
        for (const k of keys) {
          const s = faultStart.get(k);
          if (s) {
            intervals.push({ start: s.t, end: t, label: s.label, kind: k });
            positional.push({ kind: k, start: s.pos, end: pos, label: s.label });
            faultStart.delete(k);
          }
        }
      }
      continue;
    }
    pos++;
    if (e.type === 'invoke') {
      open.set(e.process, e);
      continue;
    }
    const inv = open.get(e.process);
    open.delete(e.process);
    if (inv?.time !== undefined && e.time !== undefined)
      points.push({ t: inv.time / 1e9, v: (e.time - inv.time) / 1e6, kind: e.type as Point['kind'] });
  }
  for (const [k, s] of faultStart) {
    intervals.push({ start: s.t, end: maxT, label: s.label, kind: k });
    positional.push({ kind: k, start: s.pos, end: Infinity, label: s.label });
  }
  return { points, intervals, positional, maxT };
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

export interface RunReportInput {
  test: Test;
  events: readonly HistoryEvent[];
  results: Results;
  /** Node names whose logs are at nodes/<name>/node.log. */
  nodes: string[];
  /** The command line that reruns the test (harness/commands/command-line.ts). */
  command: string;
}

export function renderRunReport(r: RunReportInput): string {
  const { test, results } = r;
  const { points, intervals, positional, maxT } = analyse(r.events);
  let marked = false;
  const okLat = points.filter((p) => p.kind === 'ok').map((p) => p.v);
  const stats = results.checkers.find((c) => c.checker === 'stats')?.details as OpStats | undefined;
  const opts = Object.entries(test.options)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td><code>${esc(JSON.stringify(v))}</code></td></tr>`)
    .join('');
  const countRows = stats
    ? Object.entries(stats.byF)
        .map(
          ([f, s]) =>
            `<tr><td><code>${esc(f)}</code></td><td>${num(s.ok)}</td>` +
            `<td>${num(s.fail)}</td><td>${num(s.info)}</td></tr>`,
        )
        .join('')
    : '';
  const faults = intervals
    .map((iv) => `<li>${num(iv.start, 1)}–${num(iv.end, 1)} s: <code>${esc(iv.label)}</code></li>`)
    .join('');
  const checkers = results.checkers
    .map((c) => {
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
        const items = d.problems.map(
          (p) => `<li><code>${esc(typeof p === 'string' ? p : showValue(p, 500))}</code></li>`,
        );
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
        const bad = lin.partitions.map((p, i) => ({ p, i })).filter((x) => x.p.verdict === 'illegal');
        const unknown = lin.partitions.filter((p) => p.verdict === 'unknown').length;
        if (bad.length > 0) body += TIMELINE_LEGEND;
        if (unknown > 0)
          body +=
            `<p class="${bad.length > 0 ? 'muted' : 'unknown'}">` +
            `${unknownWording(unknown, bad.length > 0, test.options.checkTimeoutS)}</p>`;
        for (const { p, i } of bad.slice(0, MAX_INVALID_DRAWN)) {
          const key = partitionKey(p);
          const title = `partition ${i + 1}${key !== undefined && key !== null ? ` (key ${plainKey(key)})` : ''}`;
          body +=
            `<h3>${esc(title)}: ${verdictHtml(false)} <span class="muted">${num(p.ops.length)} ops</span></h3>` +
            `${renderTimeline(p, describe, title, positional, !marked)}${renderLongest(p, describe)}`;
          marked = true;
        }
        if (bad.length > MAX_INVALID_DRAWN)
          body +=
            `<p class="muted">${num(bad.length - MAX_INVALID_DRAWN)} ` +
            'more invalid partitions not drawn (see results.json).</p>';
      }
      return `<div class="card"><h3>checker: ${esc(c.checker)}</h3>${body}</div>`;
    })
    .join('');
  const off = results.valid === false ? firstOffending(results) : undefined;
  const logs = r.nodes.map((n) => `<a href="nodes/${esc(n)}/node.log">${esc(n)}</a>`).join(' · ');
  const offending = off
    ? `<p class="invalid">${marked ? '<a href="#offending">' : ''}offending operation: ` +
      `<code>${esc(off.text)}</code>${marked ? '</a>' : ''}</p>`
    : '';
  const body =
    `<h1>${esc(test.name)}: ${verdictHtml(results.valid)}</h1>
<p class="muted">started ${esc(test.startedAt)}${test.finishedAt ? `, finished ${esc(test.finishedAt)}` : ''} ` +
    `· runtime ${esc(test.runtime)} · seed ${esc(test.options.seed)} · node ${esc(test.versions.node)}` +
    `${test.interrupted ? ` · <span class="unknown">stopped early: ${esc(test.interrupted)}</span>` : ''}</p>
${test.error ? `<p class="invalid">run error: ${esc(test.error)}</p>` : ''}
${offending}
<div class="card"><h2>Rerun</h2><pre id="command">${esc(r.command)}</pre>` +
    '<p class="muted">or <code>faultline rerun</code> this folder; ' +
    `<code>faultline shrink</code> it for the few operations that prove an invalid verdict</p></div>
<div class="card"><h2>Options</h2><table>${opts}</table></div>
<div class="card"><h2>Throughput</h2>` +
    '<p class="muted">completed operations per second; shaded: a fault was active</p>' +
    `${throughputChart(points, intervals, maxT)}
<h2>Latency</h2>` +
    `<p class="muted">every operation (log scale); ok p50 ${num(pct(okLat, 0.5), 1)} ms, ` +
    `p99 ${num(pct(okLat, 0.99), 1)} ms</p>` +
    `${latencyChart(points, intervals, maxT)}
<h3>Faults</h3>${faults ? `<ul>${faults}</ul>` : '<p class="muted">none</p>'}</div>
<div class="card"><h2>Operations</h2>` +
    `<table><tr><th>f</th><th>ok</th><th>fail</th><th>info</th></tr>${countRows}</table></div>
<h2>Checkers</h2>${checkers}
<div class="card"><h2>Files</h2><p><a href="history.jsonl">history.jsonl</a> · ` +
    '<a href="results.json">results.json</a> · <a href="test.json">test.json</a> · ' +
    '<a href="harness.log">harness.log</a></p>' +
    `<p>node logs: ${logs}</p></div>`;
  return page(`faultline: ${test.name}`, body + FOCUS_SCRIPT, TIMELINE_CSS + CHART_CSS);
}

const TIMELINE_LEGEND =
  '<p class="legend muted"><span><i class="sw" style="background:#7cc48f"></i>' +
  `in the longest linearizable prefix (numbered)</span>
<span><i class="sw" style="background:#e5484d"></i>could not be linearized (outlined: the offending operation)</span>` +
  `<span><i class="sw" style="background:#c8d1dc"></i>other operations</span>
<span>dashed: no response (info)</span><span>top rows: faults active, by kind</span></p>`;

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

/** On opening, the offending operation is scrolled into view and pulses (the rest of the page is static). */
export const FOCUS_SCRIPT = `<script>
(function () {
  var el = document.getElementById('offending');
  if (!el) return;
  if (!location.hash) el.scrollIntoView({ block: 'center', inline: 'center' });
  el.classList.add('focus');
})();
</script>`;

// The page `faultline check --out DIR` writes: per file the verdict, and per partition its timeline; invalid
// partitions first, with the longest linearizable prefix and the operation that could not be placed.
import type { FileReportInput } from '../check/check-history.js';
import { esc, num, page, verdictHtml } from './html.js';
import { plainKey, partitionKey } from '../check/pipeline.js';
import { showValue } from '../history/show.js';
import { FOCUS_SCRIPT, unknownWording } from './run-report.js';
import { renderLongest, renderTimeline, safeDescribe, TIMELINE_CSS } from './timeline.js';

/** Partitions drawn per file: every illegal one, then valid ones up to this many. */
const MAX_VALID_DRAWN = 12;

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

export function renderFile(f: FileReportInput, markFirst = false): string {
  const describe = safeDescribe(f.model);
  const parts = f.result.partitions.map((p, i) => ({ p, i }));
  const illegal = parts.filter((x) => x.p.verdict === 'illegal');
  const rest = parts.filter((x) => x.p.verdict !== 'illegal');
  const drawn = [...illegal, ...rest.slice(0, MAX_VALID_DRAWN)];
  let marked = !markFirst;
  const sections = drawn.map(({ p, i }) => {
    const key = partitionKey(p);
    const title =
      `partition ${i + 1} of ${parts.length}` + `${key !== undefined && key !== null ? ` (key ${plainKey(key)})` : ''}`;
    const mark = p.verdict === 'illegal' && !marked;
    if (mark) marked = true;
    const v = p.verdict === 'ok' ? true : p.verdict === 'illegal' ? false : 'unknown';
    return (
      `<h3>${esc(title)}: ${verdictHtml(v)} ` +
      `<span class="muted">${num(p.ops.length)} ops${p.ms !== undefined ? `, ${num(p.ms, 1)} ms` : ''}</span></h3>
${renderTimeline(p, describe, `${f.file} ${title}`, f.faults ?? [], mark)}` +
      `${p.verdict === 'illegal' ? renderLongest(p, describe) : ''}`
    );
  });
  const hidden = parts.length - drawn.length;
  const unknown = parts.filter((x) => x.p.verdict === 'unknown').length;
  const unknownNote =
    unknown > 0
      ? `<p class="${illegal.length ? 'muted' : 'unknown'}">` +
        `${unknownWording(unknown, illegal.length > 0, undefined)}</p>`
      : '';
  return (
    `<div class="card"><h2>${esc(f.file)}</h2>
<p>${verdictHtml(f.valid)} — model <code>${esc(f.model)}</code>, ` +
    `format <code>${esc(f.format)}</code>, ${num(f.ops)} operations,
${num(parts.length)} partition${parts.length === 1 ? '' : 's'}, checked in ${num(f.ms, 1)} ms</p>
<p class="legend muted"><span><i class="sw" style="background:#7cc48f"></i>` +
    `in the longest linearizable prefix (numbered)</span>
<span><i class="sw" style="background:#e5484d"></i>could not be linearized</span>` +
    `<span><i class="sw" style="background:#c8d1dc"></i>other operations</span>
<span>dashed: no response (info)</span></p>
${otherCheckers(f)}${unknownNote}${sections.join('\n')}` +
    `${hidden > 0 ? `<p class="muted">${num(hidden)} more valid partitions not drawn.</p>` : ''}</div>`
  );
}

export function renderCheckReport(input: { files: FileReportInput[]; title?: string }): string {
  const rows = input.files.map(
    (f) =>
      `<tr><td><code>${esc(f.file)}</code></td><td>${verdictHtml(f.valid)}</td>` +
      `<td>${esc(f.model)}</td><td>${num(f.ops)}</td><td>${num(f.result.partitions.length)}</td>` +
      `<td>${num(f.ms, 1)}</td></tr>`,
  );
  const body =
    `<h1>${esc(input.title ?? 'faultline check')}</h1>` +
    `<p class="muted">${num(input.files.length)} file${input.files.length === 1 ? '' : 's'}. ` +
    `Hover an operation for details.</p>
<table><tr><th>file</th><th>verdict</th><th>model</th><th>ops</th><th>partitions</th><th>ms</th></tr>` +
    `${rows.join('')}</table>
${input.files.map((f, i) => renderFile(f, i === input.files.findIndex((x) => x.valid === false))).join('\n')}` +
    `${FOCUS_SCRIPT}`;
  return page(input.title ?? 'faultline check', body, TIMELINE_CSS);
}

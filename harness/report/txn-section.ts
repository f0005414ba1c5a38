// The transactional checker's result as a person reads it: which anomalies were found and what each rules out
// (Elle's `not`, the weakest models it rules out, and `also-not`, the stronger ones that go with them), then each
// anomaly: a cycle drawn (cycle-svg.ts) beside its transactions and its steps in sentences, every transaction a
// link that zooms the explorer to the cycle's transactions and outlines them; a non-cycle anomaly with its sentence
// and links to the operations involved.
import { boundary } from '../checker/txn/consistency-model.js';
import { type Anomaly, type CycleAnomaly, isCycle, type TxnCheckResult } from '../checker/txn/types.js';
import { showTxn } from '../history/txn.js';
import { CYCLE_CSS, cycleSvg, REL_COLORS } from './cycle-svg.js';
import { opsLink, swatch } from './history-section.js';
import { esc, num } from './html.js';

/** A cycle's transactions as link attributes, the one clicked first (it gets selected), all outlined. */
function txnLink(a: CycleAnomaly, first: number): string {
  const order = [first, ...a.txns.map((_, i) => i).filter((i) => i !== first)];
  return opsLink(
    order.map((i) => a.txns[i].index),
    order.map((i) => a.txns[i].name),
  );
}

/** Escaped text with every T1, T2, ... of the cycle made a link. */
function linkNames(text: string, a: CycleAnomaly): string {
  return esc(text).replace(/\bT(\d+)\b/g, (m, d: string) => {
    const i = Number(d) - 1;
    return i >= 0 && i < a.txns.length ? `<a href="#" ${txnLink(a, i)}>${m}</a>` : m;
  });
}

function cycleHtml(a: CycleAnomaly, id: string): string {
  const txns = a.txns.map(
    (t, i) =>
      `<li><a href="#" ${txnLink(a, i)}><b>${esc(t.name)}</b></a> = operation ${num(t.index)} ` +
      `(process ${num(t.process)}, ${esc(t.type)}): <code>${esc(showTxn(t.value))}</code></li>`,
  );
  const steps = a.steps.map((s, i) => {
    const last = i === a.steps.length - 1;
    const rel = `<span class="rel rel-${esc(s.rel)}">${esc(s.rel)}</span>`;
    return (
      `<li>${rel} ${last ? 'and ' : ''}${linkNames(s.text, a)}` +
      `${last ? ', which closes the cycle: no order of these transactions exists' : ''}.</li>`
    );
  });
  const svg = cycleSvg(a, id, (i) => txnLink(a, i));
  return (
    `<div class="fl-cycle">${svg}<div class="fl-cycle-text"><ul class="txns">${txns.join('')}</ul>` +
    `<ol class="steps">${steps.join('')}</ol>` +
    `<p><a href="#" ${txnLink(a, 0)}>show these transactions in the history</a></p></div></div>`
  );
}

function caseHtml(a: Anomaly & { text: string; ops: number[] }): string {
  const ops = a.ops.map((ix) => `<a href="#" ${opsLink([ix], [''])}>op ${num(ix)}</a>`).join(', ');
  return `<li>${esc(a.text)}${ops ? ` (${ops})` : ''}</li>`;
}

const REL_HELP =
  '(ww: a write, then a later write of the same key; wr: a write, then a read of it; ' +
  'rw: a read, then the write that replaced what it read)';

/** The anomalies of one checked history, under `head`; `id` prefixes the ids of the drawings. */
export function txnSection(r: TxnCheckResult, id: string, head: string): string {
  const rows = r.anomalyTypes.map((t) => {
    const b = boundary([t]);
    return (
      `<tr><td><a href="#${esc(`${id}-${t}`)}"><code>${esc(t)}</code></a></td><td>${num(r.counts[t])}</td>` +
      `<td>${esc(b.not.join(', ') || '—')}</td><td class="muted">${esc(b.alsoNot.join(', ') || '—')}</td></tr>`
    );
  });
  const table = rows.length
    ? '<table class="anomalies"><tr><th>anomaly</th><th>found</th><th>weakest models ruled out</th>' +
      `<th>also ruled out</th></tr>${rows.join('')}</table>`
    : '<p>No anomaly found.</p>';
  const overall = r.not.length
    ? `<p>Together they rule out <b>${esc(r.not.join(', '))}</b>` +
      `${r.alsoNot.length ? ` and with them ${esc(r.alsoNot.join(', '))}` : ''}.</p>`
    : '';
  let k = 0;
  const sections = r.anomalyTypes.map((t) => {
    const shown = r.anomalies[t] ?? [];
    const more = r.counts[t] - shown.length;
    const cycles = shown.filter(isCycle).map((a) => cycleHtml(a, `${id}-c${k++}`));
    const cases = shown.filter((a) => !isCycle(a)) as (Anomaly & { text: string; ops: number[] })[];
    return (
      `<h4 id="${esc(`${id}-${t}`)}">${esc(t)} <span class="muted">(${num(r.counts[t])}` +
      `${more > 0 ? `, ${num(shown.length)} shown` : ''})</span></h4>${cycles.join('')}` +
      `${cases.length ? `<ul>${cases.map(caseHtml).join('')}</ul>` : ''}`
    );
  });
  const legend = Object.entries(REL_COLORS)
    .map(([rel, c]) => `<span>${swatch(c)}${esc(rel)}</span>`)
    .join('');
  return (
    `<div class="card fl-anomalies">${head}<h3>Anomalies</h3>` +
    `<p class="muted">${num(r.stats.txns)} transactions (${num(r.stats.ok)} ok, ${num(r.stats.info)} info, ` +
    `${num(r.stats.fail)} fail) over ${num(r.stats.keys)} keys, model ${esc(r.model)}, ` +
    `checked in ${num(r.stats.ms.total, 1)} ms</p>` +
    `${r.error ? `<p class="unknown">undecided: ${esc(r.error)}</p>` : ''}${table}${overall}` +
    `${sections.length ? `<p class="legend muted">dependencies: ${legend} ${REL_HELP}</p>` : ''}` +
    `${sections.join('')}</div>`
  );
}

export const TXN_CSS = `${CYCLE_CSS}
table.anomalies td:first-child{white-space:nowrap} .fl-anomalies h4{font-size:15px;margin:16px 0 4px}
.fl-cycle{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap;margin:8px 0 16px}
.fl-cycle-text{flex:1 1 380px;min-width:320px} .fl-cycle-text ul.txns{padding-left:18px}
.fl-cycle-text ol.steps li{margin:4px 0} .rel{font:11px ui-monospace,monospace;padding:1px 5px;border-radius:3px;
color:#fff;background:#475467}
${Object.entries(REL_COLORS)
  .map(([rel, c]) => `.rel-${rel}{background:${c}}`)
  .join(' ')}
`;

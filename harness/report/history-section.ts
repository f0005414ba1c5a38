// The part of a report that shows a history: the plots (when it has times) and the explorer, as HTML the page's
// script (client/) fills in from the section's data block. Without the script (a reader that blocks it), the
// section says so; the verdict, the anomalies and the longest prefix stay readable as plain HTML around it.
import { dataJson, type ExplorerData } from './explorer-data.js';
import { esc, num } from './html.js';

/** Attributes of a link into the history: the page's script focuses the explorer on these history indexes. */
export function opsLink(indexes: readonly number[], names: readonly string[] = []): string {
  return `data-fl-ops="${esc(indexes.join(','))}" data-fl-names="${esc(names.join(','))}"`;
}

/** A legend's colour square as SVG: a fill attribute, which the page's policy allows (a style attribute is not). */
export function swatch(color: string): string {
  return `<svg class="sw" width="12" height="12"><rect width="12" height="12" fill="${esc(color)}"/></svg>`;
}

function legend(data: ExplorerData): string {
  const items = [
    ['o-ok', 'ok'],
    ['o-fail', 'fail'],
    ['o-info', 'info / no response (dashed)'],
  ];
  if (data.views.some((v) => v.lin))
    items.push(['o-lin', 'in the longest linearizable prefix (numbered)'], ['o-bad', 'could not be linearized']);
  if (data.setup > 0) items.push(['o-setup', 'setup (before the load)']);
  const faults = Object.entries(data.faultColors).map(([k, c]) => `<span>${swatch(c)}${esc(k)} active</span>`);
  return (
    '<p class="legend muted">' +
    `${items.map(([c, l]) => `<span><i class="sw ${c}"></i>${esc(l)}</span>`).join('')}${faults.join('')}</p>`
  );
}

/** `id`: unique in the page (several files in one check report). */
export function historySection(id: string, data: ExplorerData, title = 'History'): string {
  const plots = data.plots
    ? `<div class="card"><h2>Throughput and latency</h2><p class="muted">time 0 is the first operation (the load); ` +
      `${data.setup > 0 ? `the setup before it took ${num(data.setup, data.setup < 1 ? 3 : 1)} s, shaded; ` : ''}` +
      'drag across a plot to zoom it and the explorer together; double-click to zoom out</p>' +
      '<div class="fl-plot fl-plot-tp"></div><div class="fl-plot fl-plot-lat"></div>' +
      `${
        data.omitted.latencyPoints
          ? `<p class="muted">latency: ${num(data.plots.lat.t.length)} of ${num(data.plots.latencyOps)} ` +
            'operations drawn (evenly sampled); the quantile lines use every one</p>'
          : ''
      }</div>`
    : '';
  const omitted: string[] = [];
  if (data.omitted.keys) omitted.push(`${num(data.omitted.keys)} more keys have no view of their own`);
  if (data.omitted.invalidViews) omitted.push(`${num(data.omitted.invalidViews)} more failing partitions not listed`);
  return (
    `<section class="fl-history" id="${esc(id)}">
<script type="application/json" class="fl-data">${dataJson(data)}</script>
${plots}<div class="card fl-explorer" id="${esc(id)}-explorer"><h2>${esc(title)}</h2>
<div class="fl-toolbar"><label>view <select class="fl-view"></select></label>
<button type="button" class="fl-zoom-out" title="zoom out">−</button>` +
    '<button type="button" class="fl-zoom-in" title="zoom in">+</button>' +
    '<button type="button" class="fl-fit">whole history</button>' +
    `${data.offending !== undefined ? '<button type="button" class="fl-to-offending">offending operation</button>' : ''}
<span class="fl-window muted"></span></div>
<p class="muted">A row per process, a bar per operation from its invoke to its completion. Ctrl+wheel (or pinch) or ` +
    '+/− zoom, drag pans, hover an operation for a summary, click it for its details.' +
    `${omitted.length ? ` ${esc(omitted.join('; '))}.` : ''}</p>
${legend(data)}
<div class="fl-canvas-wrap"><div class="fl-canvas-inner">` +
    `<canvas role="img" aria-label="${esc(title)}: a bar per operation, a row per process"></canvas></div></div>
<div class="fl-tip" hidden></div><div class="fl-details" hidden></div>
<noscript><p class="unknown">The explorer needs JavaScript.</p></noscript>
</div></section>`
  );
}

export const HISTORY_CSS = `
.fl-toolbar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:4px 0}
.fl-toolbar button{font:13px system-ui,sans-serif;padding:2px 10px}
.fl-explorer{position:relative}
.fl-canvas-wrap{overflow-y:auto;overflow-x:hidden;border:1px solid #e3e6eb;background:#fff}
.fl-canvas-inner{position:relative}
.fl-canvas-wrap canvas{position:sticky;top:0;display:block;cursor:grab}
.fl-tip{position:absolute;z-index:5;max-width:420px;background:#1d2330;color:#fff;padding:6px 8px;border-radius:4px;
font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;pointer-events:none}
.fl-details{margin-top:8px;padding:8px 10px;border:1px solid #e3e6eb;border-left:4px solid #1d4ed8;background:#f8fafc;
font:12px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
.fl-plot{margin:6px 0}
.sw.o-ok{background:#b9d6f2}.sw.o-fail{background:#f5cf9f}.sw.o-info{background:#eed1d1}
.sw.o-lin{background:#7cc48f}.sw.o-bad{background:#e5484d}.sw.o-setup{background:#dfe3ea}
`;

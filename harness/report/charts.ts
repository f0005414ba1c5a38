// SVG charts for the run report: throughput and latency over time. Drawn here rather than with a library so the
// report stays one offline file. Above every chart, a fault lane: one row per fault kind, each kind its own
// colour, a bar while that fault was active (faint bands of the same colour continue down through the plot). The
// legend is HTML beside the chart, never drawn over the data. The latency scatter carries p50, p95 and p99 per
// second as lines (quantiles of the operations that completed in that second, by nearest rank).
import { esc } from './html.js';

export interface Interval {
  start: number;
  end: number;
  label: string;
  kind?: string;
}
export interface Point {
  t: number;
  v: number;
  kind: 'ok' | 'fail' | 'info';
}

const W = 900,
  PLOT_H = 200,
  L = 56,
  R = 12,
  B = 28,
  LANE = 12,
  GAP = 6;
export const OUTCOME_COLORS = { ok: '#2e9d5b', fail: '#d9822b', info: '#c5221f' };
const QUANTILES: [number, string, string][] = [
  [0.5, 'p50', '#1d4ed8'],
  [0.95, 'p95', '#7c3aed'],
  [0.99, 'p99', '#111827'],
];

/** A colour per fault kind: the known kinds fixed (so reports compare), others from a palette by name. */
const KIND_COLORS: Record<string, string> = {
  partition: '#8b5cf6',
  kill: '#0ea5e9',
  pause: '#14b8a6',
  clock: '#ec4899',
  loss: '#a16207',
};
const PALETTE = ['#6366f1', '#059669', '#db2777', '#ca8a04', '#0891b2', '#9333ea', '#65a30d'];

export function faultColor(kind: string): string {
  if (KIND_COLORS[kind]) return KIND_COLORS[kind];
  let h = 0;
  for (const c of kind) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

export function faultKinds(intervals: readonly Interval[]): string[] {
  return [...new Set(intervals.map((i) => i.kind ?? 'fault'))];
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

interface Frame {
  top: number;
  height: number;
  xOf: (t: number) => number;
  yBottom: number;
  svgHeight: number;
  lanes: string;
  kinds: string[];
}

/** The fault lane above the plot, the faint bands through it, and the geometry of the plot below. */
function frame(intervals: readonly Interval[], maxT: number): Frame {
  const kinds = faultKinds(intervals);
  const laneH = kinds.length * LANE;
  const top = 4 + laneH + (kinds.length ? GAP : 0);
  const xOf = (t: number): number => L + (Math.min(Math.max(t, 0), maxT) / maxT) * (W - L - R);
  const yBottom = top + PLOT_H;
  const parts: string[] = [];
  kinds.forEach((k, row) => {
    const y = 4 + row * LANE;
    parts.push(
      `<text x="${L - 4}" y="${y + LANE - 3}" class="ax" text-anchor="end">${esc(k)}</text>` +
        `<rect x="${L}" y="${y}" width="${W - L - R}" height="${LANE - 2}" class="lane-bg"/>`,
    );
    for (const iv of intervals.filter((i) => (i.kind ?? 'fault') === k)) {
      const x1 = xOf(iv.start),
        x2 = xOf(iv.end);
      const w = Math.max(2, x2 - x1);
      parts.push(
        `<g class="fault"><title>${esc(`${iv.label} (${iv.start.toFixed(1)}–${iv.end.toFixed(1)} s)`)}</title>` +
          `<rect x="${x1.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${LANE - 2}" fill="${faultColor(k)}"/>` +
          `<rect x="${x1.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${PLOT_H}" ` +
          `fill="${faultColor(k)}" class="band"/></g>`,
      );
    }
  });
  return { top, height: PLOT_H, xOf, yBottom, svgHeight: yBottom + B, lanes: parts.join(''), kinds };
}

function axisX(f: Frame, maxT: number): string {
  const ticks: string[] = [];
  const step = niceStep(maxT / 8);
  for (let t = 0; t <= maxT; t += step) {
    const x = f.xOf(t);
    ticks.push(
      `<line x1="${x}" x2="${x}" y1="${f.top}" y2="${f.yBottom}" class="grid"/>` +
        `<text x="${x}" y="${f.svgHeight - 10}" class="ax" text-anchor="middle">${t.toFixed(step < 1 ? 1 : 0)}s</text>`,
    );
  }
  return ticks.join('');
}

function sw(color: string, label: string, line = false): string {
  return `<span><i class="${line ? 'ln' : 'sw'}" style="background:${color}"></i>${esc(label)}</span>`;
}

/** The HTML legend under a chart: outcomes (and quantile lines), then each fault kind. */
function legend(f: Frame, quantiles: boolean): string {
  const items = [sw(OUTCOME_COLORS.ok, 'ok'), sw(OUTCOME_COLORS.fail, 'fail'), sw(OUTCOME_COLORS.info, 'info')];
  if (quantiles) for (const [, name, color] of QUANTILES) items.push(sw(color, `${name} per second`, true));
  for (const k of f.kinds) items.push(sw(faultColor(k), `${k} active`));
  return `<p class="legend chart-legend">${items.join('')}</p>`;
}

/** Completed operations per second, by outcome. */
export function throughputChart(points: Point[], intervals: Interval[], maxT: number): string {
  const f = frame(intervals, maxT);
  const buckets = Math.max(1, Math.ceil(maxT));
  const counts = { ok: new Array(buckets).fill(0), fail: new Array(buckets).fill(0), info: new Array(buckets).fill(0) };
  for (const p of points) counts[p.kind][Math.min(buckets - 1, Math.max(0, Math.floor(p.t)))]++;
  const maxV = Math.max(1, ...counts.ok, ...counts.fail, ...counts.info);
  const yOf = (v: number): number => f.yBottom - (v / maxV) * f.height;
  const line = (kind: 'ok' | 'fail' | 'info'): string =>
    `<polyline fill="none" stroke="${OUTCOME_COLORS[kind]}" stroke-width="1.6" ` +
    `points="${counts[kind].map((v, i) => `${f.xOf(i + 0.5).toFixed(1)},${yOf(v).toFixed(1)}`).join(' ')}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${f.svgHeight}"` +
    ' class="chart" role="img" aria-label="throughput">' +
    `${f.lanes}${axisX(f, maxT)}
<text x="8" y="${f.top + 10}" class="ax">${maxV}/s</text><text x="8" y="${f.yBottom}" class="ax">0</text>` +
    `${line('ok')}${line('fail')}${line('info')}</svg>${legend(f, false)}`
  );
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Per whole second: p50, p95 and p99 of the latencies of operations that completed ok in it. */
export function latencyQuantiles(points: readonly Point[], maxT: number): { t: number; q: number[] }[] {
  const buckets = Math.max(1, Math.ceil(maxT));
  const per: number[][] = Array.from({ length: buckets }, () => []);
  for (const p of points) if (p.kind === 'ok') per[Math.min(buckets - 1, Math.max(0, Math.floor(p.t)))].push(p.v);
  return per
    .map((vs, i) => ({ i, vs }))
    .filter((x) => x.vs.length > 0)
    .map(({ i, vs }) => {
      const s = vs.sort((a, b) => a - b);
      return { t: i + 0.5, q: QUANTILES.map(([q]) => quantile(s, q)) };
    });
}

/** Every operation's latency (log scale), coloured by outcome, with per-second quantile lines; at most `max` points. */
export function latencyChart(points: Point[], intervals: Interval[], maxT: number, max = 6000): string {
  const f = frame(intervals, maxT);
  const step = Math.max(1, Math.ceil(points.length / max));
  const shown = points.filter((_, i) => i % step === 0);
  const vs = points.map((p) => Math.max(p.v, 0.01));
  let lo = 0,
    hi = 1;
  if (vs.length > 0) {
    let mn = Infinity,
      mx = -Infinity;
    for (const v of vs) {
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    lo = Math.log10(Math.max(0.01, Math.min(mn, 1)));
    hi = Math.log10(Math.max(mx, 10));
  }
  const yOf = (v: number): number =>
    f.yBottom - ((Math.log10(Math.max(v, 0.01)) - lo) / Math.max(0.001, hi - lo)) * f.height;
  const yTicks: string[] = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    const y = yOf(10 ** e);
    yTicks.push(
      `<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" class="grid"/>` +
        `<text x="8" y="${y + 4}" class="ax">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(2)} ms</text>`,
    );
  }
  const dots = shown
    .map(
      (p) =>
        `<circle cx="${f.xOf(p.t).toFixed(1)}" cy="${yOf(p.v).toFixed(1)}" r="1.5" fill="${OUTCOME_COLORS[p.kind]}"/>`,
    )
    .join('');
  const qs = latencyQuantiles(points, maxT);
  const qLines = QUANTILES.map(([, name, color], k) =>
    qs.length === 0
      ? ''
      : `<polyline fill="none" stroke="${color}" stroke-width="1.4" class="q q-${name}" ` +
        `points="${qs.map((x) => `${f.xOf(x.t).toFixed(1)},${yOf(x.q[k]).toFixed(1)}`).join(' ')}">` +
        `<title>${name} per second</title></polyline>`,
  ).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${f.svgHeight}"` +
    ' class="chart" role="img" aria-label="latency">' +
    `${f.lanes}${axisX(f, maxT)}${yTicks.join('')}${dots}${qLines}</svg>${legend(f, true)}`
  );
}

export const CHART_CSS =
  '.chart{background:#fff;border:1px solid #e3e6eb;display:block;margin:6px 0 0}' +
  `.chart .grid{stroke:#eef0f3}.chart .ax{font:11px ui-monospace,monospace;fill:#475467}
.chart .lane-bg{fill:#f4f5f7}.chart .band{fill-opacity:.12}.chart .fault:hover rect{stroke:#1d2330}
.chart-legend{margin:2px 0 10px;font-size:12px} ` +
  '.ln{display:inline-block;width:16px;height:3px;vertical-align:3px;margin-right:4px}';

// SVG charts for the run report: throughput and latency over time, with nemesis intervals shaded. Drawn here
// rather than with a library so the report stays one offline file.
import { esc } from './html.js';

export interface Interval { start: number; end: number; label: string }
export interface Point { t: number; v: number; kind: 'ok' | 'fail' | 'info' }

const W = 900, H = 220, L = 56, R = 12, T = 12, B = 28;
const COLORS = { ok: '#2e9d5b', fail: '#d9822b', info: '#c5221f' };

function axisX(maxT: number): string {
  const ticks: string[] = [];
  const step = niceStep(maxT / 8);
  for (let t = 0; t <= maxT; t += step) {
    const x = L + (t / maxT) * (W - L - R);
    ticks.push(`<line x1="${x}" x2="${x}" y1="${T}" y2="${H - B}" class="grid"/><text x="${x}" y="${H - 10}" class="ax" text-anchor="middle">${t.toFixed(step < 1 ? 1 : 0)}s</text>`);
  }
  return ticks.join('');
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

function shading(intervals: Interval[], maxT: number): string {
  return intervals.map((iv) => {
    const x1 = L + (iv.start / maxT) * (W - L - R);
    const x2 = L + (Math.min(iv.end, maxT) / maxT) * (W - L - R);
    return `<rect x="${x1}" y="${T}" width="${Math.max(1, x2 - x1)}" height="${H - T - B}" class="nem"><title>${esc(iv.label)}</title></rect>`;
  }).join('');
}

const LEGEND = `<text x="${L + 6}" y="${T + 12}" class="ax"><tspan fill="${COLORS.ok}">■ ok</tspan> <tspan fill="${COLORS.fail}">■ fail</tspan> <tspan fill="${COLORS.info}">■ info</tspan> <tspan fill="#f3c4c4">■ fault active</tspan></text>`;

/** Completed operations per second, by outcome. */
export function throughputChart(points: Point[], intervals: Interval[], maxT: number): string {
  const buckets = Math.max(1, Math.ceil(maxT));
  const counts = { ok: new Array(buckets).fill(0), fail: new Array(buckets).fill(0), info: new Array(buckets).fill(0) };
  for (const p of points) counts[p.kind][Math.min(buckets - 1, Math.floor(p.t))]++;
  const maxV = Math.max(1, ...counts.ok, ...counts.fail, ...counts.info);
  const yOf = (v: number): number => H - B - (v / maxV) * (H - T - B);
  const line = (kind: 'ok' | 'fail' | 'info'): string => `<polyline fill="none" stroke="${COLORS[kind]}" stroke-width="1.6" points="${counts[kind].map((v, i) => `${L + ((i + 0.5) / buckets) * (W - L - R)},${yOf(v)}`).join(' ')}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" class="chart">${shading(intervals, maxT)}${axisX(maxT)}
<text x="8" y="${T + 10}" class="ax">${maxV}/s</text><text x="8" y="${H - B}" class="ax">0</text>${line('ok')}${line('fail')}${line('info')}${LEGEND}</svg>`;
}

/** Every operation's latency (log scale), coloured by outcome; at most `max` points, evenly sampled. */
export function latencyChart(points: Point[], intervals: Interval[], maxT: number, max = 6000): string {
  const step = Math.max(1, Math.ceil(points.length / max));
  const shown = points.filter((_, i) => i % step === 0);
  const vs = shown.map((p) => Math.max(p.v, 0.01));
  const lo = Math.log10(Math.max(0.01, Math.min(...vs, 1))), hi = Math.log10(Math.max(...vs, 10));
  const yOf = (v: number): number => H - B - ((Math.log10(Math.max(v, 0.01)) - lo) / Math.max(0.001, hi - lo)) * (H - T - B);
  const yTicks: string[] = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    const y = yOf(10 ** e);
    yTicks.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" class="grid"/><text x="8" y="${y + 4}" class="ax">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(2)} ms</text>`);
  }
  const dots = shown.map((p) => `<circle cx="${(L + (p.t / maxT) * (W - L - R)).toFixed(1)}" cy="${yOf(p.v).toFixed(1)}" r="1.5" fill="${COLORS[p.kind]}"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" class="chart">${shading(intervals, maxT)}${axisX(maxT)}${yTicks.join('')}${dots}${LEGEND}</svg>`;
}

export const CHART_CSS = `.chart{background:#fff;border:1px solid #e3e6eb;display:block;margin:6px 0}.chart .grid{stroke:#eef0f3}.chart .ax{font:11px ui-monospace,monospace;fill:#475467}.chart .nem{fill:#f3c4c4;fill-opacity:.55}`;

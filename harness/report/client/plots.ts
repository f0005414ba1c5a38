/// <reference lib="dom" />
// Throughput and latency over the run, drawn with uPlot (inlined into the page, see vendor.ts) on the same time
// axis as the explorer: selecting a range on a plot zooms the explorer and the other plot, and the explorer's
// window moves the plots. Above each plot a lane per fault kind (faint bands of its colour continue through the
// plot), the setup shaded left of 0, the offending operation marked with a red line. Labels of the fault lanes sit
// in the y axis gutter, which is sized to fit the longest of them. Self-contained functions, as in explorer.ts.
import type uPlot from 'uplot';
import type { ExplorerData } from '../explorer-data.js';
import type { Explorer } from './explorer.js';

export function makePlots(section: HTMLElement, data: ExplorerData, ex: Explorer): uPlot[] {
  const U = (window as unknown as { uPlot?: typeof uPlot }).uPlot;
  const p = data.plots;
  if (!U || !p) return [];
  const LANE = 12;
  const OUT = { o: '#2e9d5b', f: '#d9822b', i: '#c5221f' };
  const kinds = Object.keys(data.faultColors);
  const colorOf = (k: string): string => data.faultColors[k];
  const lanes = kinds.length * LANE + (kinds.length ? 6 : 0);
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = '11px ui-monospace, Menlo, Consolas, monospace';
  let gutter = 64;
  for (const k of kinds) gutter = Math.max(gutter, Math.ceil(measure.measureText(k).width) + 14);
  const off = data.offending;

  /** Fault lanes above the plot area, bands through it, the setup shaded, the violation marked. */
  const decorate = (u: uPlot): void => {
    const c = u.ctx;
    const px = U.pxRatio;
    const { left, top, width, height } = u.bbox;
    const x = (t: number): number => u.valToPos(t, 'x', true);
    c.save();
    const xmin = u.scales.x.min ?? data.start;
    if (data.setup > 0 && xmin < 0) {
      const x2 = Math.min(x(0), left + width);
      c.fillStyle = 'rgba(120,130,150,0.12)';
      c.fillRect(left, top, x2 - left, height);
      c.fillStyle = '#667085';
      c.font = `${11 * px}px ui-monospace, Menlo, Consolas, monospace`;
      if (x2 - left > 40 * px) c.fillText('setup', left + 4 * px, top + height - 6 * px);
    }
    c.font = `${11 * px}px ui-monospace, Menlo, Consolas, monospace`;
    kinds.forEach((k, i) => {
      const y = top - lanes * px + i * LANE * px;
      c.fillStyle = '#475467';
      c.textAlign = 'right';
      c.fillText(k, left - 6 * px, y + 9 * px);
      c.textAlign = 'left';
      c.fillStyle = '#f4f5f7';
      c.fillRect(left, y, width, (LANE - 2) * px);
      for (const f of data.faults) {
        if (f.kind !== k) continue;
        const x1 = Math.max(left, x(f.start));
        const x2 = Math.min(left + width, Math.max(x1 + 2 * px, x(f.end)));
        if (x2 <= left || x1 >= left + width) continue;
        c.fillStyle = colorOf(k);
        c.fillRect(x1, y, x2 - x1, (LANE - 2) * px);
        c.globalAlpha = 0.1;
        c.fillRect(x1, top, x2 - x1, height);
        c.globalAlpha = 1;
      }
    });
    if (off !== undefined) {
      // Kept inside the plot even when the violation is its very last moment (a stale read at the end).
      const x1 = Math.min(x(data.inv[off]), left + width - 2 * px);
      const x2 = Math.max(x1 + 2 * px, x(data.ret[off] ?? data.end));
      c.fillStyle = 'rgba(229,72,77,0.18)';
      if (x2 > left && x1 < left + width) {
        c.fillRect(Math.max(left, x1), top, Math.max(2 * px, Math.min(x2, left + width) - Math.max(left, x1)), height);
        c.strokeStyle = '#c5221f';
        c.lineWidth = 2 * px;
        c.beginPath();
        c.moveTo(Math.max(left, x1), top);
        c.lineTo(Math.max(left, x1), top + height);
        c.stroke();
        c.fillStyle = '#c5221f';
        const lx = Math.max(left, x1);
        const room = left + width - lx > 70 * px;
        c.textAlign = room ? 'left' : 'right';
        c.fillText('violation', lx + (room ? 4 : -4) * px, top + 24 * px);
        c.textAlign = 'left';
      }
    }
    c.restore();
  };

  let syncing = false;
  const plots: uPlot[] = [];
  const follow = (u: uPlot): void => {
    if (syncing) return;
    const { min, max } = u.scales.x;
    if (min === undefined || max === undefined) return;
    syncing = true;
    for (const o of plots) if (o !== u) o.setScale('x', { min, max });
    ex.setWindow(min, max, 'plot');
    syncing = false;
  };
  ex.onWindow.push((t0, t1, from) => {
    if (syncing || from === 'plot') return;
    syncing = true;
    for (const u of plots) u.setScale('x', { min: t0, max: t1 });
    syncing = false;
  });

  const widthOf = (el: HTMLElement): number => Math.max(320, el.clientWidth || 800);
  const base = (el: HTMLElement, title: string): uPlot.Options => ({
    title,
    width: widthOf(el),
    height: 240 + lanes,
    padding: [lanes + 8, 12, 0, 0],
    // A double-click shows the whole history (uPlot's own would fit the data's extent, without the setup).
    cursor: {
      sync: { key: `fl-${section.id}` },
      drag: { x: true, y: false },
      bind: { dblclick: () => () => null },
    },
    // The x range is whatever was set last (the explorer's window, a drag), never recomputed from the data.
    scales: { x: { time: false, auto: false, range: (_u, min, max) => [min, max] } },
    axes: [
      { label: 'seconds since the load began', labelSize: 18, values: (_u, vs) => vs.map((v) => `${v}`) },
      // Wide enough for the fault lanes' labels and for the longest tick label: nothing clipped.
      {
        size: (_u, values) =>
          Math.max(gutter, ...(values ?? []).map((v) => Math.ceil(measure.measureText(String(v)).width) + 18)),
      },
    ],
    series: [{ label: 's' }],
    hooks: { draw: [decorate], setScale: [(u, key) => (key === 'x' ? follow(u) : undefined)] },
  });

  const tpEl = section.querySelector('.fl-plot-tp') as HTMLElement;
  const tpOpts = base(tpEl, 'Throughput (completed operations per second)');
  tpOpts.series.push(
    { label: 'ok /s', stroke: OUT.o, width: 1.6, points: { show: false } },
    { label: 'fail /s', stroke: OUT.f, width: 1.6, points: { show: false } },
    { label: 'info /s', stroke: OUT.i, width: 1.6, points: { show: false } },
  );
  tpOpts.axes![1].values = (_u, vs) => vs.map((v) => (v == null ? '' : `${+v.toFixed(1)}`));
  plots.push(new U(tpOpts, [p.tp.t, p.tp.ok, p.tp.fail, p.tp.info], tpEl));

  // Latency: every (sampled) operation as a dot by outcome, p50/p95/p99 per bucket as lines, on one x array.
  // uPlot joins series on one x array: undefined is "no value here" (the lines pass over it), null is a gap (an
  // empty bucket: the quantile lines break there instead of drawing a straight line across a silent stretch).
  const xs: number[] = [];
  const cols: (number | null | undefined)[][] = [[], [], [], [], [], []];
  let i = 0;
  let j = 0;
  while (i < p.lat.t.length || j < p.q.t.length) {
    const takeQ = j < p.q.t.length && (i >= p.lat.t.length || p.q.t[j] <= p.lat.t[i]);
    const row: (number | null | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
    if (takeQ) {
      xs.push(p.q.t[j]);
      row[3] = p.q.p50[j];
      row[4] = p.q.p95[j];
      row[5] = p.q.p99[j];
      j++;
    } else {
      xs.push(p.lat.t[i]);
      const k = p.lat.k[i];
      row[k === 'o' ? 0 : k === 'f' ? 1 : 2] = p.lat.v[i];
      i++;
    }
    for (let c = 0; c < 6; c++) cols[c].push(row[c]);
  }
  const latEl = section.querySelector('.fl-plot-lat') as HTMLElement;
  const latOpts = base(latEl, 'Latency (ms, log scale): every operation, and p50 / p95 / p99 of ok ones');
  const dot = (label: string, color: string): uPlot.Series => ({
    label,
    stroke: color,
    fill: color,
    paths: () => null,
    points: { show: true, size: 3, stroke: color, fill: color },
  });
  const line = (label: string, color: string): uPlot.Series => ({
    label,
    stroke: color,
    width: 1.4,
    spanGaps: false,
    points: { show: false },
  });
  latOpts.series.push(
    dot('ok', OUT.o),
    dot('fail', OUT.f),
    dot('info', OUT.i),
    line('p50', '#1d4ed8'),
    line('p95', '#7c3aed'),
    line('p99', '#111827'),
  );
  latOpts.scales!.y = { distr: 3 };
  latOpts.axes![1].values = (_u, vs) => vs.map((v) => (v == null ? '' : `${+v.toPrecision(2)} ms`));
  plots.push(new U(latOpts, [xs, ...cols] as uPlot.AlignedData, latEl));

  syncing = true;
  for (const u of plots) u.setScale('x', { min: data.start, max: data.end });
  syncing = false;
  for (const u of plots) u.over.addEventListener('dblclick', () => ex.setWindow(data.start, data.end, 'explorer'));
  window.addEventListener('resize', () => {
    for (const u of plots) u.setSize({ width: widthOf(u.root.parentElement as HTMLElement), height: u.height });
  });
  return plots;
}

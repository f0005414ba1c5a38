/// <reference lib="dom" />
// The history explorer, as it runs in the report page: one canvas per history, a row per client process, a bar
// per operation from its invoke to its completion on the report's time axis (explorer-data.ts), fault lanes on
// top, the setup shaded. Only the visible window is drawn (ops found by binary search over invoke times and a
// running maximum of completion times), so a history of 100k operations pans and zooms without lag. Wheel with
// Ctrl (or a pinch) and the buttons zoom, dragging pans, hovering shows an operation, a click pins its details.
//
// This module is never imported by Node code: client-script.ts takes each function's compiled text
// (Function.prototype.toString) into the page's one inline script. So every function here is self-contained:
// it may call the other functions of the client folder by name, but may use no module-level value.
import type { ExplorerData, ExplorerView, LinInfo } from '../explorer-data.js';

export interface Explorer {
  data: ExplorerData;
  root: HTMLElement;
  /** The window shown, in the data's time unit. */
  window(): [number, number];
  setWindow(t0: number, t1: number, from?: string): void;
  setView(v: number): void;
  view(): number;
  /** Selects op `id` (pins its details); undefined clears. */
  select(id: number | undefined): void;
  /** Outlines ops (history indexes) with labels (T1, T2, ...), shows them all, and brings the explorer in view. */
  focusIndexes(indexes: number[], labels: string[], bringIntoView?: boolean): void;
  /** Where op `id`'s bar is on screen (client coordinates), or undefined when it is not drawn. */
  locate(id: number): { x: number; y: number; w: number; h: number } | undefined;
  /** Listeners of window changes (the plots follow the explorer). */
  onWindow: ((t0: number, t1: number, from?: string) => void)[];
  redraw(): void;
}

interface Row {
  proc: number;
}

interface ViewState {
  ops: number[];
  /** The view's ops but the long ones, by invoke time, and the running maximum of their completion times. */
  short: number[];
  maxEnd: Float64Array;
  /** Ops longer than a 200th of the history (no response, timeouts): few, scanned whole on every draw. */
  long: number[];
  rows: Row[];
  rowOf: Map<number, number>;
  lin?: LinInfo;
}

export function makeExplorer(root: HTMLElement, data: ExplorerData): Explorer {
  // A transaction's bar has two lines of micro-ops; other operations fit one.
  const BAR = data.txn ? 32 : 18;
  const ROW = BAR + 6;
  const AXIS = 22;
  const LANE = 13;
  /** Height of the rows shown at once, in CSS pixels; more rows scroll inside the explorer. */
  const MAX_ROWS_PX = 540;
  const COLORS = {
    ok: '#b9d6f2',
    fail: '#f5cf9f',
    info: '#eed1d1',
    lin: '#7cc48f',
    bad: '#e5484d',
    other: '#c8d1dc',
    text: '#1d2330',
    muted: '#667085',
    grid: '#eef0f3',
    setup: '#eceff3',
    outline: '#f59e0b',
  };

  const canvas = root.querySelector('canvas') as HTMLCanvasElement;
  const wrap = root.querySelector('.fl-canvas-wrap') as HTMLElement;
  const inner = root.querySelector('.fl-canvas-inner') as HTMLElement;
  const tip = root.querySelector('.fl-tip') as HTMLElement;
  const details = root.querySelector('.fl-details') as HTMLElement;
  const select = root.querySelector('select.fl-view') as HTMLSelectElement;
  const status = root.querySelector('.fl-window') as HTMLElement;
  const ctx = canvas.getContext('2d')!;
  const n = data.proc.length;
  const end = (id: number): number => {
    const r = data.ret[id];
    return r === null ? data.end : r;
  };
  const kinds = Object.keys(data.faultColors);
  const colorOf = (k: string): string => data.faultColors[k];

  // Every op's place in a longest linearizable prefix, over all failing views (the whole view shows it too).
  const linOf = new Map<number, { lin: LinInfo; k: number; view: string }>();
  const offendingIn = new Map<number, { lin: LinInfo; view: string }>();
  const inFailing = new Set<number>();
  for (const v of data.views) {
    if (!v.lin) continue;
    for (const id of v.ops ?? []) inFailing.add(id);
    for (const [k, id] of v.lin.order.entries()) linOf.set(id, { lin: v.lin, k, view: v.name });
    for (const id of v.lin.offending) offendingIn.set(id, { lin: v.lin, view: v.name });
  }
  const byIndex = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    byIndex.set(data.ii[i], i);
    const c = data.ci[i];
    if (c !== null) byIndex.set(c, i);
  }

  const states: ViewState[] = [];
  const viewState = (v: number): ViewState => {
    if (states[v]) return states[v];
    const def: ExplorerView = data.views[v];
    let ops: number[];
    if (def.ops) ops = def.ops.slice();
    else if (def.key !== undefined) {
      ops = [];
      for (let i = 0; i < n; i++) if (data.key[i] === def.key) ops.push(i);
    } else ops = Array.from({ length: n }, (_, i) => i);
    ops.sort((a, b) => data.inv[a] - data.inv[b] || a - b);
    // A running maximum of completion times finds the first op overlapping a window by binary search; one op
    // without a response would make it useless from there on, so long ops are kept apart.
    const longSpan = (data.end - Math.min(0, data.start)) / 200;
    const short: number[] = [];
    const long: number[] = [];
    for (const id of ops) (end(id) - data.inv[id] > longSpan ? long : short).push(id);
    const maxEnd = new Float64Array(short.length);
    let m = -Infinity;
    for (const [j, id] of short.entries()) {
      m = Math.max(m, end(id));
      maxEnd[j] = m;
    }
    const procs: number[] = [];
    const seen = new Set<number>();
    for (const id of ops)
      if (!seen.has(data.proc[id])) {
        seen.add(data.proc[id]);
        procs.push(data.proc[id]);
      }
    procs.sort((a, b) => a - b);
    const rowOf = new Map<number, number>();
    for (const [i, p] of procs.entries()) rowOf.set(p, i);
    states[v] = { ops, short, maxEnd, long, rows: procs.map((proc) => ({ proc })), rowOf, lin: def.lin };
    return states[v];
  };

  let view = 0;
  let t0 = data.start;
  let t1 = data.end;
  let hover: number | undefined;
  let selected: number | undefined;
  let outlined = new Map<number, string>();
  let left = 80;
  const RIGHT = 12;
  const header = (): number => AXIS + (kinds.length ? kinds.length * LANE + 6 : 0);
  const fmt = (t: number, step?: number): string => {
    if (data.unit === 'index') return `${Math.round(t)}`;
    const digits = step === undefined ? 3 : Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
    return `${t.toFixed(digits)} s`;
  };
  // Layout read once per resize and scroll, not once per bar.
  let cssW = 800;
  let scroll = 0;
  const width = (): number => cssW;
  const xOf = (t: number): number => left + ((t - t0) / (t1 - t0)) * (width() - left - RIGHT);
  const tOf = (x: number): number => t0 + ((x - left) / (width() - left - RIGHT)) * (t1 - t0);

  const niceStep = (raw: number): number => {
    const p = 10 ** Math.floor(Math.log10(raw));
    const m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  };

  /** Calls `f` with every op of the view overlapping [a, b], short ones in invoke order, then the long ones. */
  const overlapping = (s: ViewState, a: number, b: number, f: (id: number) => void): void => {
    let lo = 0;
    let hi = s.short.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.maxEnd[mid] < a) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < s.short.length; j++) {
      const id = s.short[j];
      if (data.inv[id] > b) break;
      if (end(id) >= a) f(id);
    }
    for (const id of s.long) if (data.inv[id] <= b && end(id) >= a) f(id);
  };

  /** A bar's ends; the offending and outlined ones stay wide enough to see and click, however short they were. */
  const barX = (id: number): [number, number] => {
    const minW = id === data.offending || outlined.has(id) ? 8 : 3;
    const x1 = Math.min(xOf(data.inv[id]), width() - RIGHT - minW);
    return [x1, Math.max(x1 + minW, xOf(end(id)))];
  };
  const rowTop = (row: number): number => header() + row * ROW - scroll;
  const fill = (id: number, s: ViewState): string => {
    if (s.lin) {
      if (s.lin.offending.indexOf(id) >= 0) return COLORS.bad;
      return linOf.has(id) && linOf.get(id)!.lin === s.lin ? COLORS.lin : COLORS.other;
    }
    if (id === data.offending) return COLORS.bad;
    const c = data.type[id];
    return c === 'o' ? COLORS.ok : c === 'f' ? COLORS.fail : COLORS.info;
  };

  const resize = (): void => {
    const s = viewState(view);
    const total = header() + s.rows.length * ROW + 8;
    const shown = header() + Math.min(s.rows.length * ROW, Math.floor(MAX_ROWS_PX / ROW) * ROW) + 8;
    wrap.style.height = `${shown}px`;
    inner.style.height = `${total}px`;
    const dpr = window.devicePixelRatio || 1;
    const w = wrap.clientWidth || 800;
    cssW = w;
    scroll = wrap.scrollTop;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${shown}px`;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(shown * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  };

  const draw = (): void => {
    const s = viewState(view);
    const W = width();
    const H = canvas.height / (window.devicePixelRatio || 1);
    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
    // The label column fits its longest label: never clipped.
    let lw = ctx.measureText('setup').width;
    for (const k of kinds) lw = Math.max(lw, ctx.measureText(k).width);
    for (const r of s.rows) lw = Math.max(lw, ctx.measureText(`process ${r.proc}`).width);
    left = Math.ceil(lw) + 14;
    const top = header();
    // Setup (before the load), shaded.
    if (data.setup > 0 && t0 < 0) {
      const x1 = Math.max(left, xOf(-data.setup));
      const x2 = Math.min(xOf(0), W - RIGHT);
      ctx.fillStyle = COLORS.setup;
      ctx.fillRect(x1, AXIS, x2 - x1, H - AXIS);
      ctx.fillStyle = COLORS.muted;
      if (x2 - x1 > 40) ctx.fillText('setup', x1 + 4, top + 12);
    }
    // Axis and grid.
    const raw = niceStep(((t1 - t0) * 90) / Math.max(100, W - left));
    const step = data.unit === 'index' ? Math.max(1, Math.round(raw)) : raw;
    ctx.strokeStyle = COLORS.grid;
    ctx.fillStyle = COLORS.muted;
    ctx.textAlign = 'center';
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = Math.round(xOf(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, AXIS - 4);
      ctx.lineTo(x, H);
      ctx.stroke();
      // A tick's label kept whole inside the canvas, even at its edges.
      const label = fmt(t, step);
      const half = ctx.measureText(label).width / 2;
      ctx.fillText(label, Math.min(Math.max(x, left + half), W - half - 2), 13);
    }
    ctx.textAlign = 'left';
    // Fault lanes, and their bands through the rows.
    kinds.forEach((k, i) => {
      const y = AXIS + i * LANE;
      ctx.fillStyle = COLORS.muted;
      ctx.fillText(k, 4, y + 10);
      for (const f of data.faults) {
        if (f.kind !== k || f.end < t0 || f.start > t1) continue;
        const x1 = Math.max(left, xOf(f.start));
        const x2 = Math.min(W - RIGHT, Math.max(x1 + 2, xOf(f.end)));
        ctx.fillStyle = colorOf(k);
        ctx.fillRect(x1, y + 1, x2 - x1, LANE - 3);
        ctx.globalAlpha = 0.08;
        ctx.fillRect(x1, top, x2 - x1, H - top);
        ctx.globalAlpha = 1;
      }
    });
    // Rows.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, top, W, H - top);
    ctx.clip();
    s.rows.forEach((r, i) => {
      const y = rowTop(i);
      if (y + ROW < top || y > H) return;
      ctx.fillStyle = COLORS.muted;
      ctx.fillText(`process ${r.proc}`, 4, y + 15);
      ctx.strokeStyle = COLORS.grid;
      ctx.beginPath();
      ctx.moveTo(left, y + ROW - 0.5);
      ctx.lineTo(W - RIGHT, y + ROW - 0.5);
      ctx.stroke();
    });
    ctx.beginPath();
    ctx.rect(left, top, W - left - RIGHT, H - top);
    ctx.clip();
    const last: { id: number; x: number; y: number; w: number }[] = [];
    // Zoomed out, many bars share a pixel: adjoining thin bars of one colour in a row are merged into one rect.
    const runs: { x1: number; x2: number; y: number; color: string }[] = [];
    const flush = (row: number): void => {
      const r = runs[row];
      if (!r) return;
      ctx.fillStyle = r.color;
      ctx.fillRect(r.x1, r.y, r.x2 - r.x1, BAR);
      runs[row] = undefined as never;
    };
    const bar = (id: number): void => {
      const row = s.rowOf.get(data.proc[id])!;
      const y = rowTop(row) + (ROW - BAR) / 2;
      if (y + BAR < top || y > H) return;
      const [x1, x2] = barX(id);
      const color = fill(id, s);
      const open = data.type[id] === 'i' || data.type[id] === 'p';
      const marked = id === hover || id === selected || id === data.offending || outlined.has(id);
      const w = x2 - x1;
      if (!open && !marked && w < 4) {
        const r = runs[row];
        if (r && r.color === color && x1 <= r.x2 + 0.5) r.x2 = Math.max(r.x2, x2);
        else {
          flush(row);
          runs[row] = { x1, x2, y, color };
        }
        return;
      }
      ctx.fillStyle = color;
      ctx.globalAlpha = open ? 0.6 : 1;
      ctx.fillRect(x1, y, w, BAR);
      ctx.globalAlpha = 1;
      if (open) {
        ctx.setLineDash([3, 2]);
        ctx.strokeStyle = COLORS.muted;
        ctx.strokeRect(x1 + 0.5, y + 0.5, w - 1, BAR - 1);
        ctx.setLineDash([]);
      }
      if (w > 22) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(Math.max(x1, left), y, Math.min(x2, W - RIGHT) - Math.max(x1, left) - 2, BAR);
        ctx.clip();
        ctx.fillStyle = COLORS.text;
        const lin = s.lin && linOf.get(id);
        const prefix = lin && lin.lin === s.lin ? `${lin.k + 1}. ` : '';
        const badge = outlined.get(id);
        const tx = Math.max(x1, left) + 3 + (badge ? ctx.measureText(badge).width + 6 : 0);
        if (data.txn) {
          // Micro-ops on two lines, broken between micro-ops where the first line is full.
          const mops = data.text[id].match(/\[[^[\]]*(\[[^\]]*\])?[^[\]]*\]/g) ?? [data.text[id]];
          let line = '';
          let k = 0;
          for (; k < mops.length; k++) {
            const next = line ? `${line} ${mops[k]}` : mops[k];
            if (line && ctx.measureText(next).width > x2 - tx - 4) break;
            line = next;
          }
          ctx.fillText(line, tx, y + 13);
          ctx.fillText(mops.slice(k).join(' '), tx, y + 27);
        } else ctx.fillText(prefix + data.text[id], tx, y + 13);
        ctx.restore();
      }
      if (marked) last.push({ id, x: x1, y, w });
    };
    overlapping(s, t0, t1, bar);
    for (let row = 0; row < runs.length; row++) flush(row);
    // Outlines last, over their neighbours.
    for (const b of last) {
      const o = outlined.get(b.id);
      ctx.lineWidth = b.id === selected || b.id === data.offending ? 2.5 : 1.5;
      ctx.strokeStyle = o ? COLORS.outline : b.id === data.offending ? '#111' : COLORS.text;
      if (o) ctx.lineWidth = 3;
      ctx.strokeRect(b.x - 1, b.y - 1, b.w + 2, BAR + 2);
      ctx.lineWidth = 1;
      if (o) {
        ctx.fillStyle = COLORS.outline;
        const tw = ctx.measureText(o).width + 6;
        ctx.fillRect(b.x - 1, b.y - 1, tw, 12);
        ctx.fillStyle = '#fff';
        ctx.fillText(o, b.x + 2, b.y + 8);
      }
    }
    ctx.restore();
    status.textContent =
      `${fmt(t0)} – ${fmt(t1)}${data.unit === 'index' ? ' (history positions: this history records no times)' : ''}` +
      ` · ${s.ops.length} operation${s.ops.length === 1 ? '' : 's'}, ` +
      `${s.rows.length} process${s.rows.length === 1 ? '' : 'es'}`;
    root.dataset.t0 = String(t0);
    root.dataset.t1 = String(t1);
    root.dataset.view = String(view);
  };

  let pending = false;
  const redraw = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };

  /** The op under a point of the canvas (CSS pixels), if any. */
  const hit = (x: number, y: number): number | undefined => {
    const s = viewState(view);
    const top = header();
    if (y < top || x < left) return undefined;
    const row = Math.floor((y - top + scroll) / ROW);
    const proc = s.rows[row]?.proc;
    if (proc === undefined) return undefined;
    const t = tOf(x);
    const slack = ((t1 - t0) / Math.max(1, width() - left)) * 2;
    let best: number | undefined;
    overlapping(s, t - slack, t + slack, (id) => {
      if (data.proc[id] === proc && (best === undefined || end(id) - data.inv[id] < end(best) - data.inv[best]))
        best = id;
    });
    return best;
  };

  const describe = (id: number): string[] => {
    const lines: string[] = [];
    const c = data.type[id];
    const outcome = c === 'o' ? 'ok' : c === 'f' ? 'fail' : c === 'i' ? 'info (outcome unknown)' : 'no response';
    lines.push(`process ${data.proc[id]}: ${data.text[id]}`);
    const r = data.ret[id];
    const at = data.unit === 'index' ? 'at position ' : 'at ';
    lines.push(
      `invoked ${at}${fmt(data.inv[id])} (history index ${data.ii[id]}); ` +
        (r === null
          ? 'never completed: it may take effect at any later time'
          : `${outcome} ${at}${fmt(r)} (history index ${data.ci[id]})` +
            (data.unit === 's' ? `, after ${((r - data.inv[id]) * 1e3).toFixed(2)} ms` : '')),
    );
    if (data.detail[id]) lines.push(data.detail[id]);
    const l = linOf.get(id);
    const off = offendingIn.get(id);
    if (l) {
      const before = l.k === 0 ? l.lin.init : l.lin.states[l.k - 1];
      lines.push(
        `${l.view}: step ${l.k + 1} of ${l.lin.order.length} in the longest linearizable prefix; ` +
          `state before: ${before || '?'}; after: ${l.lin.states[l.k]}`,
      );
    } else if (off) {
      const st = off.lin.order.length ? off.lin.states[off.lin.order.length - 1] : off.lin.init;
      lines.push(
        `${off.view}: could not be linearized after the longest prefix (${off.lin.order.length} steps), ` +
          `in state ${st || '?'}: no legal place for it`,
      );
    } else if (inFailing.has(id)) lines.push('not in the longest linearizable prefix');
    return lines;
  };

  const showDetails = (): void => {
    if (selected === undefined) {
      details.hidden = true;
      root.dataset.selected = '';
      return;
    }
    details.hidden = false;
    details.textContent = '';
    const h = document.createElement('strong');
    // Named by its completion's index, as Elle and the anomalies name operations (its invoke's when it has none).
    const name = data.ci[selected] ?? data.ii[selected];
    h.textContent = `operation ${name}${selected === data.offending ? ' (the offending operation)' : ''}`;
    details.appendChild(h);
    for (const line of describe(selected)) {
      const p = document.createElement('div');
      p.textContent = line;
      details.appendChild(p);
    }
    root.dataset.selected = String(selected);
  };

  const api: Explorer = {
    data,
    root,
    onWindow: [],
    window: () => [t0, t1],
    setWindow(a, b, from) {
      const span = Math.max(b - a, data.unit === 'index' ? 2 : 1e-6);
      const lo = Math.min(data.start, -data.setup) - span * 0.5;
      const hi = data.end + span * 0.5;
      t0 = Math.max(lo, a);
      t1 = Math.min(hi, t0 + span);
      redraw();
      for (const l of api.onWindow) l(t0, t1, from);
    },
    view: () => view,
    setView(v) {
      view = v;
      select.value = String(v);
      wrap.scrollTop = 0;
      scroll = 0;
      resize();
      redraw();
    },
    select(id) {
      selected = id;
      showDetails();
      redraw();
    },
    focusIndexes(indexes, labels, bringIntoView = true) {
      outlined = new Map();
      const ids: number[] = [];
      indexes.forEach((ix, i) => {
        const id = byIndex.get(ix);
        if (id === undefined) return;
        ids.push(id);
        outlined.set(id, labels[i] ?? '');
      });
      if (!ids.length) return;
      const s = viewState(view);
      if (ids.some((id) => !s.rowOf.has(data.proc[id]))) api.setView(0);
      let a = Infinity;
      let b = -Infinity;
      for (const id of ids) {
        a = Math.min(a, data.inv[id]);
        b = Math.max(b, end(id));
      }
      const pad = Math.max((b - a) * 0.15, data.unit === 'index' ? 1 : 1e-3);
      api.setWindow(a - pad, b + pad, 'focus');
      const rowIds = ids.map((id) => viewState(view).rowOf.get(data.proc[id]) ?? 0);
      wrap.scrollTop = Math.max(0, (Math.min(...rowIds) - 1) * ROW);
      scroll = wrap.scrollTop;
      api.select(ids[0]);
      if (bringIntoView) root.scrollIntoView({ block: 'start', inline: 'nearest' });
    },
    locate(id) {
      const s = viewState(view);
      const row = s.rowOf.get(data.proc[id]);
      if (row === undefined || end(id) < t0 || data.inv[id] > t1) return undefined;
      const r = canvas.getBoundingClientRect();
      const [a, b] = barX(id);
      const x1 = Math.max(left, a);
      const x2 = Math.min(width() - RIGHT, b);
      const y = rowTop(row) + (ROW - BAR) / 2;
      return { x: r.left + x1, y: r.top + y, w: x2 - x1, h: BAR };
    },
    redraw,
  };

  // The view list: the whole history, failing partitions, then every key.
  data.views.forEach((v, i) => {
    const o = document.createElement('option');
    o.value = String(i);
    o.textContent = v.name;
    select.appendChild(o);
  });
  select.addEventListener('change', () => api.setView(Number(select.value)));
  wrap.addEventListener('scroll', () => {
    scroll = wrap.scrollTop;
    redraw();
  });

  const zoom = (factor: number, at?: number): void => {
    const c = at ?? (t0 + t1) / 2;
    api.setWindow(c - (c - t0) * factor, c + (t1 - c) * factor, 'explorer');
  };
  root.querySelector('.fl-zoom-in')!.addEventListener('click', () => zoom(0.5));
  root.querySelector('.fl-zoom-out')!.addEventListener('click', () => zoom(2));
  root.querySelector('.fl-fit')!.addEventListener('click', () => api.setWindow(data.start, data.end, 'explorer'));
  const toOffending = root.querySelector('.fl-to-offending') as HTMLButtonElement | null;
  if (toOffending) {
    if (data.offending === undefined) toOffending.hidden = true;
    else toOffending.addEventListener('click', () => showOffending(api, data));
  }

  const local = (ev: MouseEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  };
  canvas.addEventListener(
    'wheel',
    (ev) => {
      if (!(ev.ctrlKey || ev.metaKey) && Math.abs(ev.deltaX) <= Math.abs(ev.deltaY)) return;
      ev.preventDefault();
      const [x] = local(ev);
      if (ev.ctrlKey || ev.metaKey) zoom(Math.exp(ev.deltaY * 0.002), tOf(x));
      else {
        const dt = (ev.deltaX / Math.max(1, width() - left)) * (t1 - t0);
        api.setWindow(t0 + dt, t1 + dt, 'explorer');
      }
    },
    { passive: false },
  );
  let drag: { x: number; t0: number; t1: number; moved: boolean } | undefined;
  canvas.addEventListener('mousedown', (ev) => {
    drag = { x: ev.clientX, t0, t1, moved: false };
  });
  window.addEventListener('mouseup', (ev) => {
    if (!drag) return;
    const d = drag;
    drag = undefined;
    if (d.moved) return;
    const [x, y] = local(ev);
    api.select(hit(x, y));
  });
  window.addEventListener('mousemove', (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x;
    if (Math.abs(dx) > 3) drag.moved = true;
    if (!drag.moved) return;
    const dt = (dx / Math.max(1, width() - left)) * (drag.t1 - drag.t0);
    api.setWindow(drag.t0 - dt, drag.t1 - dt, 'explorer');
  });
  canvas.addEventListener('dblclick', (ev) => zoom(0.5, tOf(local(ev)[0])));
  canvas.addEventListener('mousemove', (ev) => {
    const [x, y] = local(ev);
    const h = drag?.moved ? undefined : hit(x, y);
    if (h !== hover) {
      hover = h;
      redraw();
    }
    if (h === undefined) {
      tip.hidden = true;
      return;
    }
    tip.hidden = false;
    tip.textContent = describe(h).slice(0, 2).join('\n');
    const r = root.getBoundingClientRect();
    const cx = ev.clientX - r.left;
    tip.style.left = `${Math.min(cx + 14, Math.max(0, r.width - 420))}px`;
    tip.style.top = `${ev.clientY - r.top + 16}px`;
  });
  canvas.addEventListener('mouseleave', () => {
    tip.hidden = true;
    if (hover !== undefined) {
      hover = undefined;
      redraw();
    }
  });
  window.addEventListener('resize', () => {
    resize();
    draw();
  });
  resize();
  draw();
  return api;
}

/** Shows the offending operation: its failing partition, a window around it, selected; never moves the page. */
export function showOffending(ex: Explorer, data: ExplorerData): void {
  const id = data.offending;
  if (id === undefined) return;
  const v = data.views.findIndex((x) => x.lin && x.lin.offending.indexOf(id) >= 0);
  ex.setView(Math.max(v, 0));
  const ops = (v >= 0 ? data.views[v].ops : undefined) ?? [id];
  const endOf = (i: number): number => data.ret[i] ?? data.end;
  // The whole partition when it is small enough to read, else its 40 operations nearest the offending one.
  const near = ops
    .slice()
    .sort((a, b) => Math.abs(data.inv[a] - data.inv[id]) - Math.abs(data.inv[b] - data.inv[id]))
    .slice(0, 40);
  const shown = ops.length <= 60 ? ops : near;
  let a = Infinity;
  let b = -Infinity;
  // Every shown op whole (so no process row looks empty), but an op without a response by its invoke only: it
  // would stretch the window to the end of the history.
  for (const i of shown) {
    a = Math.min(a, data.inv[i]);
    b = Math.max(b, data.ret[i] ?? data.inv[i]);
  }
  b = Math.max(b, endOf(id));
  const pad = Math.max((b - a) * 0.05, data.unit === 'index' ? 1 : 1e-4);
  ex.setWindow(a - pad, b + pad, 'offending');
  ex.select(id);
}

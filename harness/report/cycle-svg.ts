// A dependency cycle drawn as SVG, made here rather than by Graphviz so the report stays one offline file: the
// cycle's transactions on a circle in cycle order (clockwise from the top), each step an arrow from one to the
// next, bent away from the centre (for two transactions, each to its own side) so that the labels, the kind of
// dependency with its key and values, sit outside the polygon and never on top of one another.
import type { CycleAnomaly, CycleStep } from '../checker/txn/types.js';
import { showTxnValue } from '../history/txn.js';
import { esc } from './html.js';

export const REL_COLORS: Record<string, string> = {
  ww: '#2563eb',
  wr: '#059669',
  rw: '#dc2626',
  process: '#6b7280',
  realtime: '#a855f7',
};
const OTHER = '#475467';
const NODE_R = 22;
/** Average advance of a character of the 11px monospace labels, for their backgrounds. */
const CHAR_W = 6.7;
/** Most transactions drawn around one circle; Elle's shortest cycles are small, a longer one is listed only. */
export const MAX_DRAWN = 24;

/** "rw 255: 5 → 8": the dependency, the key, and the values that explain it. */
export function stepLabel(s: CycleStep): string {
  const vals =
    s.value !== undefined && s.value2 !== undefined
      ? `${showTxnValue(s.value)} → ${showTxnValue(s.value2)}`
      : s.value2 !== undefined
        ? `∅ → ${showTxnValue(s.value2)}`
        : s.value !== undefined
          ? showTxnValue(s.value)
          : '';
  const key = s.key !== undefined ? ` ${showTxnValue(s.key)}` : '';
  return `${s.rel}${key}${vals ? `: ${vals}` : ''}`;
}

interface Pt {
  x: number;
  y: number;
}

/**
 * The cycle as an SVG element; `link(i)` gives the attributes that make transaction i a link into the history
 * (data-fl-ops and data-fl-names, read by the page's script). `id` must be unique in the page (marker ids).
 */
export function cycleSvg(a: CycleAnomaly, id: string, link: (i: number) => string): string {
  const n = a.txns.length;
  if (n < 2 || n > MAX_DRAWN) return '';
  const labels = a.steps.map(stepLabel);
  const longest = Math.max(...labels.map((l) => l.length));
  const R = Math.max(80, (n * (NODE_R * 2 + 26)) / (2 * Math.PI));
  const mx = Math.ceil(longest * CHAR_W) + 40;
  const my = 60;
  const W = Math.round(2 * (R + mx));
  const H = Math.round(2 * (R + my));
  const c: Pt = { x: W / 2, y: H / 2 };
  const pos: Pt[] = a.txns.map((_, i) => {
    const ang = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: c.x + R * Math.cos(ang), y: c.y + R * Math.sin(ang) };
  });
  const rels = [...new Set(a.steps.map((s) => s.rel))];
  const color = (rel: string): string => REL_COLORS[rel] ?? OTHER;
  const marker = (rel: string): string => `${id}-arrow-${rels.indexOf(rel)}`;
  const defs = rels
    .map(
      (r) =>
        `<marker id="${esc(marker(r))}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" ` +
        `orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color(r)}"/></marker>`,
    )
    .join('');
  const f = (v: number): string => v.toFixed(1);
  const edges = a.steps.map((s, k) => {
    const A = pos[s.from];
    const B = pos[s.to];
    const dx = B.x - A.x;
    const dy = B.y - A.y;
    const len = Math.hypot(dx, dy) || 1;
    const mid = { x: (A.x + B.x) / 2, y: (A.y + B.y) / 2 };
    // Bend outward (away from the centre); with two nodes the centre is on the chord, so bend to the left.
    let nx = -dy / len;
    let ny = dx / len;
    if (n > 2 && (mid.x - c.x) * nx + (mid.y - c.y) * ny < 0) {
      nx = -nx;
      ny = -ny;
    }
    const bend = Math.min(0.35 * len, 60);
    const C = { x: mid.x + nx * bend, y: mid.y + ny * bend };
    // Start and end on the nodes' rims, along the tangents toward the control point.
    const rim = (P: Pt): Pt => {
      const d = Math.hypot(C.x - P.x, C.y - P.y) || 1;
      return { x: P.x + ((C.x - P.x) / d) * (NODE_R + 2), y: P.y + ((C.y - P.y) / d) * (NODE_R + 2) };
    };
    const s0 = rim(A);
    const s1 = rim(B);
    const top = { x: 0.25 * s0.x + 0.5 * C.x + 0.25 * s1.x, y: 0.25 * s0.y + 0.5 * C.y + 0.25 * s1.y };
    const lx = top.x + nx * 12;
    const ly = top.y + ny * 12;
    const anchor = nx > 0.3 ? 'start' : nx < -0.3 ? 'end' : 'middle';
    const tw = labels[k].length * CHAR_W;
    const bx = anchor === 'start' ? lx - 3 : anchor === 'end' ? lx - tw - 3 : lx - tw / 2 - 3;
    const col = color(s.rel);
    return (
      `<g class="edge edge-${esc(s.rel)}"><title>${esc(s.text)}</title>` +
      `<path d="M${f(s0.x)},${f(s0.y)} Q${f(C.x)},${f(C.y)} ${f(s1.x)},${f(s1.y)}" fill="none" stroke="${col}" ` +
      `stroke-width="2" marker-end="url(#${esc(marker(s.rel))})"/>` +
      `<rect x="${f(bx)}" y="${f(ly - 11)}" width="${f(tw + 6)}" height="16" rx="3" fill="#fff" fill-opacity="0.9"/>` +
      `<text x="${f(lx)}" y="${f(ly + 1)}" text-anchor="${anchor}" fill="${col}" class="elabel">` +
      `${esc(labels[k])}</text></g>`
    );
  });
  // Each node's "op N" outside the circle of nodes, away from the centre, where no arrow passes.
  const sub = pos.map((p) => {
    const d = Math.hypot(p.x - c.x, p.y - c.y) || 1;
    return { x: p.x + ((p.x - c.x) / d) * (NODE_R + 16), y: p.y + ((p.y - c.y) / d) * (NODE_R + 12) };
  });
  const nodes = a.txns.map(
    (t, i) =>
      `<a href="#" ${link(i)} class="node">` +
      `<title>${esc(`${t.name}: operation ${t.index} (process ${t.process}, ${t.type})`)}</title>` +
      `<circle cx="${f(pos[i].x)}" cy="${f(pos[i].y)}" r="${NODE_R}" fill="#fff" stroke="#1d2330" stroke-width="2"/>` +
      `<text x="${f(pos[i].x)}" y="${f(pos[i].y + 5)}" text-anchor="middle" class="nlabel">${esc(t.name)}</text>` +
      `<text x="${f(sub[i].x)}" y="${f(sub[i].y + 4)}" text-anchor="middle" class="nsub">` +
      `op ${esc(t.index)}</text></a>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="cycle" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `role="img" aria-label="${esc(`${a.type} cycle of ${n} transactions`)}"><defs>${defs}</defs>` +
    `${edges.join('')}${nodes.join('')}</svg>`
  );
}

export const CYCLE_CSS = `
svg.cycle{background:#fff;border:1px solid #e3e6eb;border-radius:6px;max-width:100%;height:auto}
svg.cycle .elabel{font:11px ui-monospace,Menlo,Consolas,monospace}
svg.cycle .nlabel{font:bold 14px system-ui,sans-serif;fill:#1d2330}
svg.cycle .nsub{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#667085}
svg.cycle a.node:hover circle{fill:#fef3c7}
`;

// One partition of a checked history drawn as Porcupine draws it: a row per client, a bar per operation from its
// call to its return. For an illegal partition the longest linearizable prefix is numbered in order (green) and
// the operation that could not be placed after it is red; hovering a bar shows the operation and the state.
import { getModel } from '../checker/models/registry.js';
import type { Model, PartitionInfo } from '../checker/porcupine/types.js';
import { showValue } from '../history/show.js';
import { esc, num } from './html.js';
import { faultColor } from './charts.js';

/** A fault interval in the timeline's time: positions among the client events of the history. */
export interface PositionalFault {
  kind: string;
  start: number;
  end: number;
  label: string;
}

const ROW = 26;
const STEP = 14;
const LEFT = 70;
/** Above this many operations a partition is summarised instead of drawn (the page must stay openable). */
export const MAX_DRAWN_OPS = 3000;

type Describe = Model['describeOperation'];

/**
 * The model's describeOperation, guarded: the operations may come from a results.json someone sent, and a
 * description that throws on an odd value falls back to the raw input and output rather than failing the page.
 */
export function safeDescribe(model: string | undefined): (input: unknown, output: unknown) => string {
  let d: Describe | undefined;
  try {
    d = model ? getModel(model).create({}).model.describeOperation : undefined;
  } catch {
    d = undefined;
  }
  return (input, output) => {
    if (d)
      try {
        return String(d(input as never, output as never));
      } catch {
        /* fall through */
      }
    return showValue({ input, output }, 300);
  };
}

/**
 * `faults`: drawn as a lane above the client rows, one row per fault kind, mapped onto the compressed time axis
 * (a fault starting at position s begins where the first call or return at or after s is drawn).
 */
export function renderTimeline(
  p: PartitionInfo,
  describe: Describe | undefined,
  title: string,
  faults: readonly PositionalFault[] = [],
  markFirstOffending = false,
): string {
  const ops = p.ops;
  if (ops.length > MAX_DRAWN_OPS)
    return `<p class="muted">${esc(title)}: ${ops.length} operations, too many to draw.</p>`;
  // Compress time: only the order of call and return events matters.
  const finite = new Set<number>();
  for (const o of ops) {
    finite.add(o.call);
    if (Number.isFinite(o.ret)) finite.add(o.ret);
  }
  const times = [...finite].sort((a, b) => a - b);
  const rank = new Map(times.map((t, i) => [t, i]));
  const end = times.length + 1;
  const clients = [...new Set(ops.map((o) => o.clientId))].sort((a, b) => a - b);
  const row = new Map(clients.map((c, i) => [c, i]));
  const kinds = [...new Set(faults.map((f) => f.kind))];
  const laneH = kinds.length ? kinds.length * 12 + 8 : 0;
  const xAt = (pos: number): number => {
    let lo = 0,
      hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return LEFT + lo * STEP;
  };
  const best = p.longest?.[0];
  const position = new Map<number, number>();
  if (best) for (const [k, opIdx] of best.order.entries()) position.set(opIdx, k);
  const offending = new Set(p.offending ?? []);
  const width = LEFT + (end + 1) * STEP + 20;
  const height = laneH + clients.length * ROW + 30;
  const parts: string[] = [];
  kinds.forEach((k, r) => {
    const y = 4 + r * 12;
    parts.push(`<text x="4" y="${y + 9}" class="lbl">${esc(k)}</text>`);
    for (const f of faults.filter((x) => x.kind === k)) {
      const x1 = xAt(f.start),
        x2 = Math.max(x1 + 3, Number.isFinite(f.end) ? xAt(f.end) : width - 10);
      parts.push(
        `<g class="fault"><title>${esc(f.label)}</title>` +
          `<rect x="${x1}" y="${y}" width="${x2 - x1}" height="10" fill="${faultColor(k)}"/>` +
          `<rect x="${x1}" y="${laneH}" width="${x2 - x1}" height="${clients.length * ROW}" ` +
          `fill="${faultColor(k)}" class="band"/></g>`,
      );
    }
  });
  clients.forEach((c, i) => {
    parts.push(`<text x="4" y="${laneH + i * ROW + 18}" class="lbl">client ${num(c)}</text>`);
    parts.push(
      `<line x1="${LEFT}" x2="${width - 10}" y1="${laneH + i * ROW + 13}" y2="${laneH + i * ROW + 13}" class="lane"/>`,
    );
  });
  let marked = !markFirstOffending;
  ops.forEach((o, idx) => {
    const x1 = LEFT + rank.get(o.call)! * STEP;
    const open = !Number.isFinite(o.ret);
    const x2 = LEFT + (open ? end : rank.get(o.ret)!) * STEP + STEP * 0.8;
    const y = laneH + row.get(o.clientId)! * ROW + 4;
    const k = position.get(idx);
    const cls = offending.has(idx) ? 'bad' : k !== undefined ? 'lin' : 'op';
    const text = describe ? describe(o.input, o.output) : showValue({ input: o.input, output: o.output }, 300);
    const state = k !== undefined && best ? ` → state ${best.states[k]}` : '';
    const tip =
      `${text}${open ? ' (no response: may take effect at any later time)' : ''}` +
      `${k !== undefined ? ` [linearized #${k + 1}${state}]` : ''}` +
      `${offending.has(idx) ? ' [could not be linearized]' : ''}`;
    const id = offending.has(idx) && !marked ? ' id="offending"' : '';
    if (id) marked = true;
    parts.push(
      `<g${id}><title>${esc(tip)}</title>` +
        `<rect x="${x1}" y="${y}" width="${Math.max(4, x2 - x1)}" height="18" rx="3"` +
        ` class="${cls}${open ? ' open' : ''}"/>` +
        (k !== undefined ? `<text x="${x1 + 3}" y="${y + 13}" class="num">${num(k + 1)}</text>` : '') +
        '</g>',
    );
  });
  return (
    '<div class="timeline">' +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"` +
    ` role="img" aria-label="${esc(title)}">` +
    `${parts.join('')}</svg></div>`
  );
}

export const TIMELINE_CSS =
  `
svg .lbl{font:11px ui-monospace,monospace;fill:#475467} svg .lane{stroke:#eef0f3}
svg rect.op{fill:#c8d1dc} svg rect.lin{fill:#7cc48f} ` +
  `svg rect.bad{fill:#e5484d} svg rect.open{fill-opacity:.45;stroke:#667085;stroke-dasharray:3 2}
svg .num{font:10px ui-monospace,monospace;fill:#0b3d1a} svg g:hover rect{stroke:#1d2330;stroke-width:1.5}
svg .band{fill-opacity:.1} #offending rect{stroke:#111;stroke-width:2.5} ` +
  `#offending.focus rect{animation:fl-pulse 1s ease-in-out 4}
@keyframes fl-pulse{50%{stroke:#facc15;stroke-width:5}}
`;

/** The longest linearizable prefix as a table: step, operation, state after. */
export function renderLongest(p: PartitionInfo, describe: Describe | undefined): string {
  const best = p.longest?.[0];
  if (!best) return '';
  const rows = best.order.map((opIdx, k) => {
    const o = p.ops[opIdx];
    const text = describe ? describe(o.input, o.output) : showValue(o.input, 300);
    return (
      `<tr><td>${num(k + 1)}</td><td>client ${num(o.clientId)}</td>` +
      `<td><code>${esc(text)}</code></td><td><code>${esc(best.states[k])}</code></td></tr>`
    );
  });
  const bad = (p.offending ?? []).map((i) => {
    const o = p.ops[i];
    return (
      `<li>client ${num(o.clientId)}: ` +
      `<code>${esc(describe ? describe(o.input, o.output) : showValue(o.input, 300))}</code></li>`
    );
  });
  return `<h4>Longest linearizable prefix (${num(best.order.length)} of ${num(p.ops.length)} operations)</h4>
<table><tr><th>#</th><th>client</th><th>operation</th><th>state after</th></tr>${rows.join('')}</table>
<p>No operation can come next. It returned before it could be placed: <ul>${bad.join('')}</ul></p>`;
}

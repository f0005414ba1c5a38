// What the report's history explorer and plots draw, computed once at render time and embedded in the page as
// JSON (the page's script only draws it). Every client operation: its process, invoke and completion times on
// the report's one time axis, outcome, the text on its bar and its details; the views (the whole history, each
// failing partition with its longest linearizable prefix, each key); the faults; the plots' series.
//
// The time axis: seconds since the load began (the first client invoke), the origin shared by the plots, the
// fault lanes and the explorer, so a bar lines up with the fault that was active under it. What came before the
// load (bringing the cluster up) is the setup, shaded left of 0. A history without times (Elle's EDN, Porcupine's
// logs) is drawn on its event positions instead, as Porcupine and Elle draw theirs.
import type { CheckResult, Model, PartitionInfo } from '../checker/porcupine/types.js';
import { getModel } from '../checker/models/registry.js';
import { partitionKey, plainKey } from '../check/pipeline.js';
import type { HistoryEvent } from '../history/op.js';
import { showValue } from '../history/show.js';
import { showTxn } from '../history/txn.js';
import { faultColor } from './fault-colors.js';

/** Cut-offs that keep a page of a large history openable (the counts say what was left out). */
export const LIMITS = {
  barText: 120,
  detailText: 400,
  latencyPoints: 20_000,
  keyViews: 500,
  invalidViews: 20,
  stateText: 300,
} as const;

export interface LinInfo {
  /** Op ids in linearization order (the longest prefix found), the state after each, the state before the first. */
  order: number[];
  states: string[];
  init: string;
  /** Op ids that could not be placed after the prefix. */
  offending: number[];
}

export interface ExplorerView {
  name: string;
  /** Explicit op ids (a failing partition), else every op of `key` (an index into keys), else every op. */
  ops?: number[];
  key?: number;
  invalid?: boolean;
  lin?: LinInfo;
}

export interface FaultSpan {
  kind: string;
  start: number;
  end: number;
  label: string;
}

export interface PlotData {
  /** Bucket width in seconds of the throughput and the quantile lines. */
  bucket: number;
  tp: { t: number[]; ok: number[]; fail: number[]; info: number[] };
  /** Latency points (sampled to LIMITS.latencyPoints): invoke time, ms, outcome char. */
  lat: { t: number[]; v: number[]; k: string };
  /** Per bucket (null where no op completed ok: the lines break there). */
  q: { t: number[]; p50: (number | null)[]; p95: (number | null)[]; p99: (number | null)[] };
  /** How many operations the latency points stand for (more than lat.t.length when sampled). */
  latencyOps: number;
}

export interface ExplorerData {
  unit: 's' | 'index';
  /** Transactions: each bar holds micro-ops ([append 1 2] [r 3 [1 2]]), drawn on two lines. */
  txn: boolean;
  /** The default window: [start, end]. start is below 0 when a sliver of the setup is shown. */
  start: number;
  end: number;
  /** Seconds of setup before the load (0 when none, or when the history has no times). */
  setup: number;
  /**
   * Per op (columns): process, invoke and completion time (null: never completed), outcome (o/f/i/p), the text on
   * its bar, and what the bar does not say (the values of a failed or unknown op, an error; empty when nothing).
   */
  proc: number[];
  inv: number[];
  ret: (number | null)[];
  type: string;
  text: string[];
  detail: string[];
  /** The history's own index of each op's invoke and completion event (what anomalies and results name). */
  ii: number[];
  ci: (number | null)[];
  /** Key index per op (-1: none). */
  key: number[];
  keys: string[];
  views: ExplorerView[];
  faults: FaultSpan[];
  /** Each fault kind, in order of first appearance, with its colour (fault-colors.ts: the same in every report). */
  faultColors: Record<string, string>;
  plots?: PlotData;
  /** The first operation proving the history invalid (op id), drawn highlighted and marked on the plots. */
  offending?: number;
  /** Counts of what was left out for size. */
  omitted: { keys: number; invalidViews: number; latencyPoints: number };
}

export interface ExplorerInput {
  events: readonly HistoryEvent[];
  /** Linearizability model: bar texts in its words, states before and after. */
  model?: string;
  init?: unknown;
  lin?: CheckResult;
  /** Transactions: micro-ops on the bars. */
  txn?: boolean;
}

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

type Describe = (input: unknown, output: unknown) => string;

function modelOf(name: string | undefined, init: unknown): Model | undefined {
  if (!name) return undefined;
  try {
    return getModel(name).create({ init }).model;
  } catch {
    return undefined;
  }
}

/** Bar texts in the model's words, by client position of the invoke (what Operation.ref holds). */
function modelTexts(name: string | undefined, init: unknown, client: readonly HistoryEvent[]): Map<number, string> {
  const out = new Map<number, string>();
  if (!name) return out;
  try {
    const inst = getModel(name).create({ init });
    const describe = inst.model.describeOperation?.bind(inst.model) as Describe | undefined;
    if (!describe) return out;
    for (const o of inst.toOperations(client)) {
      try {
        out.set(o.ref ?? o.call, String(describe(o.input, o.output)));
      } catch {
        /* the generic text stands */
      }
    }
  } catch {
    // A history the model cannot read (it was checked by another checker): generic texts.
  }
  return out;
}

function stateText(model: Model | undefined): string {
  if (!model) return '';
  try {
    const s = model.init();
    return cut(model.describeState ? model.describeState(s) : (JSON.stringify(s) ?? String(s)), LIMITS.stateText);
  } catch {
    return '';
  }
}

function generic(e: HistoryEvent, done: HistoryEvent | undefined, txn: boolean): string {
  const show = (v: unknown): string => (txn ? showTxn(v) : showValue(v, LIMITS.barText));
  const key = e.key !== undefined && e.key !== null ? ` ${plainKey(e.key)}` : '';
  if (txn) return show(done?.type === 'ok' ? done.value : e.value);
  const out = done && done.type === 'ok' && done.value !== undefined && done.value !== null ? done.value : undefined;
  const inv = e.value !== undefined && e.value !== null ? ` ${show(e.value)}` : '';
  return `${e.f}${key}${inv}${out !== undefined && showValue(out) !== showValue(e.value) ? ` → ${show(out)}` : ''}`;
}

function detailOf(e: HistoryEvent, done: HistoryEvent | undefined, txn: boolean): string {
  const show = (v: unknown): string => (txn ? showTxn(v) : showValue(v, LIMITS.detailText));
  const parts = [`invoked with ${show(e.value)}`];
  if (done) parts.push(`${done.type} with ${show(done.value)}`);
  if (done?.error !== undefined) parts.push(`error ${showValue(done.error, 200)}`);
  return cut(parts.join('; '), LIMITS.detailText);
}

export function explorerData(x: ExplorerInput): ExplorerData {
  const timed = x.events.length > 0 && x.events.every((e) => typeof e.time === 'number' && Number.isFinite(e.time));
  const client = x.events.filter((e) => e.process !== 'nemesis');
  const firstInvoke = client.find((e) => e.type === 'invoke');
  const origin = timed && firstInvoke ? firstInvoke.time! : 0;
  // Microseconds are finer than any bar can show, and keep the page's numbers short.
  const at = (e: HistoryEvent, pos: number): number => (timed ? Math.round((e.time! - origin) / 1e3) / 1e6 : pos);
  const texts = x.txn ? new Map<number, string>() : modelTexts(x.model, x.init, client);

  const d: ExplorerData = {
    unit: timed ? 's' : 'index',
    txn: !!x.txn,
    start: 0,
    end: 1,
    setup: timed ? Math.max(0, origin / 1e9) : 0,
    proc: [],
    inv: [],
    ret: [],
    type: '',
    text: [],
    detail: [],
    ii: [],
    ci: [],
    key: [],
    keys: [],
    views: [{ name: 'whole history' }],
    faults: [],
    faultColors: {},
    omitted: { keys: 0, invalidViews: 0, latencyPoints: 0 },
  };
  const keyIds = new Map<string, number>();
  const keyId = (key: unknown): number => {
    if (key === undefined || key === null) return -1;
    const name = plainKey(key);
    let k = keyIds.get(name);
    if (k === undefined) {
      k = d.keys.length;
      keyIds.set(name, k);
      d.keys.push(name);
    }
    return k;
  };
  const open = new Map<unknown, { id: number; e: HistoryEvent; cp: number }>();
  const byClientPos = new Map<number, number>();
  const types: string[] = [];
  const faultStart = new Map<string, { t: number; label: string }>();
  let clientPos = 0;
  let last = 0;
  x.events.forEach((e, pos) => {
    const t = at(e, pos);
    last = Math.max(last, t);
    if (e.process === 'nemesis') {
      if (e.type !== 'info') return;
      if (e.f.startsWith('start-'))
        faultStart.set(e.f.slice(6), { t, label: `${e.f.slice(6)}: ${showValue(e.value, 200)}` });
      else if (e.f.startsWith('stop-') || e.f === 'heal-all') {
        for (const k of e.f === 'heal-all' ? [...faultStart.keys()] : [e.f.slice(5)]) {
          const s = faultStart.get(k);
          if (s) d.faults.push({ kind: k, start: s.t, end: t, label: s.label });
          faultStart.delete(k);
        }
      }
      return;
    }
    const cp = clientPos++;
    if (typeof e.process !== 'number') return;
    if (e.type === 'invoke') {
      const id = d.proc.length;
      open.set(e.process, { id, e, cp });
      byClientPos.set(cp, id);
      d.proc.push(e.process);
      d.inv.push(t);
      d.ret.push(null);
      types.push('p');
      d.text.push(cut(texts.get(cp) ?? generic(e, undefined, !!x.txn), LIMITS.barText));
      d.detail.push('');
      d.ii.push(e.index);
      d.ci.push(null);
      d.key.push(keyId(e.key));
      return;
    }
    const o = open.get(e.process);
    if (!o) return;
    open.delete(e.process);
    d.ret[o.id] = t;
    types[o.id] = e.type === 'ok' ? 'o' : e.type === 'fail' ? 'f' : 'i';
    d.ci[o.id] = e.index;
    if (!texts.has(o.cp)) d.text[o.id] = cut(generic(o.e, e, !!x.txn), LIMITS.barText);
    // An ok op's bar text already says what it was given and returned; other outcomes and errors need more.
    d.detail[o.id] = e.type === 'ok' && e.error === undefined ? '' : detailOf(o.e, e, !!x.txn);
  });
  // Ops that never completed: what they were invoked with (the bar may not say it all).
  for (const { id, e } of open.values()) d.detail[id] = detailOf(e, undefined, !!x.txn);
  for (const [k, s] of faultStart) d.faults.push({ kind: k, start: s.t, end: last, label: s.label });
  d.type = types.join('');
  for (const f of d.faults) d.faultColors[f.kind] = faultColor(f.kind);
  d.end = last > 0 ? last : 1; // a history with nothing in it still gets an axis a person can read
  addLinViews(d, x, byClientPos);
  addKeyViews(d);
  if (timed && d.ret.some((r) => r !== null)) {
    d.plots = plotData(d);
  }
  // A sliver of the setup stays in the default window, shaded, so a reader sees the load did not start at 0.
  if (d.setup > 0) d.start = -Math.min(d.setup, 0.04 * d.end);
  return d;
}

/** The failing partitions as views, each with its longest linearizable prefix and the ops that could not follow. */
function addLinViews(d: ExplorerData, x: ExplorerInput, byClientPos: ReadonlyMap<number, number>): void {
  const parts = (x.lin?.partitions ?? []).filter((p) => p.verdict === 'illegal');
  const model = modelOf(x.model, x.init);
  const init = stateText(model);
  parts.slice(0, LIMITS.invalidViews).forEach((p: PartitionInfo, n) => {
    const id = (j: number): number | undefined => {
      const o = p.ops[j];
      return o ? byClientPos.get(o.ref ?? o.call) : undefined;
    };
    const ops = p.ops.map((_, j) => id(j)).filter((v): v is number => v !== undefined);
    const best = p.longest?.[0];
    const order: number[] = [];
    const states: string[] = [];
    for (const [k, j] of (best?.order ?? []).entries()) {
      const v = id(j);
      if (v === undefined) break;
      order.push(v);
      states.push(cut(String(best!.states[k] ?? ''), LIMITS.stateText));
    }
    const offending = (p.offending ?? []).map(id).filter((v): v is number => v !== undefined);
    const key = partitionKey(p);
    const name =
      key !== undefined && key !== null ? `key ${plainKey(key)}` : `partition ${x.lin!.partitions.indexOf(p) + 1}`;
    d.views.push({ name: `${name}: INVALID`, ops, invalid: true, lin: { order, states, init, offending } });
    if (n === 0 && offending.length) d.offending = offending[0];
  });
  d.omitted.invalidViews = Math.max(0, parts.length - LIMITS.invalidViews);
}

/** A view per key (those already shown as failing partitions excepted), in the order keys first appear. */
function addKeyViews(d: ExplorerData): void {
  if (d.keys.length < 2) return;
  const failing = new Set(d.views.filter((v) => v.invalid).map((v) => v.name.replace(/^key (.*): INVALID$/, '$1')));
  let shown = 0;
  for (let k = 0; k < d.keys.length; k++) {
    if (failing.has(d.keys[k])) continue;
    if (shown === LIMITS.keyViews) {
      d.omitted.keys = d.keys.length - k;
      break;
    }
    d.views.push({ name: `key ${d.keys[k]}`, key: k });
    shown++;
  }
}

/** A round bucket width giving about `n` buckets over `span` seconds (1 s for runs of a minute or so). */
function bucketFor(span: number, n = 90): number {
  const raw = Math.max(span / n, 1e-3);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Throughput (completions per second by outcome, per bucket of their completion time), every operation's latency
 * by its invoke time (sampled evenly past LIMITS.latencyPoints), and per bucket p50, p95 and p99 of ok latencies.
 */
export function plotData(d: ExplorerData): PlotData {
  const bucket = bucketFor(d.end);
  const n = Math.max(1, Math.ceil(d.end / bucket));
  const tp = { t: [] as number[], ok: [] as number[], fail: [] as number[], info: [] as number[] };
  for (let i = 0; i < n; i++) {
    tp.t.push((i + 0.5) * bucket);
    tp.ok.push(0);
    tp.fail.push(0);
    tp.info.push(0);
  }
  const per: number[][] = Array.from({ length: n }, () => []);
  const done: number[] = [];
  for (let i = 0; i < d.proc.length; i++) {
    const r = d.ret[i];
    if (r === null) continue;
    const b = Math.min(n - 1, Math.max(0, Math.floor(r / bucket)));
    const c = d.type[i];
    (c === 'o' ? tp.ok : c === 'f' ? tp.fail : tp.info)[b] += 1 / bucket;
    if (c === 'o') per[Math.min(n - 1, Math.max(0, Math.floor(d.inv[i] / bucket)))].push((r - d.inv[i]) * 1e3);
    done.push(i);
  }
  const step = Math.max(1, Math.ceil(done.length / LIMITS.latencyPoints));
  const lat = { t: [] as number[], v: [] as number[], k: '' };
  const kinds: string[] = [];
  const sampled = done.filter((_, j) => j % step === 0).sort((a, b) => d.inv[a] - d.inv[b]);
  for (const i of sampled) {
    lat.t.push(d.inv[i]);
    lat.v.push(Math.max(0.001, (d.ret[i]! - d.inv[i]) * 1e3));
    kinds.push(d.type[i]);
  }
  lat.k = kinds.join('');
  d.omitted.latencyPoints = done.length - sampled.length;
  const q: PlotData['q'] = { t: [], p50: [], p95: [], p99: [] };
  per.forEach((vs, i) => {
    vs.sort((a, b) => a - b);
    q.t.push((i + 0.5) * bucket);
    q.p50.push(vs.length ? quantile(vs, 0.5) : null);
    q.p95.push(vs.length ? quantile(vs, 0.95) : null);
    q.p99.push(vs.length ? quantile(vs, 0.99) : null);
  });
  return { bucket, tp, lat, q, latencyOps: done.length };
}

/** JSON for a data block inside the page: "<" escaped, so no value can close the element or open a comment. */
export function dataJson(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v); // several times faster than with a replacer, which only big integers need
  } catch {
    s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  }
  return s
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

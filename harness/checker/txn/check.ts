// The transactional checker: Elle's analysis (Kingsbury & Alvaro, VLDB 2020; jepsen-io/elle txn.clj cycles and
// result-map) over our integer-indexed history.
//   1. Infer dependencies (list-append.ts or rw-register.ts) and the non-cycle anomalies.
//   2. Add process or real-time order when an anomaly asked about needs it (Elle's additional-graphs).
//   3. Find strongly connected components (Tarjan); in each, prove which models have a cycle (cycle-exists.ts),
//      then search the cycle types in Elle's order, skipping those already implied by one found.
//   4. Validity as Elle decides it: invalid if an anomaly the requested models (or :anomalies) prohibit was found,
//      unknown if only "cannot tell" ones were (empty graph, search timeout), valid otherwise; `not`/`alsoNot` are
//      the models every anomaly found rules out.
import type { HistoryEvent } from '../../history/op.js';
import type { TxnColumns } from '../../history/txn-columns.js';
import {
  anomaliesImplying,
  anomaliesProhibitedBy,
  anomaliesToImpossibleModels,
  boundary,
  canonicalModel,
  impliedAnomalies,
  unknownModels,
} from './consistency-model.js';
import { CYCLE_EXISTS_TYPES, cycleExists } from './cycle-exists.js';
import { anyCycle, type Budget, searchCycle } from './cycle-search.js';
import { classify, CYCLE_SPECS, CYCLE_TYPES } from './cycle-specs.js';
import { chooseRel, explainCycle } from './explain.js';
import { buildCsr, type Csr, edgeMask, EdgeList } from './graph.js';
import { FAIL, INFO, indexTxns, OK, txnIndexField, txnPos, type TxnIndex } from './history-index.js';
import { inferListAppend } from './list-append.js';
import { hasProcessEdge, hasRealtimeEdge, processEdges, realtimeChain, realtimeHasse } from './order-edges.js';
import { DATA, PROCESS, REALTIME, RW, WR, WW } from './rels.js';
import { inferRwRegister } from './rw-register.js';
import { tarjan } from './scc.js';
import {
  type Anomaly,
  type CaseAnomaly,
  type Inference,
  MAX_CASES,
  type TxnCheckOptions,
  type TxnCheckResult,
  type TxnModel,
} from './types.js';

const UNKNOWN_TYPES = ['empty-transaction-graph', 'cycle-search-timeout'];
const DEFAULT_MODELS = ['strict-serializable'];
const DEFAULT_SEARCH_MS = 1000;
const DEFAULT_SEARCH_STEPS = 20_000_000;

/** Anomaly types that would make the history invalid under these options (Elle's prohibited-anomaly-types). */
export function prohibitedTypes(opts: TxnCheckOptions): Set<string> {
  const models = opts.consistencyModels === null ? [] : (opts.consistencyModels ?? DEFAULT_MODELS);
  const bad = unknownModels(models);
  if (bad.length) throw new Error(`unknown consistency model ${bad.join(', ')}`);
  return new Set([...anomaliesImplying(opts.anomalies ?? []), ...anomaliesProhibitedBy(models)]);
}

/** Elle's :anomaly-types order: Clojure sorts keywords by name, code point by code point. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Checks a transactional history (client events of any kind; only :f :txn client ops are read). `cols` holds the
 * micro-ops when the reader kept them in columns (readHistoryFile with `txns`), else they come from the events.
 */
export function checkTxn(
  events: readonly HistoryEvent[],
  model: TxnModel,
  opts: TxnCheckOptions = {},
  file?: string,
  cols?: TxnColumns,
): TxnCheckResult {
  const t0 = performance.now();
  const prohibited = prohibitedTypes(opts);
  const reportable = new Set([...prohibited, ...UNKNOWN_TYPES]);
  const x = indexTxns(events, file, cols);
  const t1 = performance.now();
  const inf = model === 'list-append' ? inferListAppend(x) : inferRwRegister(x, opts);
  const t2 = performance.now();
  const found = new Map<string, Anomaly[]>();
  const add = (type: string, a: Anomaly): void => {
    const l = found.get(type);
    if (l) l.push(a);
    else found.set(type, [a]);
  };
  const stats = {
    txns: x.n,
    ok: count(x, OK),
    info: count(x, INFO),
    fail: count(x, FAIL),
    keys: x.keys.length,
    edges: {} as Record<string, number>,
    sccs: 0,
    largestScc: 0,
    ms: { index: t1 - t0, infer: t2 - t1, graph: 0, cycles: 0, total: 0 },
  };
  if (inf.error) {
    stats.ms.total = performance.now() - t0;
    return { ...emptyResult(model, 'unknown', stats), error: inf.error };
  }
  for (const [type, cs] of inf.cases) for (const c of cs) add(type, c);

  const realtime = [...reportable].some((a) => CYCLE_TYPES.has(a) && a.endsWith('-realtime'));
  const process = !realtime && [...reportable].some((a) => CYCLE_TYPES.has(a) && a.endsWith('-process'));
  const orderEdges = new EdgeList();
  if (process) processEdges(x, orderEdges);
  const lists = [inf.edges, orderEdges];
  let vertices = x.n;
  if (realtime) {
    const chain = new EdgeList(x.n * 4 + 16); // at most 2n time vertices, n commits and n completions
    vertices += realtimeChain(x, chain, x.n);
    lists.push(chain);
  }
  // One graph: data and order edges between transactions, plus the real-time chain's time vertices after them,
  // stored by target (row v: the edges into v), rows not merged (each component's own graph is built forward and
  // merged below): its edge counts below count inferred edges.
  const whole = buildCsr(vertices, lists, 0xff, false, true);
  const empty = inf.edges.length === 0 && !(realtime && hasRealtimeEdge(x)) && !(process && hasProcessEdge(x));
  if (empty) add('empty-transaction-graph', { type: 'empty-transaction-graph', text: emptyText(x), ops: [] });
  const comps = tarjan(whole)
    .map((c) => c.filter((v) => v < x.n))
    .filter((c) => c.length > 1);
  const t3 = performance.now();
  stats.sccs = comps.length;
  for (const c of comps) stats.largestScc = Math.max(stats.largestScc, c.length);
  let ww = 0;
  let wr = 0;
  let rw = 0;
  let proc = 0;
  for (let v = 0; v < x.n; v++)
    for (let e = whole.off[v]; e < whole.off[v + 1]; e++) {
      const m = whole.mask[e];
      if (m & WW) ww++;
      if (m & WR) wr++;
      if (m & RW) rw++;
      if (m & PROCESS) proc++;
    }
  stats.edges = { ww, wr, rw, process: proc };
  if (realtime) stats.edges.realtimeChain = lists[2].length;

  const budgetMs = opts.cycleSearchMs ?? DEFAULT_SEARCH_MS;
  const budgetSteps = opts.cycleSearchSteps ?? DEFAULT_SEARCH_STEPS;
  for (const members of comps) {
    const sorted = [...members].sort((a, b) => txnPos(x, a) - txnPos(x, b));
    const g = componentGraph(x, whole, sorted, realtime);
    const deadline = Math.min(performance.now() + budgetMs, opts.deadline ?? Number.POSITIVE_INFINITY);
    const budget: Budget = { steps: budgetSteps, deadline, used: 0 };
    for (const [type, as] of searchComponent(model, x, inf, g, sorted, budget)) for (const a of as) add(type, a);
  }
  stats.ms.graph = t3 - t2;
  stats.ms.cycles = performance.now() - t3;
  stats.ms.total = performance.now() - t0;
  return resultMap(model, found, prohibited, reportable, stats);
}

function count(x: TxnIndex, type: number): number {
  let c = 0;
  for (let t = 0; t < x.n; t++) if (x.type[t] === type) c++;
  return c;
}

function emptyText(x: TxnIndex): string {
  return x.n === 0
    ? 'the history has no client transactions (ops without an integer :process are not client ops)'
    : 'no dependency between any two transactions could be inferred, so nothing can be checked';
}

/**
 * The component's own graph: local ids in history order; its data edges (from `into`, the whole graph by target),
 * and its real-time covering pairs.
 */
function componentGraph(x: TxnIndex, into: Csr, members: readonly number[], realtime: boolean): Csr {
  const local = new Map<number, number>();
  for (let i = 0; i < members.length; i++) local.set(members[i], i);
  const out = new EdgeList();
  for (const t of members) {
    for (let e = into.off[t]; e < into.off[t + 1]; e++) {
      const w = local.get(into.adj[e]);
      if (w !== undefined) out.add(w, local.get(t)!, into.mask[e]);
    }
  }
  if (realtime) {
    const rt = new EdgeList();
    realtimeHasse(x, rt, members);
    for (let i = 0; i < rt.length; i++) out.add(local.get(rt.from[i])!, local.get(rt.to[i])!, REALTIME);
  }
  return buildCsr(members.length, [out]);
}

/** Cycle-exists cases, then each cycle type not yet implied or ruled out, in Elle's order. */
function searchComponent(
  model: TxnModel,
  x: TxnIndex,
  inf: Inference,
  g: Csr,
  members: readonly number[],
  budget: Budget,
): Map<string, Anomaly[]> {
  const out = new Map<string, Anomaly[]>();
  const put = (type: string, a: Anomaly): void => {
    out.set(type, [...(out.get(type) ?? []), a]);
  };
  const exists = cycleExists(g, (v) => txnIndexField(x, members[v]));
  for (const c of exists.cases) put(c.type, c);
  const skip = new Set(exists.impossible);
  const searched: string[] = [];
  const relsOf = (cycle: number[]): number[] =>
    cycle.map((v, i) => chooseRel(edgeMask(g, v, cycle[(i + 1) % cycle.length]), inf.priority));
  for (const spec of CYCLE_SPECS) {
    if (skip.has(spec.type)) continue;
    searched.push(spec.type);
    const r = searchCycle(g, spec, budget, (cycle) => classify(relsOf(cycle)) === spec.type);
    if (r && 'exhausted' in r) {
      const missing = searched.slice(0, -1).filter((t) => !out.has(t));
      put('cycle-search-timeout', {
        type: 'cycle-search-timeout',
        text:
          `the search for ${spec.type} in a component of ${members.length} transactions ran out of its budget; ` +
          `it had shown there is no ${missing.join(', ') || 'other type'} there`,
        ops: [],
        data: { anomalySpecType: spec.type, doesNotContain: missing, sccSize: members.length },
      });
      const any = anyCycle(g, DATA);
      if (any) {
        const type = classify(relsOf(any));
        put(
          type,
          explainCycle(
            model,
            x,
            inf,
            type,
            any.map((v) => members[v]),
            g,
            any,
          ),
        );
      }
      break;
    }
    if (!r) continue;
    put(
      spec.type,
      explainCycle(
        model,
        x,
        inf,
        spec.type,
        r.cycle.map((v) => members[v]),
        g,
        r.cycle,
      ),
    );
    for (const a of impliedAnomalies([spec.type])) skip.add(a);
  }
  return out;
}

function emptyResult(model: TxnModel, valid: TxnCheckResult['valid'], stats: TxnCheckResult['stats']): TxnCheckResult {
  return { model, valid, anomalyTypes: [], anomalies: {}, counts: {}, found: [], not: [], alsoNot: [], stats };
}

/** Elle's result-map. */
function resultMap(
  model: TxnModel,
  found: Map<string, Anomaly[]>,
  prohibited: Set<string>,
  reportable: Set<string>,
  stats: TxnCheckResult['stats'],
): TxnCheckResult {
  let shown = [...found.keys()].filter((t) => reportable.has(t));
  // A proof that a cycle exists says little once a specific anomaly rules out the same model.
  const others = shown.filter((t) => !CYCLE_EXISTS_TYPES.has(t));
  const ruledOut = anomaliesToImpossibleModels(others);
  shown = shown.filter(
    (t) => !CYCLE_EXISTS_TYPES.has(t) || !ruledOut.has(canonicalModel(t.replace(/-cycle-exists$/, ''))),
  );
  const all = [...found.keys()].sort(byName);
  if (shown.length === 0) return { ...emptyResult(model, true, stats), found: all };
  shown.sort(byName);
  const valid = shown.some((t) => prohibited.has(t)) ? false : 'unknown';
  const anomalies: Record<string, Anomaly[]> = {};
  const counts: Record<string, number> = {};
  for (const t of shown) {
    const l = found.get(t)!;
    anomalies[t] = l.slice(0, MAX_CASES);
    counts[t] = l.length;
  }
  const { not, alsoNot } = boundary(found.keys());
  return { model, valid, anomalyTypes: shown, anomalies, counts, found: all, not, alsoNot, stats };
}

export type { CaseAnomaly };

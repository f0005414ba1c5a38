// Version orders for read-write registers (the Elle paper §5.2; rw_register.clj version-graphs). A blind write
// "destroys history" (§3), so only what is sound under stated assumptions is inferred, per key, as a graph over
// values (NIL, the initial state, is a vertex too):
//   initial state  nil precedes every value written or read (always);
//   transaction-order  a known commit order of transactions orders their final writes (when given);
//   wfr-keys       within a transaction writes follow reads: an external read of v then a write of v' is v < v';
//   sequential-keys / linearizable-keys  keys are sequential / linearizable, so the process / real-time order of
//                  transactions orders the versions they last and next touched (transaction-graph->version-graphs).
// Sources are added one at a time; one that would close a cycle among versions is left out and the cycle reported
// as cyclic-versions (a version order must be total, Adya §3.1.2), with the sources that produced it.
import { showTxnValue } from '../../history/txn.js';
import { EdgeList } from './graph.js';
import { INFO, NIL, OK, type TxnIndex } from './history-index.js';
import { processEdges, realtimeHasse } from './order-edges.js';
import { PairMap } from './pair-map.js';
import type { CaseAnomaly, TxnCheckOptions } from './types.js';
import type { ExtOps } from './ext-ops.js';

/** Version edges (key, from value, to value), value NIL being the initial state. */
export interface VersionEdges {
  k: number[];
  a: number[];
  b: number[];
}

const emptyEdges = (): VersionEdges => ({ k: [], a: [], b: [] });

function initialState(x: TxnIndex, ext: ExtOps): VersionEdges {
  const out = emptyEdges();
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] !== OK && x.type[t] !== INFO) continue;
    const vals = [...ext.writes[t]];
    if (x.type[t] === OK) vals.push(...ext.reads[t]);
    for (const [k, v] of vals) {
      if (v === NIL) continue;
      out.k.push(k);
      out.a.push(NIL);
      out.b.push(v);
    }
  }
  return out;
}

function transactionOrder(x: TxnIndex, ext: ExtOps, order: Readonly<Record<string, number>>): VersionEdges {
  const perKey = new Map<number, { v: number; at: number | undefined; i: number }[]>();
  let i = 0;
  for (let t = 0; t < x.n; t++) {
    if ((x.type[t] !== OK && x.type[t] !== INFO) || x.completePos[t] < 0) continue;
    const e = x.events[x.completePos[t]];
    const at = order[String(e.sourceIndex ?? e.index)];
    for (const [k, v] of ext.writes[t]) {
      const l = perKey.get(k) ?? [];
      l.push({ v, at, i: i++ });
      perKey.set(k, l);
    }
  }
  const out = emptyEdges();
  for (const [k, l] of perKey) {
    // Clojure's compare puts nil before numbers: transactions without a position come first.
    l.sort((p, q) => (p.at ?? Number.NEGATIVE_INFINITY) - (q.at ?? Number.NEGATIVE_INFINITY) || p.i - q.i);
    for (let j = 0; j + 1 < l.length; j++) {
      out.k.push(k);
      out.a.push(l[j].v);
      out.b.push(l[j + 1].v);
    }
  }
  return out;
}

function writesFollowReads(x: TxnIndex, ext: ExtOps): VersionEdges {
  const out = emptyEdges();
  for (let t = 0; t < x.n; t++) {
    if (x.type[t] !== OK) continue;
    for (const [k, v] of ext.reads[t]) {
      const w = ext.writes[t].get(k);
      if (v === NIL || w === undefined) continue;
      out.k.push(k);
      out.a.push(v);
      out.b.push(w);
    }
  }
  return out;
}

/**
 * Elle's transaction-graph->version-graphs: for each transaction a and key k, the nearest transactions b after a
 * (in a DAG of transactions, here process or real-time order) that touched k; a's last version of k precedes b's
 * first. A committed a that never touched k stands at nil, as in Elle.
 */
function fromTransactionOrder(x: TxnIndex, ext: ExtOps, dagEdges: EdgeList): VersionEdges {
  const outs = new Map<number, number[]>();
  const nodes = new Set<number>();
  for (let i = 0; i < dagEdges.length; i++) {
    const a = dagEdges.from[i];
    const l = outs.get(a) ?? [];
    l.push(dagEdges.to[i]);
    outs.set(a, l);
    nodes.add(a);
    nodes.add(dagEdges.to[i]);
  }
  const extKeys = (t: number): Set<number> => {
    if (x.type[t] === OK) return new Set([...ext.reads[t].keys(), ...ext.writes[t].keys()]);
    if (x.type[t] === INFO) return new Set(ext.writes[t].keys());
    return new Set();
  };
  // The DAG's edges point forward in history, so later transactions are finished first.
  const order = [...nodes].sort((p, q) => x.invokePos[q] - x.invokePos[p]);
  const down = new Map<number, Map<number, Set<number>>>();
  for (const a of order) {
    const d = new Map<number, Set<number>>();
    for (const b of outs.get(a) ?? []) {
      const keysB = extKeys(b);
      for (const [k, bs] of down.get(b) ?? new Map<number, Set<number>>()) {
        if (keysB.has(k)) continue;
        const s = d.get(k) ?? new Set<number>();
        for (const y of bs) s.add(y);
        d.set(k, s);
      }
      for (const k of keysB) {
        const s = d.get(k) ?? new Set<number>();
        s.add(b);
        d.set(k, s);
      }
    }
    down.set(a, d);
  }
  const out = emptyEdges();
  const NONE = -2;
  for (const [a, d] of down) {
    for (const [k, bs] of d) {
      const v1 =
        x.type[a] === OK
          ? (ext.writes[a].get(k) ?? orNil(ext.reads[a].get(k)))
          : x.type[a] === INFO
            ? (ext.writes[a].get(k) ?? NONE)
            : NONE;
      if (v1 === NONE) continue;
      for (const b of bs) {
        const r = ext.reads[b].get(k);
        const v2 =
          x.type[b] === OK
            ? r !== undefined && r !== NIL
              ? r
              : (ext.writes[b].get(k) ?? orNil(r))
            : x.type[b] === INFO
              ? (ext.writes[b].get(k) ?? NONE)
              : NONE;
        if (v2 === NONE || v2 === v1) continue;
        out.k.push(k);
        out.a.push(v1);
        out.b.push(v2);
      }
    }
  }
  return out;
}

const orNil = (v: number | undefined): number => (v === undefined ? NIL : v);

/** Per key cycles among versions: strongly connected sets of values, over a small graph of values per key. */
function cyclicVersions(edges: VersionEdges): { k: number; scc: number[] }[] {
  const byKey = new Map<number, Map<number, Set<number>>>();
  for (let i = 0; i < edges.k.length; i++) {
    const g = byKey.get(edges.k[i]) ?? new Map<number, Set<number>>();
    const s = g.get(edges.a[i]) ?? new Set<number>();
    s.add(edges.b[i]);
    g.set(edges.a[i], s);
    if (!g.has(edges.b[i])) g.set(edges.b[i], new Set());
    byKey.set(edges.k[i], g);
  }
  const out: { k: number; scc: number[] }[] = [];
  for (const [k, g] of [...byKey].sort((p, q) => p[0] - q[0])) for (const scc of smallScc(g)) out.push({ k, scc });
  return out;
}

/** Tarjan over a Map graph (version graphs are small per key); components larger than one vertex. */
function smallScc(g: Map<number, Set<number>>): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const on = new Set<number>();
  const out: number[][] = [];
  let next = 0;
  for (const root of g.keys()) {
    if (index.has(root)) continue;
    const frames: { v: number; it: Iterator<number> }[] = [{ v: root, it: g.get(root)!.values() }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    on.add(root);
    while (frames.length) {
      const f = frames[frames.length - 1];
      const r = f.it.next();
      if (!r.done) {
        const w = r.value;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          on.add(w);
          frames.push({ v: w, it: g.get(w)!.values() });
        } else if (on.has(w)) low.set(f.v, Math.min(low.get(f.v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      if (frames.length) {
        const u = frames[frames.length - 1].v;
        low.set(u, Math.min(low.get(u)!, low.get(f.v)!));
      }
      if (low.get(f.v) === index.get(f.v)) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          on.delete(w);
          comp.push(w);
        } while (w !== f.v);
        if (comp.length > 1) out.push(comp.sort((p, q) => p - q));
      }
    }
  }
  return out;
}

function concat(a: VersionEdges, b: VersionEdges): VersionEdges {
  return { k: [...a.k, ...b.k], a: [...a.a, ...b.a], b: [...a.b, ...b.b] };
}

/** The version graphs Elle would use, and the cyclic-versions cases of the sources it had to leave out. */
export function versionGraphs(
  x: TxnIndex,
  ext: ExtOps,
  opts: TxnCheckOptions,
): { edges: VersionEdges; cases: CaseAnomaly[]; sources: string[] } {
  const analyzers: [string, () => VersionEdges][] = [['initial-state', () => initialState(x, ext)]];
  if (opts.transactionOrder)
    analyzers.push(['transaction-order-keys', () => transactionOrder(x, ext, opts.transactionOrder!)]);
  if (opts.wfrKeys) analyzers.push(['wfr-keys', () => writesFollowReads(x, ext)]);
  if (opts.sequentialKeys)
    analyzers.push([
      'sequential-keys',
      () => {
        const dag = new EdgeList();
        processEdges(x, dag);
        return fromTransactionOrder(x, ext, dag);
      },
    ]);
  if (opts.linearizableKeys)
    analyzers.push([
      'linearizable-keys',
      () => {
        const dag = new EdgeList();
        realtimeHasse(x, dag);
        return fromTransactionOrder(x, ext, dag);
      },
    ]);
  let edges = emptyEdges();
  const sources: string[] = [];
  const cases: CaseAnomaly[] = [];
  for (const [name, build] of analyzers) {
    const next = concat(edges, build());
    const cycles = cyclicVersions(next);
    if (cycles.length === 0) {
      edges = next;
      sources.push(name);
      continue;
    }
    const from = [...sources, name];
    for (const c of cycles) cases.push(cyclicCase(x, c, from));
  }
  return { edges: dedup(edges), cases, sources };
}

function dedup(e: VersionEdges): VersionEdges {
  const out = emptyEdges();
  const pairs = new Map<number, PairMap>();
  for (let i = 0; i < e.k.length; i++) {
    let m = pairs.get(e.k[i]);
    if (!m) {
      m = new PairMap();
      pairs.set(e.k[i], m);
    }
    if (m.has(e.a[i], e.b[i])) continue;
    m.set(e.a[i], e.b[i], 1);
    out.k.push(e.k[i]);
    out.a.push(e.a[i]);
    out.b.push(e.b[i]);
  }
  return out;
}

function cyclicCase(x: TxnIndex, c: { k: number; scc: number[] }, sources: string[]): CaseAnomaly {
  const vals = c.scc.map((v) => (v === NIL ? 'nil' : showTxnValue(x.values[v])));
  return {
    type: 'cyclic-versions',
    text:
      `key ${showTxnValue(x.keys[c.k])}: the versions ${vals.join(', ')} each come before another, so no ` +
      `order of them exists (inferred from ${sources.join(', ')})`,
    ops: [],
    key: x.keys[c.k],
    data: { scc: c.scc.map((v) => (v === NIL ? null : x.values[v])), sources },
  };
}

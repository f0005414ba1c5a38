// Proof that some cycle exists, without finding it (txn.clj cycle-exists-specs): a model holds only if the graph
// restricted to the kinds it forbids cycles over has no cycle, which Tarjan decides in linear time. Found per
// component before the cycle search, it (1) rules out searches that cannot succeed, since an anomaly type all of
// whose models are still possible cannot be there, and (2) stays in the result as "<model>-cycle-exists" when the
// search does not name a cycle for that model (timeout), so a bounded search never turns a violation into valid.
// Snapshot isolation's subgraph is ww/wr extended by at most one rw after each ww/wr step (Elle's
// sequential-extension A ∪ A;B), which holds exactly the cycles whose rw edges are never adjacent.
import { friendlyModel, impossibleModelsFrom, anomaliesProhibitedBy } from './consistency-model.js';
import { CYCLE_TYPES } from './cycle-specs.js';
import { buildCsr, type Csr, EdgeList } from './graph.js';
import { PROCESS, REALTIME, RW, WR, WW } from './rels.js';
import { tarjan } from './scc.js';
import type { CaseAnomaly } from './types.js';

interface ExistsSpec {
  model: string;
  /** A union of kinds, or [A, B]: A extended by one B step. */
  sub: number | [number, number];
}

const SPECS: readonly ExistsSpec[] = [
  { model: 'PL-1', sub: WW },
  { model: 'PL-2', sub: WW | WR },
  { model: 'PL-SI', sub: [WW | WR, RW] },
  { model: 'PL-2.99', sub: WW | WR | RW },
  { model: 'PL-3', sub: WW | WR | RW },
  { model: 'strong-session-PL-1', sub: WW | PROCESS },
  { model: 'strong-session-PL-2', sub: WW | WR | PROCESS },
  { model: 'strong-session-snapshot-isolation', sub: [WW | WR | PROCESS, RW] },
  { model: 'strong-session-serializable', sub: WW | WR | RW | PROCESS },
  { model: 'strong-PL-1', sub: WW | REALTIME },
  { model: 'strong-PL-2', sub: WW | WR | REALTIME },
  { model: 'strong-snapshot-isolation', sub: [WW | WR | REALTIME, RW] },
  { model: 'PL-SS', sub: WW | WR | RW | REALTIME },
];

export const CYCLE_EXISTS_TYPES: ReadonlySet<string> = new Set(SPECS.map((s) => `${s.model}-cycle-exists`));

/** A ∪ A;B as a graph: the A edges, plus x -> z for every x -A-> y -B-> z (self-loops are left to the caller). */
function extension(g: Csr, a: number, b: number): Csr {
  const out = new EdgeList();
  for (let x = 0; x < g.n; x++) {
    for (let e = g.off[x]; e < g.off[x + 1]; e++) {
      if (!(g.mask[e] & a)) continue;
      const y = g.adj[e];
      out.add(x, y, 1);
      for (let f = g.off[y]; f < g.off[y + 1]; f++) if (g.mask[f] & b) out.add(x, g.adj[f], 1);
    }
  }
  return buildCsr(g.n, [out]);
}

export interface ExistsResult {
  cases: CaseAnomaly[];
  /** Cycle types no search need try: their models all hold on this component. */
  impossible: Set<string>;
}

/** Cycle-exists cases on one component (local vertex ids; `indexOf` maps them to history indexes). */
export function cycleExists(g: Csr, indexOf: (v: number) => number): ExistsResult {
  const cases: CaseAnomaly[] = [];
  const redundant = new Set<string>();
  const found: string[] = [];
  for (const spec of SPECS) {
    if (redundant.has(spec.model)) continue;
    const comps = typeof spec.sub === 'number' ? tarjan(g, spec.sub) : extensionComponents(g, spec.sub);
    if (comps.length === 0) continue;
    const smallest = comps.reduce((a, b) => (b.length < a.length ? b : a));
    const ops = [...smallest].map(indexOf).sort((p, q) => p - q);
    const name = friendlyModel(spec.model);
    cases.push({
      type: `${spec.model}-cycle-exists`,
      text: `a cycle that ${name} forbids exists among ops ${ops.join(', ')} (no shorter explanation was found)`,
      ops,
      data: { not: name, sccSize: ops.length },
    });
    found.push(spec.model);
    for (const m of impossibleModelsFrom([spec.model])) redundant.add(m);
  }
  const impossibleModels = impossibleModelsFrom(found);
  const possible = SPECS.map((s) => s.model).filter((m) => !impossibleModels.has(m));
  const impossible = new Set([...anomaliesProhibitedBy(possible)].filter((a) => CYCLE_TYPES.has(a)));
  return { cases, impossible };
}

/** Nontrivial components of A ∪ A;B, self-loops (x -A-> y -B-> x) included. */
function extensionComponents(g: Csr, [a, b]: [number, number]): Int32Array[] {
  const loops: Int32Array[] = [];
  for (let x = 0; x < g.n; x++) {
    for (let e = g.off[x]; e < g.off[x + 1]; e++) {
      if (!(g.mask[e] & a)) continue;
      const y = g.adj[e];
      for (let f = g.off[y]; f < g.off[y + 1]; f++) if (g.mask[f] & b && g.adj[f] === x) loops.push(Int32Array.of(x));
    }
  }
  const comps = tarjan(extension(g, a, b), 0xff);
  return [...comps, ...loops];
}

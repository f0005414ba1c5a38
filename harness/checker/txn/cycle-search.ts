// The search for a short cycle of one anomaly type inside one strongly connected component (the Elle paper §6:
// "within each component, we apply breadth-first search to identify a short cycle"; elle.bfs and BFSPath.java).
//
// A path carries a small state: which wanted kinds it still lacks, how many rw edges it still needs, and the rw
// mode (none / exactly one / never two in a row). Steps follow Elle's BFSPath.step exactly: an rw edge while rw
// edges are wanted; a wanted kind; otherwise one legal kind (they are equivalent). Elle's BFS keeps every path; we
// keep one path per (vertex, state) per start, which bounds a start's search by O(states x edges) instead of the
// number of paths. A closed walk that revisits a vertex is not a cycle and is passed over. Starts go in history
// order and only inside one component of the graph restricted to the type's kinds. (A start is not retired after
// a fruitless search, Johnson-style: a path must open with an rw or wanted edge, so a cycle through a start may
// only be found from another of its vertices.)
//
// Bounded: every edge looked at is a step; past the step budget or the deadline the search stops and says so.
//
// Before any search, every start is tested at once (cycleStarts): in the product of the component with the
// pattern's states, which vertices can walk back to themselves in an accepting state. Sets of such ends are bit sets
// carried over the product's strongly connected components in reverse topological order, so the test costs
// O(product edges x n / 32). The breadth-first search then runs only from starts that close a walk, instead of from
// every vertex of a component where the pattern may exist through a few of them (huge-scc.edn in Elle's repository:
// 1,161 transactions, of which the search from the first hundred found nothing).
import { buildCsr, type Csr, EdgeList } from './graph.js';
import { tarjan } from './scc.js';
import { type CycleSpec, NONADJ_FREE, NONADJ_TAKEN, NONE, SINGLE } from './cycle-specs.js';
import { RW } from './rels.js';

export interface Budget {
  steps: number;
  deadline: number;
  /** Steps taken so far (shared by every search on one component). */
  used: number;
}

export type SearchResult = { cycle: number[] } | { exhausted: true } | undefined;

// State code: bits 0-1 wanted kinds still missing, bits 2-3 rw edges still wanted, bits 4-5 rw mode.
const code = (want: number, wantRW: number, mode: number): number => want | (wantRW << 2) | (mode << 4);

function wantMask(spec: CycleSpec, bits: number): number {
  let m = 0;
  for (let i = 0; i < spec.want.length; i++) if (bits & (1 << i)) m |= spec.want[i];
  return m;
}

/** Elle's checkOffRelInPackedSet: the first still-wanted kind the step meets is no longer wanted. */
function checkOff(spec: CycleSpec, bits: number, rel: number): number {
  for (let i = 0; i < spec.want.length; i++) if (bits & (1 << i) && spec.want[i] & rel) return bits & ~(1 << i);
  return bits;
}

/** BFSPath.stepRel: the state after one step of kind `rel`, or -1 if the pattern forbids it. */
function stepRel(spec: CycleSpec, s: number, rel: number): number {
  const bits = s & 3;
  const wantRW = (s >> 2) & 3;
  const mode = s >> 4;
  const isRw = rel === RW;
  if (rel & spec.legal) {
    const w = isRw ? Math.max(0, wantRW - 1) : wantRW;
    return code(checkOff(spec, bits, rel), w, mode === NONADJ_TAKEN ? NONADJ_FREE : mode);
  }
  if (!isRw) return -1;
  if (mode === SINGLE) return code(checkOff(spec, bits, rel), 0, NONE);
  if (mode === NONADJ_FREE) return code(checkOff(spec, bits, rel), Math.max(0, wantRW - 1), NONADJ_TAKEN);
  return -1;
}

/** BFSPath.step: the states reachable over an edge with kinds `edge`; `first` for the first step of a path. */
function step(spec: CycleSpec, s: number, edge: number, first: boolean, out: number[]): void {
  out.length = 0;
  const wantRW = (s >> 2) & 3;
  const mode = s >> 4;
  const rwMask = wantRW > 0 || mode === SINGLE || mode === NONADJ_FREE ? RW : 0;
  const wMask = wantMask(spec, s & 3) & ~rwMask;
  const legalMask = spec.legal & ~rwMask & ~wMask;
  if (edge & rwMask) {
    const n = stepRel(spec, s, RW);
    if (n >= 0) out.push(n);
  }
  if (wantRW > 0 && first) return;
  for (let b = 1; b < 256; b <<= 1) {
    if (!(edge & wMask & b)) continue;
    const n = stepRel(spec, s, b);
    if (n >= 0) out.push(n);
  }
  if (s & 3 && first) return;
  for (let b = 1; b < 256; b <<= 1) {
    if (!(edge & legalMask & b)) continue;
    const n = stepRel(spec, s, b);
    if (n >= 0) {
      out.push(n);
      return;
    }
  }
}

const isValid = (s: number): boolean => (s & 15) === 0 && s >> 4 !== NONADJ_TAKEN;

/**
 * Searches the component graph `g` (local vertex ids in history order) for a cycle of `spec`'s pattern that
 * `accept` takes (it names the cycle and checks the name). Returns the cycle's vertices, nothing, or exhaustion.
 */
export function searchCycle(
  g: Csr,
  spec: CycleSpec,
  budget: Budget,
  accept: (cycle: number[]) => boolean,
): SearchResult {
  const n = g.n;
  const comps = tarjan(g, spec.mask);
  const comp = new Int32Array(n).fill(-1);
  comps.forEach((c, i) => {
    for (const v of c) comp[v] = i;
  });
  const STATES = 64;
  const seen = new Int32Array(n * STATES);
  let gen = 0;
  const qv: number[] = [];
  const qs: number[] = [];
  const qp: number[] = [];
  const next: number[] = [];
  const init = initialState(spec);
  const starts = cycleStarts(g, spec);
  for (let s = 0; s < n; s++) {
    if (comp[s] < 0 || (starts && !starts[s])) continue;
    gen++;
    qv.length = qs.length = qp.length = 0;
    qv.push(s);
    qs.push(init);
    qp.push(-1);
    let found: number[] | undefined;
    for (let head = 0; head < qv.length && !found; head++) {
      const u = qv[head];
      const st = qs[head];
      for (let e = g.off[u]; e < g.off[u + 1]; e++) {
        if (++budget.used > budget.steps || ((budget.used & 1023) === 0 && performance.now() > budget.deadline))
          return { exhausted: true };
        const w = g.adj[e];
        const m = g.mask[e] & spec.mask;
        if (!m || comp[w] !== comp[s]) continue;
        step(spec, st, m, head === 0, next);
        for (const ns of next) {
          if (w === s) {
            if (!isValid(ns)) continue;
            const cycle = walk(qv, qp, head);
            if (new Set(cycle).size === cycle.length && accept(cycle)) {
              found = cycle;
              break;
            }
            continue;
          }
          const key = w * STATES + ns;
          if (seen[key] === gen) continue;
          seen[key] = gen;
          qv.push(w);
          qs.push(ns);
          qp.push(head);
        }
        if (found) break;
      }
    }
    if (found) return { cycle: found };
  }
  return undefined;
}

const initialState = (spec: CycleSpec): number =>
  code(spec.want.length === 2 ? 3 : spec.want.length === 1 ? 1 : 0, spec.wantRW, spec.mode);

/** Largest bit-set table cycleStarts builds; past it every vertex is a start, as before. */
const MAX_START_BITS = 512 * 1024 * 1024;

/**
 * Which vertices of `g` can start a closed walk of `spec`'s pattern (undefined when the component is too large to
 * tell cheaply). A walk is not yet a cycle (it may pass a vertex twice), so this only rules starts out.
 */
export function cycleStarts(g: Csr, spec: CycleSpec): Uint8Array | undefined {
  const n = g.n;
  // The kinds of edge the pattern looks at, as they occur, and the states it reaches over them from its start.
  const masks = [...new Set(Array.from(g.mask, (m) => m & spec.mask))].filter((m) => m !== 0);
  const init = initialState(spec);
  const next: number[] = [];
  const stateIdx = new Int32Array(64).fill(-1);
  const states: number[] = [];
  const see = (q: number): void => {
    if (stateIdx[q] < 0) {
      stateIdx[q] = states.length;
      states.push(q);
    }
  };
  const firstTrans = masks.map((m) => {
    step(spec, init, m, true, next);
    next.forEach(see);
    return [...next];
  });
  const trans: number[][][] = [];
  for (let i = 0; i < states.length; i++)
    trans.push(
      masks.map((m) => {
        step(spec, states[i], m, false, next);
        next.forEach(see);
        return [...next];
      }),
    );
  const S = states.length;
  const words = (n + 31) >>> 5;
  if (S === 0) return new Uint8Array(n);
  if (n * S * words * 32 > MAX_START_BITS) return undefined;
  const maskIdx = new Int8Array(256).fill(-1);
  masks.forEach((m, i) => {
    maskIdx[m] = i;
  });
  // The product graph: vertex v in state i is node v * S + i.
  const edges = new EdgeList();
  for (let v = 0; v < n; v++)
    for (let e = g.off[v]; e < g.off[v + 1]; e++) {
      const mi = maskIdx[g.mask[e] & spec.mask];
      if (mi < 0) continue;
      const w = g.adj[e];
      for (let i = 0; i < S; i++) for (const q of trans[i][mi]) edges.add(v * S + i, w * S + stateIdx[q], 1);
    }
  const pg = buildCsr(n * S, [edges]);
  const comps = tarjan(pg, 0xff, true); // sinks first
  const compOf = new Int32Array(n * S);
  comps.forEach((c, ci) => {
    for (const p of c) compOf[p] = ci;
  });
  // ends[c]: the vertices some walk from component c reaches in an accepting state.
  const ends = new Uint32Array(comps.length * words);
  comps.forEach((c, ci) => {
    const at = ci * words;
    for (const p of c) {
      const v = (p / S) | 0;
      const i = p - v * S;
      for (let e = g.off[v]; e < g.off[v + 1]; e++) {
        const mi = maskIdx[g.mask[e] & spec.mask];
        if (mi < 0) continue;
        const w = g.adj[e];
        for (const q of trans[i][mi]) {
          if (isValid(q)) ends[at + (w >>> 5)] |= 1 << (w & 31);
          const to = compOf[w * S + stateIdx[q]] * words;
          if (to !== at) for (let j = 0; j < words; j++) ends[at + j] |= ends[to + j];
        }
      }
    }
  });
  const out = new Uint8Array(n);
  for (let s = 0; s < n; s++)
    for (let e = g.off[s]; e < g.off[s + 1] && !out[s]; e++) {
      const mi = maskIdx[g.mask[e] & spec.mask];
      if (mi < 0) continue;
      const w = g.adj[e];
      for (const q of firstTrans[mi])
        if (ends[compOf[w * S + stateIdx[q]] * words + (s >>> 5)] & (1 << (s & 31))) out[s] = 1;
    }
  return out;
}

/** The path from the start to queue entry `at`, as vertices (the cycle closes back to the first). */
function walk(qv: number[], qp: number[], at: number): number[] {
  const out: number[] = [];
  for (let i = at; i >= 0; i = qp[i]) out.push(qv[i]);
  return out.reverse();
}

/** Any cycle in a strongly connected graph, by depth-first search (Elle's fallback-cycle, for timeouts). */
export function anyCycle(g: Csr, keep = 0xff): number[] | undefined {
  if (g.n === 0) return undefined;
  const at = new Int32Array(g.n).fill(-1);
  const path: number[] = [0];
  at[0] = 0;
  for (let guard = 0; guard <= g.n; guard++) {
    const v = path[path.length - 1];
    let next = -1;
    for (let e = g.off[v]; e < g.off[v + 1]; e++) {
      if (!(g.mask[e] & keep)) continue;
      const w = g.adj[e];
      if (at[w] >= 0) return path.slice(at[w]);
      if (next < 0) next = w;
    }
    if (next < 0) return undefined;
    at[next] = path.length;
    path.push(next);
  }
  return undefined;
}

// The dependency graph: edges gathered per kind into growable typed arrays (no object per edge), then packed
// into one compressed-sparse-row adjacency whose parallel edges are merged into a bit mask of kinds (rels.ts).
// Vertices are integers 0..n-1 (transaction ids, plus any helper vertices a caller adds).

/** Edges of one kind (or mixed kinds), appended as (from, to, mask) triples. */
export class EdgeList {
  from: Int32Array;
  to: Int32Array;
  mask: Uint8Array;
  length = 0;
  constructor(cap = 1024) {
    this.from = new Int32Array(cap);
    this.to = new Int32Array(cap);
    this.mask = new Uint8Array(cap);
  }
  add(a: number, b: number, mask: number): void {
    if (a === b) return; // Elle's graphs never hold self-edges (list_append.clj, rw_register.clj)
    if (this.length === this.from.length) this.grow();
    this.from[this.length] = a;
    this.to[this.length] = b;
    this.mask[this.length] = mask;
    this.length++;
  }
  private grow(): void {
    const cap = this.from.length * 2;
    const f = new Int32Array(cap);
    const t = new Int32Array(cap);
    const m = new Uint8Array(cap);
    f.set(this.from);
    t.set(this.to);
    m.set(this.mask);
    this.from = f;
    this.to = t;
    this.mask = m;
  }
}

/** A directed graph in compressed sparse rows: the out-edges of v are adj[off[v] .. off[v + 1] - 1]. */
export interface Csr {
  readonly n: number;
  readonly off: Int32Array;
  readonly adj: Int32Array;
  /** The kinds of each edge (rels.ts bits), parallel to adj. */
  readonly mask: Uint8Array;
}

/**
 * Packs edge lists into one graph of n vertices. Each row is sorted by target and parallel edges are merged,
 * so (v, w) appears once with every kind it has. Only edges whose mask meets `keep` are kept, masked by it.
 * With `merge` false rows stay as added, parallel edges and all: enough for strongly connected components, and
 * a whole history's graph of millions of edges is not sorted row by row for nothing. With `reverse`, row v holds
 * the edges *into* v: the checker adds edges in the order of their targets, so grouping by target writes memory
 * in order, where grouping by source scatters millions of writes (a reversed graph has the same components).
 */
export function buildCsr(n: number, lists: readonly EdgeList[], keep = 0xff, merge = true, reverse = false): Csr {
  const deg = new Int32Array(n + 1);
  for (const l of lists) {
    const key = reverse ? l.to : l.from;
    for (let i = 0; i < l.length; i++) if (l.mask[i] & keep) deg[key[i] + 1]++;
  }
  for (let v = 0; v < n; v++) deg[v + 1] += deg[v];
  const total = deg[n];
  const fill = deg.slice(0, n);
  const adj = new Int32Array(total);
  const mask = new Uint8Array(total);
  for (const l of lists) {
    const key = reverse ? l.to : l.from;
    const other = reverse ? l.from : l.to;
    for (let i = 0; i < l.length; i++) {
      const m = l.mask[i] & keep;
      if (!m) continue;
      const at = fill[key[i]]++;
      adj[at] = other[i];
      mask[at] = m;
    }
  }
  return merge ? dedupRows(n, deg, adj, mask) : { n, off: deg, adj, mask };
}

/** Sorts each row by target and merges repeats (OR of their masks), compacting in place. */
function dedupRows(n: number, off: Int32Array, adj: Int32Array, mask: Uint8Array): Csr {
  const newOff = new Int32Array(n + 1);
  let w = 0;
  let scratch = new Float64Array(16);
  for (let v = 0; v < n; v++) {
    const a = off[v];
    const b = off[v + 1];
    newOff[v] = w;
    const len = b - a;
    if (len === 1) {
      adj[w] = adj[a];
      mask[w] = mask[a];
      w++;
      continue;
    }
    if (len === 0) continue;
    // Sort (target, mask) pairs packed into one number: target * 256 + mask.
    if (scratch.length < len) scratch = new Float64Array(len * 2);
    for (let i = 0; i < len; i++) scratch[i] = adj[a + i] * 256 + mask[a + i];
    const s = scratch.subarray(0, len).sort();
    let last = -1;
    for (let i = 0; i < len; i++) {
      const t = Math.floor(s[i] / 256);
      const m = s[i] - t * 256;
      if (t === last) mask[w - 1] |= m;
      else {
        adj[w] = t;
        mask[w] = m;
        w++;
        last = t;
      }
    }
  }
  newOff[n] = w;
  return { n, off: newOff, adj: adj.subarray(0, w), mask: mask.subarray(0, w) };
}

/** The kinds of the edge v -> w, 0 if none (binary search in v's sorted row). */
export function edgeMask(g: Csr, v: number, w: number): number {
  let lo = g.off[v];
  let hi = g.off[v + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = g.adj[mid];
    if (x === w) return g.mask[mid];
    if (x < w) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Number of edges that have each kind, by bit. */
export function countKinds(g: Csr): Record<number, number> {
  const out: Record<number, number> = {};
  for (let i = 0; i < g.mask.length; i++) {
    for (let b = 1; b < 256; b <<= 1) if (g.mask[i] & b) out[b] = (out[b] ?? 0) + 1;
  }
  return out;
}

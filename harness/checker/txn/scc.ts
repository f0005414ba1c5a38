// Strongly connected components by Tarjan's algorithm (SIAM J. Comput. 1972), iterative: an explicit stack
// of (vertex, next-edge) frames instead of recursion, so a million-vertex path cannot overflow the JS stack.
// Every cycle lies inside one component, so the cycle search only ever looks inside one (the Elle paper §6).
import type { Csr } from './graph.js';

/**
 * Components of the graph restricted to edges whose mask meets `keep`, as lists of vertices, in the order Tarjan
 * completes them. With `trivial` false, single vertices without a self-edge are left out.
 */
export function tarjan(g: Csr, keep = 0xff, trivial = false): Int32Array[] {
  const n = g.n;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  const callV = new Int32Array(n);
  const callE = new Int32Array(n);
  let next = 0;
  const out: Int32Array[] = [];
  for (let root = 0; root < n; root++) {
    if (index[root] >= 0) continue;
    let depth = 0;
    callV[0] = root;
    callE[0] = g.off[root];
    index[root] = low[root] = next++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callV[depth];
      const end = g.off[v + 1];
      let e = callE[depth];
      let descended = false;
      while (e < end) {
        if (!(g.mask[e] & keep)) {
          e++;
          continue;
        }
        const w = g.adj[e++];
        if (index[w] < 0) {
          callE[depth] = e;
          depth++;
          callV[depth] = w;
          callE[depth] = g.off[w];
          index[w] = low[w] = next++;
          stack[sp++] = w;
          onStack[w] = 1;
          descended = true;
          break;
        }
        if (onStack[w] && index[w] < low[v]) low[v] = index[w];
      }
      if (descended) continue;
      if (low[v] === index[v]) {
        let count = 0;
        while (stack[sp - 1 - count] !== v) count++;
        count++;
        for (let i = sp - count; i < sp; i++) onStack[stack[i]] = 0;
        // Most components of a history's graph are single transactions: no array for those.
        if (trivial || count > 1 || hasSelfEdge(g, v, keep)) out.push(stack.slice(sp - count, sp));
        sp -= count;
      }
      depth--;
      if (depth >= 0) {
        const u = callV[depth];
        if (low[v] < low[u]) low[u] = low[v];
      }
    }
  }
  return out;
}

function hasSelfEdge(g: Csr, v: number, keep: number): boolean {
  for (let e = g.off[v]; e < g.off[v + 1]; e++) if (g.adj[e] === v && g.mask[e] & keep) return true;
  return false;
}

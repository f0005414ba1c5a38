// Partition shapes as grudges (for each node, the nodes it must not hear from), after Jepsen's
// nemesis.combined partition specs. Pure functions of the node list and a random stream.
import type { Random } from '../generator/random.js';
import type { Grudge } from '../runtime/types.js';

/** Nodes in different components cannot hear each other. */
export function fromComponents(components: string[][]): Grudge {
  const g: Grudge = {};
  for (const c of components) {
    const others = components.filter((x) => x !== c).flat();
    for (const n of c) g[n] = [...others];
  }
  return g;
}

export function shuffle<T>(xs: readonly T[], rnd: Random): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rnd.int(0, i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** One node cut off from everyone else. */
export function isolate(node: string, nodes: readonly string[]): Grudge {
  return fromComponents([[node], nodes.filter((n) => n !== node)]);
}

/** A random majority and the minority (Jepsen's :majority / random halves). */
export function randomHalves(nodes: readonly string[], rnd: Random): Grudge {
  const s = shuffle(nodes, rnd);
  const k = Math.floor(s.length / 2);
  return fromComponents([s.slice(0, k), s.slice(k)]);
}

/**
 * Bridge: two halves that cannot talk to each other, and one node that talks to both (Jepsen's bridge). With an
 * even count the extra node joins a side.
 */
export function bridge(nodes: readonly string[], rnd: Random): Grudge {
  const s = shuffle(nodes, rnd);
  const mid = s[0];
  const rest = s.slice(1);
  const k = Math.ceil(rest.length / 2);
  const a = rest.slice(0, k),
    b = rest.slice(k);
  const g: Grudge = { [mid]: [] };
  for (const n of a) g[n] = [...b];
  for (const n of b) g[n] = [...a];
  return g;
}

/**
 * Majorities ring (Jepsen's :majorities-ring): arrange nodes in a ring; each node hears only its nearest
 * neighbours, so every node sees a majority but no two see the same one.
 */
export function majoritiesRing(nodes: readonly string[], rnd: Random): Grudge {
  const s = shuffle(nodes, rnd);
  const n = s.length;
  const reach = Math.floor(n / 2); // hears itself plus `reach` others → a majority
  const g: Grudge = {};
  s.forEach((node, i) => {
    const hears = new Set<string>([node]);
    for (let d = 1; hears.size < reach + 1; d++) {
      hears.add(s[(i + d) % n]);
      if (hears.size < reach + 1) hears.add(s[(i - d + n) % n]);
    }
    g[node] = s.filter((x) => !hears.has(x));
  });
  return g;
}

/** Who can hear whom, as a readable string for the history ("n1 ✗ n2,n3"). */
export function describeGrudge(g: Grudge): string {
  return (
    Object.entries(g)
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => `${k} ✗ ${v.join(',')}`)
      .join('; ') || 'none'
  );
}

/** One-way: `node` hears no one, everyone hears it (its heartbeats go out; nothing comes back). */
export function deaf(node: string, nodes: readonly string[]): Grudge {
  return { [node]: nodes.filter((n) => n !== node) };
}

/** One-way, the reverse: nobody hears `node`, it hears everyone (it learns of new terms but cannot answer). */
export function mute(node: string, nodes: readonly string[]): Grudge {
  return Object.fromEntries(nodes.filter((n) => n !== node).map((n) => [n, [node]]));
}

/**
 * Two sides: `side` and everyone else in `nodes`, cut from each other both ways (a targeted halves: the caller
 * picks who is in the minority, e.g. a leader and one follower for membership:split-minority). Throws when
 * `side` names a node not in `nodes`, is empty, or is every node (no cut at all).
 */
export function split(side: readonly string[], nodes: readonly string[]): Grudge {
  const unknown = side.filter((n) => !nodes.includes(n));
  if (unknown.length) throw new Error(`split: ${unknown.join(', ')} not among the nodes ${nodes.join(', ')}`);
  const rest = nodes.filter((n) => !side.includes(n));
  if (side.length === 0 || rest.length === 0)
    throw new Error(`split: both sides need a node (side ${side.join(',') || '(none)'} of ${nodes.join(',')})`);
  return fromComponents([[...new Set(side)], rest]);
}

// JSON values as the kv store keeps them, walked without recursion. A client chooses how deep its value nests,
// so a recursive walk lets one request overflow the stack: inside apply that killed every replica of a shard,
// and again on every restart as the entry was replayed (issue 14, item 1). Every walk here uses an explicit
// stack, and the stated limits below are checked at the API (400 before proposing) and again at apply (a
// deterministic error result), so no stored value is deeper than MAX_VALUE_DEPTH.
import type { Json } from '../node/api.js';

/** Deepest nesting of arrays/objects a stored value may have (a scalar has depth 0, `[1]` depth 1). */
export const MAX_VALUE_DEPTH = 64;
/** Largest request body the API reads, in bytes; also the largest encoded command apply accepts. */
export const MAX_BODY_BYTES = 1 << 20;

/** True when `v` nests deeper than `limit`. Stops as soon as it knows; O(size) and no recursion. */
export function deeperThan(v: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d + 1 > limit) return true;
    const kids = Array.isArray(x) ? x : Object.values(x as object);
    for (const k of kids) if (k !== null && typeof k === 'object') stack.push([k, d + 1]);
  }
  return false;
}

/** True when `v` is made only of JSON types (no undefined, functions, NaN...). Iterative. */
export function isJson(v: unknown): v is Json {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x === 'string' || typeof x === 'boolean') continue;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) return false;
      continue;
    }
    if (typeof x !== 'object') return false;
    if (Array.isArray(x)) {
      for (const k of x) stack.push(k);
      continue;
    }
    if (Object.getPrototypeOf(x) !== Object.prototype && Object.getPrototypeOf(x) !== null) return false;
    for (const k of Object.values(x as object)) stack.push(k);
  }
  return true;
}

/** Deep equality for JSON values (cas compares by content, not identity), with an explicit stack. */
export function jsonEqual(a: Json, b: Json): boolean {
  const stack: [Json, Json][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x)) {
      const yy = y as Json[];
      if (x.length !== yy.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], yy[i]]);
      continue;
    }
    const xo = x as Record<string, Json>,
      yo = y as Record<string, Json>;
    const kx = Object.keys(xo);
    if (kx.length !== Object.keys(yo).length) return false;
    for (const k of kx) {
      if (!Object.hasOwn(yo, k)) return false;
      stack.push([xo[k], yo[k]]);
    }
  }
  return true;
}

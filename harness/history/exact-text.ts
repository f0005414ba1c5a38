// One canonical text per value, so that values compare exactly as written wherever a checker needs a key for them:
// integers by their digits whether they arrived as a number or a BigInt (9007199254740993 never equals
// 9007199254740992), NaN and the infinities by name, strings quoted (so the string "5" is never the number 5, nor
// "[1]" the list [1]), map keys sorted, and a tagged literal with its tag (#inst "x" is neither #uuid "x" nor "x").
import { TaggedValue } from './tagged.js';

/** An integer or double as digits: BigInts and integers beyond 2^53 exactly, NaN and infinities by name. */
export function numberText(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return Number.isInteger(n) && !Number.isSafeInteger(n) ? BigInt(n).toString() : JSON.stringify(n);
}

/** The canonical text of a plain value (what a reader produces: JSON-like data, BigInt, TaggedValue). */
export function exactText(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'bigint') return numberText(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(exactText).join(',')}]`;
  if (v instanceof TaggedValue) return `#${v.tag} ${exactText(v.value)}`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${exactText(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(String(v));
}

// Register values arrive as JSON (our histories) or EDN (Jepsen's); the models compare them with ===, so
// every value is first brought to a canonical primitive: numbers, strings, booleans and null stay as they are,
// anything structured becomes a tagged canonical JSON string. Equal values then have equal hashes.
import { exactText, numberText } from '../../history/exact-text.js';

export type Canon = number | string | boolean | null;

export function canon(v: unknown): Canon {
  // Numbers are compared as recorded, exactly (a checker must not call two different recorded values equal, or
  // two equal ones different): an integer beyond 2^53, whether it arrived as a BigInt (the readers keep them
  // exact) or as a double, becomes the tagged text of its decimal digits, so equal integers are equal whatever
  // their type; NaN becomes a tagged "NaN", so a register holding NaN reads back as NaN (NaN !== NaN would
  // call a correct history invalid).
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : `\u0000${v}`;
  if (typeof v === 'number')
    return Number.isNaN(v) || (Number.isInteger(v) && !Number.isSafeInteger(v)) ? `\u0000${numberText(v)}` : v;
  if (typeof v === 'boolean') return v;
  // A string that itself starts with the tag is quoted, so no string can pass for a tagged value.
  if (typeof v === 'string') return v.startsWith('\u0000') ? `\u0000${JSON.stringify(v)}` : v;
  // Structured values (and tagged literals, tag included): their exact canonical text (history/exact-text.ts).
  return `\u0000${exactText(v)}`;
}

/** Shows a canonical value the way a user wrote it. */
export function showCanon(v: Canon): string {
  if (typeof v === 'string' && v.startsWith('\u0000')) return v.slice(1);
  return JSON.stringify(v);
}

/** FNV-1a over a string, 32 bits. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function hashCanon(v: Canon): number {
  if (v === null) return 0x9e3779b9;
  if (typeof v === 'number')
    return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? Math.imul(v | 0, 0x85ebca6b) >>> 0 : hashString(String(v));
  if (typeof v === 'boolean') return v ? 1 : 2;
  return hashString(v);
}

/** Groups items by a canonical key, keeping first-seen order of the groups. */
export function groupBy<T>(items: readonly T[], keyOf: (t: T) => unknown): T[][] {
  const groups = new Map<Canon, T[]>();
  for (const it of items) {
    const k = canon(keyOf(it));
    let g = groups.get(k);
    if (!g) {
      g = [];
      groups.set(k, g);
    }
    g.push(it);
  }
  return [...groups.values()];
}

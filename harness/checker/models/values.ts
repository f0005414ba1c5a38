// Register values arrive as JSON (our histories) or EDN (Jepsen's); the models compare them with ===, so
// every value is first brought to a canonical primitive: numbers, strings, booleans and null stay as they are,
// anything structured becomes a tagged canonical JSON string. Equal values then have equal hashes.

export type Canon = number | string | boolean | null;

export function canon(v: unknown): Canon {
  // Numbers are compared as recorded, exactly (a checker must not call two different recorded values equal, or
  // two equal ones different): an integer beyond 2^53, whether it arrived as a BigInt (the readers keep them
  // exact) or as a double, becomes the tagged text of its decimal digits, so equal integers are equal whatever
  // their type; NaN becomes a tagged "NaN", so a register holding NaN reads back as NaN (NaN !== NaN would
  // call a correct history invalid).
  const num = (n: number | bigint): string | number => {
    if (typeof n === 'bigint')
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : `\u0000${n}`;
    if (Number.isNaN(n)) return '\u0000NaN';
    return Number.isInteger(n) && !Number.isSafeInteger(n) ? `\u0000${BigInt(n)}` : n;
  };
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'bigint') return num(v);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v;
  // Structured values: canonical JSON with sorted keys, numbers written as above (untagged) so nested values
  // follow the same rule; NaN and the infinities by name rather than JSON's null.
  const text = (x: unknown): string => {
    if (typeof x === 'number' || typeof x === 'bigint') {
      const c = num(x);
      return typeof c === 'string' ? c.slice(1) : Number.isFinite(c) ? JSON.stringify(c) : String(c);
    }
    if (Array.isArray(x)) return `[${x.map(text).join(',')}]`;
    if (x && typeof x === 'object') {
      const keys = Object.keys(x as object).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${text((x as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    return JSON.stringify(x) ?? 'null';
  };
  return `\u0000${text(v)}`;
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

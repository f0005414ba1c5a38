// Values from a history shown in one-line messages. JSON.stringify throws on BigInt (our exact big integers)
// and prints NaN and Infinity as null, which would misreport what the file said; this prints them as written, and
// an EDN tagged literal with its tag (#inst "2024-01-01"), never as its bare inner value.
import { TaggedValue } from './tagged.js';

/** A value as short JSON-like text: big integers as digits, NaN/Infinity by name, cut at `max` characters. */
export function showValue(v: unknown, max = 60): string {
  let s: string;
  try {
    s =
      JSON.stringify(v, (_k, x: unknown) => {
        if (typeof x === 'bigint') return `\u0001${x}\u0001`;
        if (typeof x === 'number' && !Number.isFinite(x)) return `\u0001${x}\u0001`;
        if (x instanceof TaggedValue) return `\u0001#${x.tag} ${showValue(x.value, Number.POSITIVE_INFINITY)}\u0001`;
        return x;
      }) ?? String(v);
    s = s.replace(/"\\u0001(.*?)\\u0001"/g, (_m, inner: string) => JSON.parse(`"${inner}"`) as string);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

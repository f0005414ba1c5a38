// Transactional operations (Jepsen's `:f :txn`, what Elle checks): the value is a list of micro-ops, each
// [f, key, value]. list-append: ["append", k, v] and ["r", k, null | [v1, v2, ...]]; rw-register: ["w", k, v] and
// ["r", k, null | v]. The invoke carries reads as null, the ok carries what was read.
//
// Keys and values stay exact across formats. An EDN keyword `:x` is kept as the string ":x" (colon included), so
// it never equals the EDN or JSON string "x"; integers beyond 2^53 are BigInt, as everywhere in our histories.
// Writing EDN turns a string of the form ":name" back into the keyword. The one thing this cannot tell apart
// is an EDN *string* that itself starts with a colon, which would be written back as a keyword: no Jepsen or
// Elle history uses such strings as keys or values.
import { EdnList, EdnSymbol, Keyword, Tagged, type EdnValue } from './edn.js';
import { showValue } from './show.js';
import { TaggedValue } from './tagged.js';

export const TXN_F = 'txn';
/** Micro-op functions: reads of either datatype, list-append's append, rw-register's write. */
export const MOP_FS = ['r', 'append', 'w'] as const;
export type MopF = (typeof MOP_FS)[number];

/** One micro-op as held in a history event's value. */
export type MicroOp = [MopF, unknown, unknown];

const MOP_SET = new Set<string>(MOP_FS);

/** The micro-op function named by a plain value: "append" and Clojure's ":append" alike. */
export function mopF(v: unknown): MopF | undefined {
  if (typeof v !== 'string') return undefined;
  const name = v.startsWith(':') ? v.slice(1) : v;
  return MOP_SET.has(name) ? (name as MopF) : undefined;
}

/** Whether a plain value looks like a transaction: a non-empty list whose items are all [f, k, v?] micro-ops. */
export function isTxnValue(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((m) => Array.isArray(m) && (m.length === 3 || m.length === 2) && mopF(m[0]) !== undefined)
  );
}

/**
 * An EDN key or value inside a micro-op, exactly: keywords keep their colon, collections become arrays, tagged
 * literals keep their tag.
 */
export function exact(v: EdnValue): unknown {
  if (v instanceof Keyword) return `:${v.name}`;
  if (v instanceof EdnSymbol) return v.name;
  if (v instanceof EdnList) return v.items.map(exact);
  if (v instanceof Tagged) return new TaggedValue(v.tag, exact(v.value));
  if (v !== null && typeof v === 'object') return v.entries.map(([k, x]) => [exact(k), exact(x)]);
  return v;
}

/**
 * An EDN transaction value ([[:append :x 1] [:r :x nil]]) as plain micro-ops, or undefined when the value is
 * not shaped like one. Elle's shorthand [:r :x] (no third element) is a read of nil.
 */
export function ednTxnValue(v: EdnValue | undefined): MicroOp[] | undefined {
  if (!(v instanceof EdnList) || v.kind === 'set' || v.items.length === 0) return undefined;
  const out: MicroOp[] = [];
  for (const m of v.items) {
    if (!(m instanceof EdnList) || m.kind === 'set' || (m.items.length !== 3 && m.items.length !== 2)) return;
    const f = m.items[0];
    const name = f instanceof Keyword || f instanceof EdnSymbol ? f.name : typeof f === 'string' ? f : undefined;
    const mf = mopF(name);
    if (!mf) return undefined;
    out.push([mf, exact(m.items[1]), m.items.length === 3 ? exact(m.items[2]) : null]);
  }
  return out;
}

const KEYWORD_NAME = /^:[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.\-/:#']*$/;

/** Whether a string read from EDN was a keyword (see the header: ":x" is the keyword :x). */
export function isKeywordText(s: string): boolean {
  return KEYWORD_NAME.test(s);
}

/** A key or value as a person reads it: keywords as :x, strings quoted, numbers bare. */
export function showTxnValue(v: unknown): string {
  if (typeof v === 'string') return isKeywordText(v) ? v : JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return `[${v.map(showTxnValue).join(' ')}]`;
  if (v instanceof TaggedValue) return `#${v.tag} ${showTxnValue(v.value)}`;
  if (typeof v === 'object') return showValue(v, Infinity);
  return String(v);
}

/** A transaction's micro-ops as Elle prints them: [append 250 10] [r 253 [1 3 4]]. */
export function showTxn(value: unknown): string {
  if (!Array.isArray(value)) return showTxnValue(value);
  return value
    .map((m) =>
      Array.isArray(m) ? `[${[mopF(m[0]) ?? String(m[0]), ...m.slice(1).map(showTxnValue)].join(' ')}]` : '?',
    )
    .join(' ');
}

// Writers for `faultline export` and `faultline shrink`: any history we can read, written back as our JSONL
// (header line, then one event per line), as Jepsen EDN (one op map per line, inside a vector), for Jepsen,
// Knossos and Elle, or as elle-cli's JSON (one array, one op object per line). Values are written exactly:
// integers beyond 2^53 (BigInt) as their digits, never rounded. A transaction's micro-ops are written as Elle
// reads them: [:append :x 1] in EDN, with ":x" strings back as keywords (history/txn.ts).
// A keyed operation is written in EDN the way Jepsen's independent checker records it, with the value an
// independent tuple `#jepsen.independent.Tuple{:key k, :value v}`, which our reader and Jepsen's both read back.
// A tagged literal read from EDN is written back with its tag; JSON has no tags, so it is written as the object
// {"tag": ..., "value": ...}.
import type { History, HistoryEvent } from '../op.js';
import { HISTORY_FORMAT_VERSION, isClientEvent } from '../op.js';
import { TaggedValue } from '../tagged.js';
import { isKeywordText, isTxnValue, TXN_F } from '../txn.js';

/** JSON text of a value, exact for BigInt; NaN and the infinities (which JSON lacks) become null. */
export function exactJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(exactJson).join(',')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)}:${exactJson(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(String(v));
}

const ORDER = ['index', 'type', 'process', 'f', 'key', 'value', 'time', 'error'];

function ordered(e: HistoryEvent): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of ORDER) if (e[k] !== undefined) o[k] = e[k];
  for (const [k, v] of Object.entries(e)) if (!(k in o) && v !== undefined && k !== 'sourceIndex') o[k] = v;
  return o;
}

/** Our history format: the header (version, what produced it) and one event per line, re-indexed from 0. */
export function toJsonl(h: Pick<History, 'events'> & { header?: Record<string, unknown> }): string {
  const header = { ...(h.header ?? {}), faultline: 'history', version: HISTORY_FORMAT_VERSION };
  const lines = [exactJson(header)];
  for (let i = 0; i < h.events.length; i++) lines.push(exactJson({ ...ordered(h.events[i]), index: i }));
  return `${lines.join('\n')}\n`;
}

const SYMBOLIC = /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.\-/]*$/;

function ednString(s: string): string {
  return `"${s
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** A keyword where the name can be one, else a string (EDN keywords cannot hold spaces and the like). */
function keyword(name: string): string {
  return SYMBOLIC.test(name) && !/^[0-9]/.test(name) ? `:${name}` : ednString(name);
}

export function ednValue(v: unknown): string {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}N`;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '##NaN';
    if (!Number.isFinite(v)) return v > 0 ? '##Inf' : '##-Inf';
    return Number.isInteger(v) && !Number.isSafeInteger(v) ? `${BigInt(v)}N` : String(v);
  }
  if (typeof v === 'string') return ednString(v);
  if (Array.isArray(v)) return `[${v.map(ednValue).join(' ')}]`;
  if (v instanceof TaggedValue) return `#${v.tag} ${ednValue(v.value)}`;
  if (typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${keyword(k)} ${ednValue(x)}`)
      .join(', ')}}`;
  return ednString(String(v));
}

/** A micro-op's key or value: ":x" strings are the keywords they were read from. */
function ednTxnAtom(v: unknown): string {
  if (typeof v === 'string' && isKeywordText(v)) return v;
  if (Array.isArray(v)) return `[${v.map(ednTxnAtom).join(' ')}]`;
  if (v instanceof TaggedValue) return `#${v.tag} ${ednTxnAtom(v.value)}`;
  return ednValue(v);
}

function ednTxn(mops: unknown[][]): string {
  const mop = (m: unknown[]): string => `[:${String(m[0]).replace(/^:/, '')} ${ednTxnAtom(m[1])} ${ednTxnAtom(m[2])}]`;
  return `[${mops.map(mop).join(' ')}]`;
}

const isTxnEvent = (e: HistoryEvent): boolean => e.f === TXN_F && isTxnValue(e.value);

/** One op map of Jepsen EDN, as toEdn writes it (for writers that stream a large history line by line). */
export function ednOp(e: HistoryEvent, index: number): string {
  const parts: string[] = [`:index ${index}`, `:type :${e.type}`];
  if (e.process !== undefined) parts.push(`:process ${e.process === 'nemesis' ? ':nemesis' : ednValue(e.process)}`);
  parts.push(`:f ${keyword(e.f)}`);
  const keyed = e.key !== undefined && e.key !== null && isClientEvent(e);
  if (isTxnEvent(e)) parts.push(`:value ${ednTxn(e.value as unknown[][])}`);
  else if (keyed) parts.push(`:value #jepsen.independent.Tuple{:key ${ednValue(e.key)}, :value ${ednValue(e.value)}}`);
  else if (e.value !== undefined || e.type !== 'invoke') parts.push(`:value ${ednValue(e.value)}`);
  if (e.key !== undefined && !keyed) parts.push(`:key ${ednValue(e.key)}`);
  if (e.time !== undefined) parts.push(`:time ${ednValue(e.time)}`);
  if (e.error !== undefined) parts.push(`:error ${ednValue(e.error)}`);
  for (const [k, v] of Object.entries(e)) {
    if (ORDER.includes(k) || k === 'sourceIndex' || v === undefined) continue;
    parts.push(`${keyword(k)} ${ednValue(v)}`);
  }
  return `{${parts.join(', ')}}`;
}

/** Jepsen EDN: a vector of op maps, one per line, re-indexed from 0. */
export function toEdn(h: Pick<History, 'events'>): string {
  return `[${h.events.map((e, i) => ednOp(e, i)).join('\n ')}]\n`;
}

/**
 * elle-cli's JSON: one array, one op object per line, re-indexed from 0. Transactions leave out "f", as elle-cli's
 * own files do (our readers take a list of micro-ops without "f" as a transaction).
 */
export function toJsonArray(h: Pick<History, 'events'>): string {
  const lines = h.events.map((e, i) => {
    const o: Record<string, unknown> = { ...ordered(e), index: i };
    if (isTxnEvent(e)) delete o.f;
    return exactJson(o);
  });
  return `[${lines.join(',\n')}]\n`;
}

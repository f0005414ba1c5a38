// A JSON array of op maps: what elle-cli reads and Jepsen writes as JSON, e.g.
//   [{"index":0,"type":"invoke","process":0,"f":"read","value":null,"time":12}, ...]
// Keyword-ish strings may keep Clojure's colon (":invoke", ":read", ":nemesis"); it is dropped. Field names are
// Jepsen's, as in our JSONL; unknown fields are kept. The file is one value, so it is read whole (bounded by
// the caller), with integers beyond 2^53 kept exact and nesting bounded (json-exact.ts).
import { JsonSyntaxError, JsonValueError, parseJsonLine } from '../json-exact.js';
import { HistoryError, type History, type HistoryEvent } from '../op.js';
import { showValue } from '../show.js';
import type { TxnColumns } from '../txn-columns.js';
import { isTxnValue, TXN_F } from '../txn.js';

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

/** A JSON array whose first element is an object with a string key (or an empty array). EDN maps start "{:". */
export function looksLikeJsonArray(text: string): boolean {
  return /^\s*\[\s*(\{\s*"|\])/.test(text);
}

const bare = (v: unknown): unknown => (typeof v === 'string' && v.startsWith(':') ? v.slice(1) : v);

function event(o: unknown, i: number, file: string | undefined): HistoryEvent {
  const bad = (msg: string): never => {
    throw new HistoryError(`op ${i}: ${msg}`, file);
  };
  if (!o || typeof o !== 'object' || Array.isArray(o))
    bad(`expected an op map like {"process":0,"type":"invoke","f":"read"}, got ${showValue(o)}`);
  const m = o as Record<string, unknown>;
  const type = bare(m.type);
  if (!TYPES.has(type as string)) bad(`"type" must be invoke, ok, fail or info, got ${showValue(m.type)}`);
  // elle-cli's files leave "f" out of transactions (and Elle's own leave out "process": not a client op).
  const txn = isTxnValue(m.value);
  const p = bare(m.process);
  if (!(p === 'nemesis' || (typeof p === 'number' && Number.isInteger(p)) || (p === undefined && txn)))
    bad(`"process" must be an integer or "nemesis", got ${showValue(m.process)}`);
  const f = m.f === undefined && txn ? TXN_F : bare(m.f);
  if (typeof f !== 'string' || f === '') bad(`"f" must be a non-empty string, got ${showValue(m.f)}`);
  if (m.time !== undefined && m.time !== null && typeof m.time !== 'number' && typeof m.time !== 'bigint')
    bad(`"time" must be a number of nanoseconds, got ${showValue(m.time)}`);
  const e: HistoryEvent = {
    ...m,
    index: i,
    type: type as HistoryEvent['type'],
    f: f as string,
  };
  if (p !== undefined) e.process = p as HistoryEvent['process'];
  if (typeof m.time === 'bigint') e.time = Number(m.time);
  if (m.time === null) delete e.time;
  if (m.index !== undefined && m.index !== i) e.sourceIndex = m.index;
  return e;
}

function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** With `cols`, transactions' micro-ops go into the columns and their events carry no value. */
export function parseJsonArray(text: string, file?: string, cols?: TxnColumns): History {
  let v: unknown;
  try {
    v = parseJsonLine(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      const line = e.pos === undefined ? undefined : lineAt(text, e.pos);
      throw new HistoryError(e instanceof JsonValueError ? e.message : `not valid JSON: ${e.message}`, file, line);
    }
    throw e;
  }
  if (!Array.isArray(v)) throw new HistoryError('expected a JSON array of op maps', file);
  if (v.length === 0) throw new HistoryError('no operations in the file', file);
  const events = v.map((o, i) => event(o, i, file));
  if (cols)
    for (const e of events) {
      if (e.f === TXN_F) {
        cols.addPlain(e.index, e.value);
        delete e.value;
      }
      cols.noteEvent(e.index, e);
    }
  return { events, source: 'json', warnings: [], ...(cols ? { txns: cols } : {}) };
}

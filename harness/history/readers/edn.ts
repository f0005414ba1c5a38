// Jepsen/Knossos EDN histories: op maps one per line, or the whole file one vector or list of maps (maps may
// span lines, keys in any order). Keywords become plain strings; independent-key tuples
// (#jepsen.independent.Tuple{:key k :value v}) are unpacked into key and value; unknown keys are kept.
import { EdnError, EdnList, EdnMap, EdnReader, Keyword, Tagged, toPlain, type EdnValue } from '../edn.js';
import { HistoryError, type History, type HistoryEvent, type OpType } from '../op.js';
import { setLine } from '../pair.js';
import { ednTxnValue, TXN_F } from '../txn.js';

const TYPES = new Set<OpType>(['invoke', 'ok', 'fail', 'info']);
const KNOWN = new Set(['process', 'type', 'f', 'value', 'key', 'time', 'index', 'error']);

function isTuple(v: EdnValue | undefined): v is Tagged {
  return v instanceof Tagged && /(^|\.)Tuple$/.test(v.tag) && v.value instanceof EdnMap;
}

function opMap(m: EdnMap, index: number, file: string | undefined): HistoryEvent {
  const bad = (msg: string): never => {
    throw new HistoryError(msg, file, m.line);
  };
  const proc = m.get('process');
  const rawValue = m.get('value');
  // A transaction's micro-ops keep keyword keys distinct from strings (history/txn.ts).
  const txn = ednTxnValue(rawValue);
  let process: HistoryEvent['process'];
  if (typeof proc === 'number' && Number.isInteger(proc)) process = proc;
  else if (proc instanceof Keyword && proc.name === 'nemesis') process = 'nemesis';
  else if (proc === 'nemesis') process = 'nemesis';
  else if (proc === undefined && txn)
    process = undefined; // Elle's own files: not a client op
  else
    bad(
      proc === undefined
        ? 'op map has no :process'
        : `:process must be an integer or :nemesis, got ${JSON.stringify(toPlain(proc))}`,
    );
  const typeV = m.get('type');
  const type =
    typeV instanceof Keyword || typeof typeV === 'string' ? (typeV instanceof Keyword ? typeV.name : typeV) : undefined;
  if (!type || !TYPES.has(type as OpType))
    bad(
      typeV === undefined
        ? 'op map has no :type'
        : `:type must be :invoke, :ok, :fail or :info, got ${JSON.stringify(toPlain(typeV))}`,
    );
  const fV = m.get('f');
  if ((fV === undefined || fV === null) && !txn) bad('op map has no :f');
  // Elle's own files leave :f out of transactions.
  const f = fV === undefined || fV === null ? TXN_F : String(toPlain(fV));
  const e: HistoryEvent = { index, type: type as OpType, f };
  if (process !== undefined) e.process = process;
  let value = rawValue;
  if (isTuple(value)) {
    const t = value.value as EdnMap;
    e.key = toPlain(t.get('key') ?? null);
    value = t.get('value') ?? null;
  }
  if (txn && f === TXN_F && value === rawValue) e.value = txn;
  else if (value !== undefined) e.value = toPlain(value);
  const key = m.get('key');
  if (key !== undefined && e.key === undefined) e.key = toPlain(key);
  const time = m.get('time');
  if (typeof time === 'number') e.time = time;
  const err = m.get('error');
  if (err !== undefined) e.error = toPlain(err);
  const idx = m.get('index');
  if (typeof idx === 'number') e.sourceIndex = idx;
  for (const [k, v] of m.entries) {
    const name = k instanceof Keyword ? k.name : typeof k === 'string' ? k : undefined;
    if (name !== undefined && !KNOWN.has(name)) e[name] = toPlain(v);
  }
  return setLine(e, m.line);
}

export function parseEdnHistory(text: string, file?: string, source = 'edn'): History {
  let forms: EdnValue[];
  try {
    forms = new EdnReader(text).readAll();
  } catch (err) {
    if (err instanceof EdnError) throw new HistoryError(`EDN: ${err.message}`, file, err.line);
    throw err;
  }
  // The whole file may be one vector or list of op maps.
  if (forms.length === 1 && forms[0] instanceof EdnList && forms[0].kind !== 'set') forms = forms[0].items;
  if (forms.length === 0) throw new HistoryError('no operations in the file', file);
  const events: HistoryEvent[] = forms.map((f, i) => {
    if (!(f instanceof EdnMap)) {
      const line = f instanceof EdnList ? f.line : undefined;
      throw new HistoryError(
        'expected an op map like {:process 0, :type :invoke, :f :read}, ' +
          `got ${JSON.stringify(toPlain(f))?.slice(0, 60)}`,
        file,
        line,
      );
    }
    return opMap(f, i, file);
  });
  return { events, source, warnings: [] };
}

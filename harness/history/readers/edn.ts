// Jepsen/Knossos EDN histories: op maps one per line, or the whole file one vector or list of maps (maps may
// span lines, keys in any order). Keywords naming a field (:type :ok, :f :read) become plain strings; in values
// and keys a keyword keeps its colon (:x is not the string "x"); independent-key tuples
// (#jepsen.independent.Tuple{:key k :value v}) are unpacked into key and value; unknown keys are kept.
//
// Streamed: the file is read in chunks (history/edn.ts reads bytes) and each op map becomes an event as soon as it
// closes, so memory holds the events, never the file's text. An op map is read field by field without building an
// EDN map, and, when the caller asked for transaction columns (history/txn-columns.ts), a transaction's micro-ops go
// straight from the bytes into typed arrays: keys and values interned, list reads as runs of value ids, with no
// array per micro-op or per read. That path takes the common shapes ([:append 9 3], [:r 9 [1 2 3]], [:r 9 nil],
// keys and values that are integers, keywords or strings, any other value through the general reader); anything
// else it meets, it rolls back and the general reader reads the value again, so both paths read the same values.
import type { Utf8Source } from '../bytes.js';
import {
  CLASS,
  DELIM,
  DIGIT,
  DISCARDED,
  EdnError,
  EdnMap,
  EdnReader,
  Keyword,
  Tagged,
  toPlain,
  toValue,
  type EdnValue,
} from '../edn.js';
import { HistoryError, type History, type HistoryEvent, type OpType } from '../op.js';
import { setLine } from '../pair.js';
import { showValue } from '../show.js';
import { APPEND, type Checkpoint, type Interner, R, type TxnColumns, W } from '../txn-columns.js';
import { ednTxnValue, exact, TXN_F } from '../txn.js';

const TYPES = new Set<OpType>(['invoke', 'ok', 'fail', 'info']);
const KNOWN = new Set(['process', 'type', 'f', 'value', 'key', 'time', 'index', 'error']);

function isTuple(v: EdnValue | undefined): v is Tagged {
  return v instanceof Tagged && /(^|\.)Tuple$/.test(v.tag) && v.value instanceof EdnMap;
}

/** The fields of one op map as read (a class, so every op has the same shape). */
class OpFields {
  process: EdnValue | undefined = undefined;
  type: EdnValue | undefined = undefined;
  f: EdnValue | undefined = undefined;
  value: EdnValue | undefined = undefined;
  key: EdnValue | undefined = undefined;
  time: EdnValue | undefined = undefined;
  error: EdnValue | undefined = undefined;
  index: EdnValue | undefined = undefined;
  extra: [string, EdnValue][] | undefined = undefined;
  constructor(readonly line: number) {}
  addExtra(name: string, v: EdnValue): void {
    if (this.extra) this.extra.push([name, v]);
    else this.extra = [[name, v]];
  }
}

const keywordName = (v: EdnValue | undefined): string | undefined =>
  v instanceof Keyword ? v.name : typeof v === 'string' ? v : undefined;

class EdnHistoryReader extends EdnReader {
  readonly events: HistoryEvent[] = [];
  /** The op being read has its micro-ops in the columns since `fast` (absolute offset of its value, and line). */
  private fast: { cp: Checkpoint; at: number; line: number } | undefined;

  constructor(
    input: string | Utf8Source,
    private readonly file: string | undefined,
    private readonly cols: TxnColumns | undefined,
  ) {
    super(input);
  }

  readAllOps(): HistoryEvent[] {
    if (!this.skipSpace()) return this.events;
    const c = this.buf[this.pos];
    if (c !== 91 && c !== 40) {
      do this.item();
      while (this.skipSpace());
      return this.events;
    }
    // The whole file may be one vector or list of op maps.
    const line = this.line;
    const close = c === 91 ? 93 : 41;
    this.pos++;
    for (;;) {
      if (!this.skipSpace()) this.fail(`unclosed "${String.fromCharCode(c)}" opened on line ${line}`, line);
      if (this.buf[this.pos] === close) {
        this.pos++;
        break;
      }
      this.item();
    }
    if (this.skipSpace())
      throw new HistoryError(
        `expected op maps one after another or one vector of them, but more follows the vector of line ${line}`,
        this.file,
        this.line,
      );
    return this.events;
  }

  private item(): void {
    if (this.buf[this.pos] === 123) {
      this.events.push(this.readOp());
      return;
    }
    const line = this.line;
    const v = this.readForm();
    if (v === DISCARDED) return;
    throw new HistoryError(
      `expected an op map like {:process 0, :type :invoke, :f :read}, got ${showValue(toPlain(v as EdnValue), 60)}`,
      this.file,
      line,
    );
  }

  /** One op map, from its "{": each field read as it comes, the value maybe into the columns. */
  private readOp(): HistoryEvent {
    const o = new OpFields(this.line);
    this.pos++;
    this.fast = undefined;
    for (;;) {
      const k = this.nextItem(o.line);
      if (k === undefined) break;
      const name = k instanceof Keyword ? k.name : undefined;
      let v: EdnValue | undefined;
      if (name === 'value' && this.cols && this.fast === undefined && this.opensTxn()) {
        if (!this.scanTxn()) v = this.nextItem(o.line, true);
      } else v = this.fieldValue(o.line);
      switch (name) {
        case 'process':
          o.process = v;
          break;
        case 'type':
          o.type = v;
          break;
        case 'f':
          o.f = v;
          break;
        case 'value':
          o.value = v;
          break;
        case 'key':
          o.key = v;
          break;
        case 'time':
          o.time = v;
          break;
        case 'error':
          o.error = v;
          break;
        case 'index':
          o.index = v;
          break;
        case undefined:
          // Only keyword keys name fields; another string key is kept as an extra field, other keys are dropped.
          if (typeof k === 'string' && !KNOWN.has(k)) o.addExtra(k, v!);
          break;
        default:
          o.addExtra(name, v!);
      }
    }
    return this.opEvent(o);
  }

  /** A field's value: keywords and short integers (what :type, :f, :process, :time and :index hold) directly. */
  private fieldValue(line: number): EdnValue {
    if (!this.skipSpace()) this.fail(`unclosed "{" opened on line ${line}`, line);
    const b = this.buf;
    const p = this.pos;
    if (b[p] === 58 && p + 1 < this.end && !(CLASS[b[p + 1]] & DELIM) && b[p + 1] !== 58) {
      const s = this.scanToken();
      return this.names.keyword(this.buf, s + 1, this.pos);
    }
    const n = this.shortInt();
    return n >= 0 ? n : this.nextItem(line, true)!;
  }

  /** A non-negative integer of at most 15 digits at pos, ended by a delimiter (consumed), else -1. */
  private shortInt(): number {
    const b = this.buf;
    let p = this.pos;
    if (!(CLASS[b[p]] & DIGIT)) return -1;
    let n = 0;
    const end = Math.min(this.end, p + 15);
    while (p < end && CLASS[b[p]] & DIGIT) n = n * 10 + (b[p++] - 48);
    if (p >= this.end || !(CLASS[b[p]] & DELIM)) return -1;
    this.pos = p;
    return n;
  }

  /** The next form of an op map, skipping #_ ones; undefined at its "}" (an error where a value must follow). */
  private nextItem(line: number, value = false): EdnValue | undefined {
    for (;;) {
      if (!this.skipSpace()) this.fail(`unclosed "{" opened on line ${line}`, line);
      if (this.buf[this.pos] === 125) {
        this.pos++;
        if (value) this.fail(`map opened on line ${line} has an odd number of forms`, line);
        return undefined;
      }
      const v = this.readForm();
      if (v !== DISCARDED) return v as EdnValue;
    }
  }

  private opensTxn(): boolean {
    if (!this.skipSpace()) return false;
    return this.buf[this.pos] === 91 || this.buf[this.pos] === 40;
  }

  private opEvent(o: OpFields): HistoryEvent {
    const file = this.file;
    const index = this.events.length;
    const bad = (msg: string): never => {
      throw new HistoryError(msg, file, o.line);
    };
    const proc = o.process;
    // A transaction's micro-ops keep keyword keys distinct from strings (history/txn.ts).
    const txn = this.fast ? undefined : ednTxnValue(o.value);
    const isTxn = this.fast !== undefined || txn !== undefined;
    let process: HistoryEvent['process'];
    if (typeof proc === 'number' && Number.isInteger(proc)) process = proc;
    else if (keywordName(proc) === 'nemesis') process = 'nemesis';
    else if (proc === undefined && isTxn)
      process = undefined; // Elle's own files: not a client op
    else
      bad(
        proc === undefined
          ? 'op map has no :process'
          : `:process must be an integer or :nemesis, got ${showValue(toPlain(proc))}`,
      );
    const type = keywordName(o.type);
    if (!type || !TYPES.has(type as OpType))
      bad(
        o.type === undefined
          ? 'op map has no :type'
          : `:type must be :invoke, :ok, :fail or :info, got ${showValue(toPlain(o.type))}`,
      );
    if ((o.f === undefined || o.f === null) && !isTxn) bad('op map has no :f');
    // Elle's own files leave :f out of transactions.
    const f = o.f === undefined || o.f === null ? TXN_F : String(toPlain(o.f));
    if (this.fast && f !== TXN_F) o.value = this.reread();
    const e: HistoryEvent = { index, type: type as OpType, f };
    if (process !== undefined) e.process = process;
    let value = o.value;
    if (isTuple(value)) {
      const t = value.value as EdnMap;
      e.key = toValue(t.get('key') ?? null);
      value = t.get('value') ?? null;
    }
    if (this.fast) {
      this.cols!.commit(index, this.fast.cp);
      this.release();
    } else if (f === TXN_F && this.cols && value === o.value) this.cols.addPlain(index, txn ?? toValueOpt(value));
    else if (txn && f === TXN_F && value === o.value) e.value = txn;
    else if (value !== undefined) e.value = toValue(value);
    if (o.key !== undefined && e.key === undefined) e.key = toValue(o.key);
    if (typeof o.time === 'number') e.time = o.time;
    if (o.error !== undefined) e.error = toPlain(o.error);
    if (typeof o.index === 'number') e.sourceIndex = o.index;
    if (o.extra) for (const [k, v] of o.extra) e[k] = toPlain(v);
    this.cols?.noteEvent(index, e);
    return setLine(e, o.line);
  }

  /** The op's value was put in the columns but is not a transaction after all: undo, and read it as a value. */
  private reread(): EdnValue {
    const fast = this.fast!;
    this.cols!.rollback(fast.cp);
    const endAt = this.base + this.pos;
    const endLine = this.line;
    this.pos = fast.at - this.base;
    this.line = fast.line;
    const v = this.readForm() as EdnValue;
    this.pos = endAt - this.base;
    this.line = endLine;
    this.release();
    return v;
  }

  private release(): void {
    this.fast = undefined;
    this.hold = -1;
  }

  /**
   * Reads a transaction's micro-ops into the columns, keeping its bytes until the op map closes (in case :f says it
   * is not a transaction). False, with nothing consumed or kept, when the value is not of the common shape.
   */
  private scanTxn(): boolean {
    const cols = this.cols!;
    const at = this.base + this.pos;
    const line = this.line;
    const cp = cols.checkpoint();
    this.hold = at;
    if (this.scanMops(cols)) {
      this.fast = { cp, at, line };
      return true;
    }
    cols.rollback(cp);
    this.pos = at - this.base;
    this.line = line;
    this.hold = -1;
    return false;
  }

  private scanMops(cols: TxnColumns): boolean {
    const close = this.buf[this.pos] === 91 ? 93 : 41;
    this.pos++;
    let n = 0;
    for (;;) {
      if (!this.skipSpace()) return false;
      let c = this.buf[this.pos];
      if (c === close) {
        this.pos++;
        return n > 0;
      }
      if (c !== 91 && c !== 40) return false;
      const mclose = c === 91 ? 93 : 41;
      this.pos++;
      if (!this.skipSpace()) return false;
      const f = this.mopCode();
      if (f < 0 || !this.skipSpace() || this.buf[this.pos] === mclose) return false;
      const k = this.scanId(cols.keys);
      if (k < 0) return false;
      const m = cols.mop(f, k);
      if (!this.skipSpace()) return false;
      c = this.buf[this.pos];
      if (c === mclose) {
        // [:r k]: Elle's shorthand for a read of nil.
        if (f !== R) return false;
      } else {
        if (f === R && (c === 91 || c === 40)) {
          if (!this.scanRead(cols, m)) return false;
        } else if (this.isNil()) {
          if (f !== R) return false;
        } else {
          const v = this.scanId(cols.values);
          if (v < 0) return false;
          cols.setVal(m, v);
        }
        if (!this.skipSpace() || this.buf[this.pos] !== mclose) return false;
      }
      this.pos++;
      n++;
    }
  }

  /** A list read's elements, as value ids. */
  private scanRead(cols: TxnColumns, m: number): boolean {
    const close = this.buf[this.pos] === 91 ? 93 : 41;
    this.pos++;
    cols.beginRead(m);
    const values = cols.values;
    for (;;) {
      // The common case first: integers separated by single spaces, parsed and interned in one tight loop.
      const b = this.buf;
      const end = this.end;
      let p = this.pos;
      let small = values.small;
      for (;;) {
        const start = p;
        let n = 0;
        while (p < end && p - start < 15) {
          const d = b[p] - 48;
          if (d < 0 || d > 9) break;
          n = n * 10 + d;
          p++;
        }
        if (p === start || p >= end) {
          p = start;
          break;
        }
        const c = b[p];
        if (c !== 32 && c !== close && c !== 44) {
          p = start;
          break;
        }
        let id = n < small.length ? small[n] - 1 : -1;
        if (id < 0) {
          id = values.id(n);
          small = values.small;
        }
        cols.elem(id);
        if (c !== close) p++;
      }
      this.pos = p;
      if (!this.skipSpace()) return false;
      if (this.buf[this.pos] === close) {
        this.pos++;
        cols.endRead(m);
        return true;
      }
      const v = this.scanId(cols.values);
      if (v < 0) return false;
      cols.elem(v);
    }
  }

  /** R, APPEND or W for the keyword or symbol at pos (:r, append, ...), else -1. */
  private mopCode(): number {
    if (this.buf[this.pos] === 58) this.pos++;
    const s = this.scanToken();
    const b = this.buf;
    const len = this.pos - s;
    if (len === 1) return b[s] === 114 ? R : b[s] === 119 ? W : -1;
    if (len !== 6) return -1;
    for (let i = 0; i < 6; i++) if (b[s + i] !== APPEND_BYTES[i]) return -1;
    return APPEND;
  }

  /** Whether the token at pos is nil (consumed if so). */
  private isNil(): boolean {
    if (this.buf[this.pos] !== 110) return false;
    const s = this.scanToken();
    const b = this.buf;
    if (this.pos - s === 3 && b[s + 1] === 105 && b[s + 2] === 108) return true;
    this.pos = s;
    return false;
  }

  /**
   * The id of the key or value at pos: small integers parsed from their digits, keywords as ":name", strings, and
   * anything else through the general reader as history/txn.ts reads micro-op values. -1 for a form the fast path
   * leaves to the general reader (nil, #_).
   */
  private scanId(into: Interner): number {
    let b = this.buf;
    const c = b[this.pos];
    const n = this.shortInt();
    if (n >= 0) return into.id(n);
    if (c === 58) {
      const s = this.scanToken();
      b = this.buf;
      if (this.pos - s < 2) return -1;
      return into.id(this.names.name(b, s, this.pos));
    }
    if (c === 34) return into.id(this.readString());
    const v = this.readForm();
    if (v === DISCARDED || v === null) return -1;
    return into.id(exact(v as EdnValue));
  }
}

const APPEND_BYTES = Buffer.from('append');
const toValueOpt = (v: EdnValue | undefined): unknown => (v === undefined ? undefined : toValue(v));

/**
 * Reads an EDN history from text or from a file's bytes (streamed). With `cols`, transactions' micro-ops go into
 * the columns and their events carry no value (history/txn-columns.ts).
 */
export function parseEdnHistory(input: string | Utf8Source, file?: string, source = 'edn', cols?: TxnColumns): History {
  let events: HistoryEvent[];
  try {
    events = new EdnHistoryReader(input, file, cols).readAllOps();
  } catch (err) {
    if (err instanceof EdnError) throw new HistoryError(`EDN: ${err.message}`, file, err.line);
    throw err;
  }
  if (events.length === 0) throw new HistoryError('no operations in the file', file);
  return { events, source, warnings: [], ...(cols ? { txns: cols } : {}) };
}

// A real EDN reader (https://github.com/edn-format/edn), enough of it for Jepsen and Knossos histories and then
// some: nil, booleans, integers (with N), floats (with M), ratios, strings with escapes, characters, keywords,
// symbols, lists, vectors, maps, sets, #_ discard, tagged values and record literals (#ns.Rec{...}), `;`
// comments, commas as whitespace. Every value remembers the line it started on, for error messages.
//
// It reads bytes, not a JS string: the input arrives in chunks of whole UTF-8 characters (bytes.ts: a file is
// streamed and never held whole, invalid UTF-8 is an error with its line), tokens are scanned in the byte buffer,
// strings are decoded a run at a time (so a 50 MiB string costs what JSON.parse pays for one), and keywords and
// symbols are interned from their bytes without making a string each time. Subclasses (readers/edn.ts) reach the
// buffer to read Jepsen's op maps without building an EDN value per token.
//
// Numbers are read exactly where the checker compares them: integers beyond 2^53 (with or without N) become
// BigInt; a ratio whose value is an integer becomes that integer; ##NaN, ##Inf and ##-Inf are the symbolic
// values, and 0/0 (which Clojure refuses to read) is taken as NaN, n/0 as an infinity, so a history that
// recorded them is still compared as written (the models' canon() makes NaN equal NaN). Other ratios and
// decimals are doubles, as in JSON; a decimal beyond a double's range (1e400, which would become Infinity) or
// so small it would become 0, and a BigDecimal (M) with more digits than a double holds, are refused with their
// line rather than read as a different value. Nesting is bounded (MAX_VALUE_DEPTH): the reader and everything
// after it recurse, and a deeper value is an error naming its line rather than a stack overflow.
import { Utf8Source } from './bytes.js';
import { MAX_INT_DIGITS, MAX_VALUE_DEPTH } from './json-exact.js';
import { decimalProblem } from './numbers.js';
import { showValue } from './show.js';
import { TaggedValue } from './tagged.js';

export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
}

export class EdnSymbol {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
}

export class Tagged {
  constructor(
    readonly tag: string,
    readonly value: EdnValue,
  ) {}
}

export class EdnMap {
  constructor(
    readonly entries: [EdnValue, EdnValue][],
    readonly line: number,
  ) {}
  /** Value of a keyword key, e.g. get('process') for :process. */
  get(name: string): EdnValue | undefined {
    for (const [k, v] of this.entries) if (k instanceof Keyword && k.name === name) return v;
    return undefined;
  }
}

export class EdnList {
  constructor(
    readonly items: EdnValue[],
    readonly kind: 'list' | 'vector' | 'set',
    readonly line: number,
  ) {}
}

export type EdnValue = null | boolean | number | bigint | string | Keyword | EdnSymbol | Tagged | EdnMap | EdnList;

export class EdnError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Longest string a reader accepts (the same bound as a JSONL line: memory grows with it). */
export const MAX_STRING_BYTES = 64 * 1024 * 1024;
/** Longest keyword, symbol or number token. */
export const MAX_TOKEN_BYTES = 64 * 1024;

const CHAR_NAMES: Record<string, string> = {
  newline: '\n',
  return: '\r',
  space: ' ',
  tab: '\t',
  formfeed: '\f',
  backspace: '\b',
};

// Byte classes.
export const SPACE = 1; // whitespace and commas
export const DELIM = 2; // ends a token: whitespace, ( ) [ ] { } " ;
export const DIGIT = 4;
export const CLASS = new Uint8Array(256);
for (const c of [32, 9, 10, 13, 12, 44]) CLASS[c] |= SPACE | DELIM;
for (const c of '()[]{}";') CLASS[c.charCodeAt(0)] |= DELIM;
for (let c = 48; c <= 57; c++) CLASS[c] |= DIGIT;

/** What readForm returns for a #_ discarded form. */
export const DISCARDED = Symbol('discarded');
const BUFFER_BYTES = 1024 * 1024;
/** Most bytes a reader holds at once (a mark spanning a long value): the chunk plus the longest string. */
const MAX_HELD_BYTES = MAX_STRING_BYTES + 2 * BUFFER_BYTES;

/**
 * Interns short ASCII tokens (keyword and symbol names) straight from their bytes: a history names the same few
 * keywords millions of times, and decoding each into a fresh string would be most of the reader's allocation.
 */
class Names {
  private readonly table = new Int32Array(8192);
  private readonly names: string[] = [''];
  private readonly keywords: Keyword[] = [new Keyword('')];

  /** The id of buf[s, e), 0 when it is not cached (too long, not ASCII, or the cache is full). */
  private id(buf: Uint8Array, s: number, e: number): number {
    const len = e - s;
    if (len > 48) return 0;
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) {
      const c = buf[i];
      if (c >= 0x80) return 0;
      h = Math.imul(h ^ c, 0x01000193);
    }
    const mask = this.table.length - 1;
    for (let slot = h & mask, probes = 0; probes < 16; slot = (slot + 1) & mask, probes++) {
      const at = this.table[slot];
      if (at === 0) {
        if (this.names.length >= 4096) return 0;
        this.table[slot] = this.names.length;
        const name = String.fromCharCode(...buf.subarray(s, e));
        this.names.push(name);
        this.keywords.push(new Keyword(name));
        return this.names.length - 1;
      }
      const name = this.names[at];
      if (name.length !== len) continue;
      let same = true;
      for (let i = 0; i < len; i++)
        if (name.charCodeAt(i) !== buf[s + i]) {
          same = false;
          break;
        }
      if (same) return at;
    }
    return 0;
  }

  name(buf: Buffer, s: number, e: number): string {
    const id = this.id(buf, s, e);
    return id ? this.names[id] : buf.toString('utf8', s, e);
  }

  keyword(buf: Buffer, s: number, e: number): Keyword {
    const id = this.id(buf, s, e);
    return id ? this.keywords[id] : new Keyword(buf.toString('utf8', s, e));
  }
}

export class EdnReader {
  /** The bytes in hand: buf[pos, end) are unread; buf[0] is byte `base` of the input. */
  protected buf: Buffer;
  protected pos = 0;
  protected end = 0;
  protected base = 0;
  /** Absolute offset of the first byte a subclass needs kept across refills (to re-read a value), or -1. */
  protected hold = -1;
  private depth = 0;
  private eof = false;
  protected readonly src: Utf8Source;
  protected readonly names = new Names();
  line = 1;

  constructor(
    input: string | Uint8Array | Utf8Source,
    private readonly maxDepth = MAX_VALUE_DEPTH,
  ) {
    this.src =
      input instanceof Utf8Source
        ? input
        : new Utf8Source({ bytes: typeof input === 'string' ? Buffer.from(input, 'utf8') : input }, undefined);
    this.buf = Buffer.allocUnsafe(BUFFER_BYTES);
  }

  /** Reads every top-level form. */
  readAll(): EdnValue[] {
    const out: EdnValue[] = [];
    for (;;) {
      const v = this.next();
      if (v === undefined) return out;
      out.push(v);
    }
  }

  /** Reads the next top-level form, or returns undefined at the end of the input. */
  next(): EdnValue | undefined {
    for (;;) {
      if (!this.skipSpace()) return undefined;
      const v = this.readForm();
      if (v !== DISCARDED) return v as EdnValue;
    }
  }

  /**
   * Brings more bytes into the buffer, keeping every byte from absolute offset `keep` (and from `hold` and the
   * read position) on; buffer indexes move, so callers keep absolute offsets across a call. False at the end.
   */
  protected more(keep = this.base + this.pos): boolean {
    if (this.eof) return false;
    let from = Math.min(keep, this.base + this.pos);
    if (this.hold >= 0) from = Math.min(from, this.hold);
    const drop = from - this.base;
    if (drop > 0) {
      this.buf.copy(this.buf, 0, drop, this.end);
      this.end -= drop;
      this.pos -= drop;
      this.base += drop;
    }
    if (this.buf.length - this.end < BUFFER_BYTES / 2) {
      if (this.end + BUFFER_BYTES > MAX_HELD_BYTES)
        this.fail(`a single value spans more than ${MAX_HELD_BYTES / 2 ** 20} MiB`);
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.end + BUFFER_BYTES));
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const n = this.src.fill(this.buf, this.end, this.buf.length - this.end, (i) => this.lineAt(i));
    if (n === 0) {
      this.eof = true;
      return false;
    }
    this.end += n;
    return true;
  }

  /** The line of buffer index i at or after the read position. */
  private lineAt(i: number): number {
    let line = this.line;
    for (let j = this.pos; j < i; j++) if (this.buf[j] === 10) line++;
    return line;
  }

  /** Skips whitespace, commas and comments; false at the end of the input. */
  protected skipSpace(): boolean {
    for (;;) {
      if (this.pos >= this.end && !this.more()) return false;
      const b = this.buf;
      const end = this.end;
      let p = this.pos;
      while (p < end) {
        const c = b[p];
        if (c === 10) {
          this.line++;
          p++;
        } else if (CLASS[c] & SPACE) p++;
        else break;
      }
      this.pos = p;
      if (p === end) continue;
      if (b[p] !== 59) return true;
      this.skipComment();
    }
  }

  /** From a ";" to the end of its line (the newline itself is left for skipSpace to count). */
  private skipComment(): void {
    for (;;) {
      const nl = this.buf.subarray(0, this.end).indexOf(10, this.pos);
      if (nl >= 0) {
        this.pos = nl;
        return;
      }
      this.pos = this.end;
      if (!this.more()) return;
    }
  }

  /** The next byte, or -1 at the end of the input. */
  protected peek(): number {
    if (this.pos < this.end) return this.buf[this.pos];
    return this.more() ? this.buf[this.pos] : -1;
  }

  protected fail(msg: string, line = this.line): never {
    throw new EdnError(msg, line);
  }

  protected readForm(): EdnValue | typeof DISCARDED {
    if (++this.depth > this.maxDepth) this.fail(`value nested deeper than ${this.maxDepth} levels`);
    try {
      return this.readFormAt();
    } finally {
      this.depth--;
    }
  }

  private readFormAt(): EdnValue | typeof DISCARDED {
    const c = this.peek();
    const line = this.line;
    switch (c) {
      case 40: // (
        this.pos++;
        return new EdnList(this.readSeq(41, line), 'list', line);
      case 91: // [
        this.pos++;
        return new EdnList(this.readSeq(93, line), 'vector', line);
      case 123: // {
        this.pos++;
        return this.readMap(line);
      case 41:
      case 93:
      case 125:
        return this.fail(`unexpected "${String.fromCharCode(c)}"`);
      case 34:
        return this.readString();
      case 92:
        return this.readChar();
      case 35:
        return this.readDispatch(line);
      default:
        return this.readAtom();
    }
  }

  protected readSeq(close: number, openLine: number): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      if (!this.skipSpace())
        this.fail(`unclosed "${close === 41 ? '(' : close === 93 ? '[' : '{'}" opened on line ${openLine}`, openLine);
      if (this.buf[this.pos] === close) {
        this.pos++;
        return items;
      }
      const v = this.readForm();
      if (v !== DISCARDED) items.push(v as EdnValue);
    }
  }

  private readMap(line: number): EdnMap {
    const items = this.readSeq(125, line);
    if (items.length % 2 !== 0) this.fail(`map opened on line ${line} has an odd number of forms`, line);
    const entries: [EdnValue, EdnValue][] = [];
    for (let i = 0; i < items.length; i += 2) entries.push([items[i], items[i + 1]]);
    return new EdnMap(entries, line);
  }

  /** Reads a string from its opening quote: runs without escapes are decoded straight from the buffer. */
  protected readString(): string {
    const startLine = this.line;
    this.pos++;
    const parts: string[] = [];
    let bytes = 0;
    for (;;) {
      const b = this.buf;
      const end = this.end;
      const s = this.pos;
      let i = s;
      while (i < end) {
        const c = b[i];
        if (c === 34 || c === 92) break;
        if (c === 10) this.line++;
        i++;
      }
      if (i > s) {
        bytes += i - s;
        if (bytes > MAX_STRING_BYTES)
          this.fail(`string opened on line ${startLine} is longer than ${MAX_STRING_BYTES / 2 ** 20} MiB`, startLine);
        parts.push(b.toString('utf8', s, i));
      }
      this.pos = i;
      if (i >= end) {
        if (!this.more()) this.fail(`unterminated string opened on line ${startLine}`, startLine);
        continue;
      }
      this.pos++;
      if (b[i] === 34) return parts.length === 1 ? parts[0] : parts.join('');
      parts.push(this.readEscape(startLine));
    }
  }

  private readEscape(startLine: number): string {
    const at = this.base + this.pos - 1;
    if (this.pos >= this.end && !this.more(at)) this.fail(`unterminated string opened on line ${startLine}`, startLine);
    const e = this.buf[this.pos++];
    switch (e) {
      case 110:
        return '\n';
      case 116:
        return '\t';
      case 114:
        return '\r';
      case 98:
        return '\b';
      case 102:
        return '\f';
      case 34:
        return '"';
      case 92:
        return '\\';
      case 117: {
        while (this.end - this.pos < 4 && this.more(at));
        const hex = this.buf.toString('latin1', this.pos, Math.min(this.pos + 4, this.end));
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(`bad \\u escape "\\u${hex}"`);
        this.pos += 4;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      default:
        return this.fail(`bad escape "\\${String.fromCharCode(e)}" in string`);
    }
  }

  /** Scans a token (up to a delimiter) and returns its start index in the buffer; its end is `pos`. */
  protected scanToken(start = this.base + this.pos): number {
    for (;;) {
      const b = this.buf;
      const end = this.end;
      let p = this.pos;
      while (p < end && !(CLASS[b[p]] & DELIM)) p++;
      this.pos = p;
      if (p - (start - this.base) > MAX_TOKEN_BYTES)
        this.fail(`a keyword, symbol or number longer than ${MAX_TOKEN_BYTES / 1024} KiB`);
      if (p < end || !this.more(start)) return start - this.base;
    }
  }

  private readChar(): string {
    const at = this.base + this.pos;
    this.pos++;
    if (this.pos >= this.end && !this.more(at)) this.fail('"\\" at the end of the text');
    // The first character is taken whatever it is (\( is the character "("); a multi-byte one continues below.
    const first = this.base + this.pos;
    this.pos++;
    const s = this.scanToken(first);
    const tok = this.buf.toString('utf8', s, this.pos);
    if ([...tok].length === 1) return tok;
    if (CHAR_NAMES[tok]) return CHAR_NAMES[tok];
    if (/^u[0-9a-fA-F]{4}$/.test(tok)) return String.fromCharCode(Number.parseInt(tok.slice(1), 16));
    return this.fail(`unknown character literal "\\${tok}"`);
  }

  private readDispatch(line: number): EdnValue | typeof DISCARDED {
    this.pos++;
    const c = this.peek();
    if (c === 123) {
      this.pos++;
      return new EdnList(this.readSeq(125, line), 'set', line);
    }
    if (c === 35) {
      this.pos++;
      const s = this.scanToken();
      const sym = this.buf.toString('utf8', s, this.pos);
      if (sym === 'NaN') return NaN;
      if (sym === 'Inf') return Infinity;
      if (sym === '-Inf') return -Infinity;
      this.fail(`unknown symbolic value "##${sym}"`);
    }
    if (c === 95) {
      this.pos++;
      if (!this.skipSpace()) this.fail('#_ at the end of the text');
      this.readForm();
      return DISCARDED;
    }
    const s = this.scanToken();
    const tag = this.buf.toString('utf8', s, this.pos);
    if (!tag) this.fail(`bad dispatch "#${c < 0 ? '' : String.fromCharCode(c)}"`);
    if (!this.skipSpace()) this.fail(`tag #${tag} has no value`);
    const v = this.readForm();
    if (v === DISCARDED) this.fail(`tag #${tag} has no value`);
    return new Tagged(tag, v as EdnValue);
  }

  protected readAtom(): EdnValue {
    const s = this.scanToken();
    const e = this.pos;
    const b = this.buf;
    if (s === e) this.fail(`unexpected "${String.fromCharCode(b[s])}"`);
    const c = b[s];
    const len = e - s;
    if (c === 58) {
      // :keyword
      if (len === 1 || (len === 2 && b[s + 1] === 58)) this.fail(`bad keyword "${b.toString('utf8', s, e)}"`);
      return this.names.keyword(b, s + 1, e);
    }
    if (CLASS[c] & DIGIT || ((c === 43 || c === 45) && len > 1 && CLASS[b[s + 1]] & DIGIT)) return this.number(s, e);
    if (len === 3 && c === 110 && b[s + 1] === 105 && b[s + 2] === 108) return null;
    if (len === 4 && c === 116 && b[s + 1] === 114 && b[s + 2] === 117 && b[s + 3] === 101) return true;
    if (len === 5 && c === 102 && b.toString('latin1', s, e) === 'false') return false;
    return new EdnSymbol(this.names.name(b, s, e));
  }

  /** The number in buf[s, e): short decimal integers without a string; the rest from their text. */
  protected number(s: number, e: number): number | bigint {
    const b = this.buf;
    let i = s;
    let neg = false;
    if (b[i] === 45 || b[i] === 43) neg = b[i++] === 45;
    if (e - i <= 15) {
      let n = 0;
      let j = i;
      for (; j < e; j++) {
        const d = b[j] - 48;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      if (j === e) return neg ? 0 - n : n;
    }
    return this.numberText(b.toString('utf8', s, e));
  }

  private numberText(tok: string): number | bigint {
    if (tok.length > MAX_INT_DIGITS)
      this.fail(`number "${tok.slice(0, 20)}…" has more than ${MAX_INT_DIGITS} characters`);
    let m = /^([+-]?\d+)N?$/.exec(tok);
    if (m) return exactInt(BigInt(m[1]));
    m = /^([+-]?\d+)\/(\d+)$/.exec(tok);
    if (m) {
      const p = BigInt(m[1]);
      const q = BigInt(m[2]);
      if (q === 0n) return p === 0n ? NaN : p > 0n ? Infinity : -Infinity;
      if (p % q === 0n) return exactInt(p / q);
      const r = Number(p) / Number(q);
      if (!Number.isFinite(r) || r === 0) this.fail(`ratio ${tok.slice(0, 40)} is beyond what a double holds`);
      return r;
    }
    m = /^([+-]?\d+(\.\d*)?([eE][+-]?\d+)?)(M?)$/.exec(tok);
    if (m) {
      const d = Number(m[1]);
      const problem = decimalProblem(m[1], d, m[4] === 'M');
      if (problem) this.fail(`number ${tok.slice(0, 40)} ${problem}`);
      return d;
    }
    m = /^([+-]?)0[xX]([0-9a-fA-F]+)$/.exec(tok);
    if (m) {
      const n = BigInt(`0x${m[2]}`);
      return exactInt(m[1] === '-' ? -n : n);
    }
    return this.fail(`bad number "${tok.slice(0, 40)}"`);
  }
}

/** An integer as a number when that is exact, else as a BigInt. */
export function exactInt(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/**
 * EDN → plain JSON-like data: keywords and symbols become their names, vectors, lists and sets become
 * arrays, maps become objects keyed by the printed key (":a" → "a"), tagged values keep their tag (TaggedValue).
 */
export function toPlain(v: EdnValue): unknown {
  if (v === null || typeof v !== 'object') return v; // including bigint and NaN, kept exact
  if (v instanceof Keyword || v instanceof EdnSymbol) return v.name;
  if (v instanceof EdnList) return v.items.map(toPlain);
  if (v instanceof Tagged) return new TaggedValue(v.tag, toPlain(v.value));
  const o: Record<string, unknown> = {};
  for (const [k, val] of v.entries) {
    const name = keyName(k);
    // Same as JSON.parse: a "__proto__" key is an ordinary own property, never the prototype.
    if (name === '__proto__')
      Object.defineProperty(o, name, { value: toPlain(val), enumerable: true, writable: true, configurable: true });
    else o[name] = toPlain(val);
  }
  return o;
}

/**
 * EDN → a history value (an op's :value and :key): as toPlain, except that a keyword keeps its colon, so the
 * keyword :x and the string "x", which differ in EDN and in Clojure, never compare equal (history/txn.ts reads
 * transactions' keys and values the same way).
 */
export function toValue(v: EdnValue): unknown {
  if (v instanceof Keyword) return `:${v.name}`;
  if (v instanceof EdnList) return v.items.map(toValue);
  if (v instanceof Tagged) return new TaggedValue(v.tag, toValue(v.value));
  return toPlain(v);
}

function keyName(k: EdnValue): string {
  if (k instanceof Keyword || k instanceof EdnSymbol) return k.name;
  if (typeof k === 'string') return k;
  return showValue(toPlain(k), Infinity);
}

// A real EDN reader (https://github.com/edn-format/edn), enough of it for Jepsen and Knossos histories and then
// some: nil, booleans, integers (with N), floats (with M), ratios, strings with escapes, characters, keywords,
// symbols, lists, vectors, maps, sets, #_ discard, tagged values and record literals (#ns.Rec{...}), `;`
// comments, commas as whitespace. Every value remembers the line it started on, for error messages.
//
// Numbers are read exactly where the checker compares them: integers beyond 2^53 (with or without N) become
// BigInt; a ratio whose value is an integer becomes that integer; ##NaN, ##Inf and ##-Inf are the symbolic
// values, and 0/0 (which Clojure refuses to read) is taken as NaN, n/0 as an infinity, so a history that
// recorded them is still compared as written (the models' canon() makes NaN equal NaN). Other ratios and
// decimals are doubles, as in JSON. Nesting is bounded (MAX_VALUE_DEPTH): the reader and everything after it
// recurse, and a deeper value is an error naming its line rather than a stack overflow.
import { MAX_INT_DIGITS, MAX_VALUE_DEPTH } from './json-exact.js';
import { showValue } from './show.js';

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

const DELIMS = new Set(['(', ')', '[', ']', '{', '}', '"', ';']);
const CHAR_NAMES: Record<string, string> = {
  newline: '\n',
  return: '\r',
  space: ' ',
  tab: '\t',
  formfeed: '\f',
  backspace: '\b',
};

export class EdnReader {
  private pos = 0;
  private depth = 0;
  line = 1;

  constructor(
    private readonly text: string,
    private readonly maxDepth = MAX_VALUE_DEPTH,
  ) {}

  /** Reads every top-level form. */
  readAll(): EdnValue[] {
    const out: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) return out;
      const v = this.readForm();
      if (v !== DISCARDED) out.push(v as EdnValue);
    }
  }

  /** Reads the next top-level form, or returns undefined at the end of the text. */
  next(): EdnValue | undefined {
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) return undefined;
      const v = this.readForm();
      if (v !== DISCARDED) return v as EdnValue;
    }
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === '\n') {
        this.line++;
        this.pos++;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === ',' || c === '\f') this.pos++;
      else if (c === ';') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  private fail(msg: string, line = this.line): never {
    throw new EdnError(msg, line);
  }

  private readForm(): EdnValue | typeof DISCARDED {
    if (++this.depth > this.maxDepth) this.fail(`value nested deeper than ${this.maxDepth} levels`);
    try {
      return this.readFormAt();
    } finally {
      this.depth--;
    }
  }
  private readFormAt(): EdnValue | typeof DISCARDED {
    const t = this.text;
    const c = t[this.pos];
    const line = this.line;
    switch (c) {
      case '(':
        this.pos++;
        return new EdnList(this.readSeq(')', line), 'list', line);
      case '[':
        this.pos++;
        return new EdnList(this.readSeq(']', line), 'vector', line);
      case '{':
        this.pos++;
        return this.readMap(line);
      case ')':
      case ']':
      case '}':
        return this.fail(`unexpected "${c}"`);
      case '"':
        return this.readString();
      case '\\':
        return this.readChar();
      case '#':
        return this.readDispatch(line);
      default:
        return this.readAtom();
    }
  }

  private readSeq(close: string, openLine: number): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length)
        this.fail(`unclosed "${close === ')' ? '(' : close === ']' ? '[' : '{'}" opened on line ${openLine}`, openLine);
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      const v = this.readForm();
      if (v !== DISCARDED) items.push(v as EdnValue);
    }
  }

  private readMap(line: number): EdnMap {
    const items = this.readSeq('}', line);
    if (items.length % 2 !== 0) this.fail(`map opened on line ${line} has an odd number of forms`, line);
    const entries: [EdnValue, EdnValue][] = [];
    for (let i = 0; i < items.length; i += 2) entries.push([items[i], items[i + 1]]);
    return new EdnMap(entries, line);
  }

  private readString(): string {
    const t = this.text;
    const startLine = this.line;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= t.length) this.fail(`unterminated string opened on line ${startLine}`, startLine);
      const c = t[this.pos++];
      if (c === '"') return out;
      if (c === '\n') this.line++;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = t[this.pos++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case 'u': {
          const hex = t.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(`bad \\u escape "\\u${hex}"`);
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`bad escape "\\${e ?? ''}" in string`);
      }
    }
  }

  private token(): string {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === ',' || DELIMS.has(c)) break;
      this.pos++;
    }
    return t.slice(start, this.pos);
  }

  private readChar(): string {
    this.pos++;
    const first = this.text[this.pos];
    if (first === undefined) this.fail('"\\" at the end of the text');
    this.pos++;
    const tok = first + this.token();
    if (tok.length === 1) return tok;
    if (CHAR_NAMES[tok]) return CHAR_NAMES[tok];
    if (/^u[0-9a-fA-F]{4}$/.test(tok)) return String.fromCharCode(parseInt(tok.slice(1), 16));
    return this.fail(`unknown character literal "\\${tok}"`);
  }

  private readDispatch(line: number): EdnValue | typeof DISCARDED {
    this.pos++;
    const c = this.text[this.pos];
    if (c === '{') {
      this.pos++;
      return new EdnList(this.readSeq('}', line), 'set', line);
    }
    if (c === '#') {
      this.pos++;
      const sym = this.token();
      if (sym === 'NaN') return NaN;
      if (sym === 'Inf') return Infinity;
      if (sym === '-Inf') return -Infinity;
      this.fail(`unknown symbolic value "##${sym}"`);
    }
    if (c === '_') {
      this.pos++;
      this.skipSpace();
      if (this.pos >= this.text.length) this.fail('#_ at the end of the text');
      this.readForm();
      return DISCARDED;
    }
    const tag = this.token();
    if (!tag) this.fail(`bad dispatch "#${c ?? ''}"`);
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail(`tag #${tag} has no value`);
    const v = this.readForm();
    if (v === DISCARDED) this.fail(`tag #${tag} has no value`);
    return new Tagged(tag, v as EdnValue);
  }

  private readAtom(): EdnValue {
    const tok = this.token();
    if (tok === '') this.fail(`unexpected "${this.text[this.pos]}"`);
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (tok[0] === ':') {
      if (tok.length === 1 || tok === '::') this.fail(`bad keyword "${tok}"`);
      return new Keyword(tok.slice(1));
    }
    if (/^[+-]?\d/.test(tok)) return this.number(tok);
    return new EdnSymbol(tok);
  }

  private number(tok: string): number | bigint {
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
      return Number(p) / Number(q);
    }
    m = /^([+-]?\d+(\.\d*)?([eE][+-]?\d+)?)M?$/.exec(tok);
    if (m) return Number(m[1]);
    m = /^([+-]?)0[xX]([0-9a-fA-F]+)$/.exec(tok);
    if (m) {
      const n = BigInt(`0x${m[2]}`);
      return exactInt(m[1] === '-' ? -n : n);
    }
    return this.fail(`bad number "${tok.slice(0, 40)}"`);
  }
}
/** An integer as a number when that is exact, else as a BigInt. */
function exactInt(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}
const DISCARDED = Symbol('discarded');

/**
 * EDN → plain JSON-like data: keywords and symbols become their names, vectors, lists and sets become
 * arrays, maps become objects keyed by the printed key (":a" → "a"), tagged values keep only their value.
 */
export function toPlain(v: EdnValue): unknown {
  if (v === null || typeof v !== 'object') return v; // including bigint and NaN, kept exact
  if (v instanceof Keyword || v instanceof EdnSymbol) return v.name;
  if (v instanceof EdnList) return v.items.map(toPlain);
  if (v instanceof Tagged) return toPlain(v.value);
  const o: Record<string, unknown> = {};
  for (const [k, val] of v.entries) o[keyName(k)] = toPlain(val);
  return o;
}

function keyName(k: EdnValue): string {
  if (k instanceof Keyword || k instanceof EdnSymbol) return k.name;
  if (typeof k === 'string') return k;
  return showValue(toPlain(k), Infinity);
}

// JSON values read exactly. JSON.parse turns every number into a double, so 9007199254740993 silently becomes
// 9007199254740992 and a history that recorded two different values reads as one (a wrong "valid"). Node 20's
// JSON.parse has no access to a number's source text, so lines that may hold such an integer (16 or more
// digits in a row) go through this small parser instead, which keeps integer literals beyond
// Number.MAX_SAFE_INTEGER as BigInt; every other line keeps the fast JSON.parse path.
//
// Both paths also bound nesting depth: JSON.parse itself copes with deep arrays, but everything after it
// (canonical values, pairing, the report) recurses, so a value nested thousands deep is refused here, with
// its line, instead of overflowing the stack later.
import { decimalProblem } from './numbers.js';

/** Deepest nesting of arrays/objects a history value may have. */
export const MAX_VALUE_DEPTH = 500;
/** Longest number literal read exactly (decimal-to-BigInt conversion is superlinear in the digits). */
export const MAX_INT_DIGITS = 4096;

// Lines where JSON.parse could lose a number: 16 digits in a row (an integer beyond 2^53, a decimal so small it
// would read as 0) or a three-digit exponent (beyond a double's range, either way).
const MAYBE_INEXACT = /\d{16}|[eE][+-]?\d{3}/;

export class JsonSyntaxError extends Error {
  /** Where in the text, when known (the exact parser's errors): a whole-file reader turns it into a line. */
  constructor(
    message: string,
    readonly pos?: number,
  ) {
    super(message);
  }
}
/** Well-formed JSON holding a value that cannot be read exactly (a number beyond a double): never a torn line. */
export class JsonValueError extends JsonSyntaxError {}

/** JSON.parse, except integers beyond 2^53 stay exact (BigInt) and nesting beyond `maxDepth` is refused. */
export function parseJsonLine(raw: string, maxDepth = MAX_VALUE_DEPTH): unknown {
  if (MAYBE_INEXACT.test(raw)) return new ExactJsonParser(raw, maxDepth).parseAll();
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new JsonSyntaxError((e as Error).message);
  }
  // A value deeper than maxDepth needs more than maxDepth opening brackets: short lines cannot be too deep.
  if (raw.length > maxDepth && depthExceeds(raw, maxDepth))
    throw new JsonSyntaxError(`value nested deeper than ${maxDepth} levels`);
  return v;
}

/** Whether the bracket nesting of valid JSON text goes beyond max (brackets inside strings do not count). */
function depthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

class ExactJsonParser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly t: string,
    private readonly maxDepth: number,
  ) {}

  parseAll(): unknown {
    const v = this.value();
    this.ws();
    if (this.pos < this.t.length) this.fail(`unexpected "${this.t[this.pos]}" after the value`);
    return v;
  }

  private fail(msg: string): never {
    throw new JsonSyntaxError(`${msg} at position ${this.pos}`, this.pos);
  }

  private ws(): void {
    const t = this.t;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  private value(): unknown {
    this.ws();
    const c = this.t[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      case undefined:
        return this.fail('unexpected end of the text');
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number();
        return this.fail(`unexpected "${c}"`);
    }
  }

  private literal<T>(word: string, v: T): T {
    if (this.t.startsWith(word, this.pos)) {
      this.pos += word.length;
      return v;
    }
    return this.fail(`unexpected "${this.t[this.pos]}"`);
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) this.fail(`value nested deeper than ${this.maxDepth} levels`);
  }

  private array(): unknown[] {
    this.enter();
    this.pos++;
    const out: unknown[] = [];
    this.ws();
    if (this.t[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.t[this.pos++];
      if (c === ']') break;
      if (c !== ',') {
        this.pos--;
        this.fail('expected "," or "]"');
      }
    }
    this.depth--;
    return out;
  }

  private object(): Record<string, unknown> {
    this.enter();
    this.pos++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.t[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.t[this.pos] !== '"') this.fail('expected a string key');
      const k = this.string();
      this.ws();
      if (this.t[this.pos++] !== ':') {
        this.pos--;
        this.fail('expected ":"');
      }
      const v = this.value();
      // Same as JSON.parse: a "__proto__" key is an ordinary own property, never the prototype.
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = this.t[this.pos++];
      if (c === '}') break;
      if (c !== ',') {
        this.pos--;
        this.fail('expected "," or "}"');
      }
    }
    this.depth--;
    return out;
  }

  private string(): string {
    // Find the closing quote, then let JSON.parse decode escapes exactly as it always does.
    const t = this.t;
    const start = this.pos;
    let i = start + 1;
    for (;;) {
      if (i >= t.length) {
        this.pos = start;
        this.fail('unterminated string');
      }
      const c = t.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 34) break;
      else i++;
    }
    this.pos = i + 1;
    try {
      return JSON.parse(t.slice(start, i + 1)) as string;
    } catch {
      this.pos = start;
      return this.fail('bad string');
    }
  }

  private number(): number | bigint {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.t);
    if (!r || r[0] === '-') return this.fail('bad number');
    this.pos += r[0].length;
    const text = r[0];
    if (text.length > MAX_INT_DIGITS) this.fail(`number longer than ${MAX_INT_DIGITS} characters`);
    if (r[1] === undefined && r[2] === undefined) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    const d = Number(text);
    const problem = decimalProblem(text, d, false);
    if (problem) throw new JsonValueError(`number ${text.slice(0, 40)} ${problem}`, this.pos - text.length);
    return d;
  }
}

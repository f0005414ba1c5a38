// Our history format (docs/history-format.md): an optional header line, then one event per line. The recorder
// appends as it goes, so a harness that died mid-write can leave a torn last line: a last line with no newline
// after it that does not parse is dropped with a warning. A complete line (one that ends in a newline) that does
// not parse is corruption, never a torn write, and is an error naming the line, as is any other bad line.
//
// Lines are fed one at a time (JsonlParser), so a file is read as a stream (readers/lines.ts) and only the
// events are kept. Integers beyond 2^53 are kept exact and nesting is bounded (json-exact.ts).
import { JsonSyntaxError, JsonValueError, parseJsonLine } from '../json-exact.js';
import { HISTORY_FORMAT_VERSION, HistoryError, type History, type HistoryEvent, type HistoryHeader } from '../op.js';
import { setLine } from '../pair.js';
import { showValue } from '../show.js';
import type { TxnColumns } from '../txn-columns.js';
import { TXN_F } from '../txn.js';

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

export function looksLikeJsonl(text: string): boolean {
  const first = text.split('\n', 3).find((l) => l.trim() !== '');
  return first !== undefined && /^\s*\{\s*"/.test(first);
}

function validate(o: unknown, file: string | undefined, line: number, index: number): HistoryEvent {
  const bad = (msg: string): never => {
    throw new HistoryError(msg, file, line);
  };
  if (!o || typeof o !== 'object' || Array.isArray(o)) bad(`expected a JSON object, got ${showValue(o)}`);
  const e = o as Record<string, unknown>;
  if (!TYPES.has(e.type as string)) bad(`"type" must be invoke, ok, fail or info, got ${showValue(e.type)}`);
  if (!(e.process === 'nemesis' || (typeof e.process === 'number' && Number.isInteger(e.process))))
    bad(`"process" must be an integer or "nemesis", got ${showValue(e.process)}`);
  if (typeof e.f !== 'string' || e.f === '') bad(`"f" must be a non-empty string, got ${showValue(e.f)}`);
  if (e.time !== undefined && typeof e.time !== 'number' && typeof e.time !== 'bigint')
    bad(`"time" must be a number of nanoseconds, got ${showValue(e.time)}`);
  const ev = { ...e, index } as HistoryEvent;
  if (typeof e.time === 'bigint') ev.time = Number(e.time);
  if (e.index !== undefined && e.index !== index) ev.sourceIndex = e.index;
  return setLine(ev, line);
}

function validateHeader(h: Record<string, unknown>, file: string | undefined, line: number): HistoryHeader {
  if (h.version !== HISTORY_FORMAT_VERSION)
    throw new HistoryError(
      `history format version ${showValue(h.version)} is not supported ` +
        `(this faultline reads version ${HISTORY_FORMAT_VERSION})`,
      file,
      line,
    );
  // What the header names (a model, checkers) is the check pipeline's to judge (harness/check/pipeline.ts); the
  // line is kept so that its message can name it.
  return setLine(h as HistoryEvent, line) as unknown as HistoryHeader;
}

/** Builds a History from JSONL lines fed in order. */
export class JsonlParser {
  private events: HistoryEvent[] = [];
  private warnings: string[] = [];
  private header: HistoryHeader | undefined;

  /** With `cols`, transactions' micro-ops go into the columns and their events carry no value. */
  constructor(
    private readonly file?: string,
    private readonly cols?: TxnColumns,
  ) {}

  line(raw: string, lineNo: number, terminated: boolean): void {
    if (raw.trim() === '') return;
    let o: unknown;
    try {
      o = parseJsonLine(raw);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      if (err instanceof JsonValueError) throw new HistoryError(err.message, this.file, lineNo);
      if (!terminated) {
        this.warnings.push(`line ${lineNo}: truncated last line dropped (the writer was interrupted)`);
        return;
      }
      const why = /nested deeper/.test(err.message) ? err.message : 'not valid JSON';
      throw new HistoryError(`${why}: ${raw.slice(0, 60)}${raw.length > 60 ? '…' : ''}`, this.file, lineNo);
    }
    if (
      this.events.length === 0 &&
      !this.header &&
      o &&
      typeof o === 'object' &&
      (o as Record<string, unknown>).faultline === 'history'
    ) {
      this.header = validateHeader(o as Record<string, unknown>, this.file, lineNo);
      return;
    }
    const e = validate(o, this.file, lineNo, this.events.length);
    if (this.cols && e.f === TXN_F) {
      this.cols.addPlain(e.index, e.value);
      delete e.value;
    }
    this.cols?.noteEvent(e.index, e);
    this.events.push(e);
  }

  finish(): History {
    if (this.events.length === 0) throw new HistoryError('no operations in the file', this.file);
    const h: History = { header: this.header, events: this.events, source: 'jsonl', warnings: this.warnings };
    if (this.cols) h.txns = this.cols;
    return h;
  }
}

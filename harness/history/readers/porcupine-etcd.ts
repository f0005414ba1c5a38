// Porcupine's Jepsen etcd logs (test_data/jepsen/etcd_NNN.log): one console line per event,
// "INFO  jepsen.util - <process> :<type> :<f> <value>". Read as Porcupine's parseJepsenLog does, but into our
// events: :info lines are kept as info completions, which the etcd model treats exactly as Porcupine treats a
// call left pending (an unknown result at the end of the history).
import { HistoryError, type History, type HistoryEvent, type OpType } from '../op.js';
import { setLine } from '../pair.js';

// Matched against the line with its trailing space trimmed: a lazy `(.*?)\s*$` is quadratic on a long run of
// blanks, which a damaged file can hold.
const LINE = /jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(\w[\w-]*)(?:\s+(.*))?$/;

export function isPorcupineEtcd(text: string): boolean {
  const first = text.split('\n', 5).find((l) => l.trim() !== '');
  return first !== undefined && LINE.test(first.trimEnd());
}

/** An integer as written: beyond 2^53 it stays exact (BigInt). */
function int(raw: string): number | bigint {
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : BigInt(raw);
}

function parseValue(raw: string, file: string | undefined, line: number): unknown {
  if (raw === 'nil' || raw === '') return null;
  if (/^-?\d+$/.test(raw)) return int(raw);
  if (raw.startsWith(':')) return raw.slice(1); // e.g. :timed-out
  const pair = /^\[\s*(-?\d+|nil)\s+(-?\d+|nil)\s*\]$/.exec(raw);
  if (pair) return [pair[1] === 'nil' ? null : int(pair[1]), pair[2] === 'nil' ? null : int(pair[2])];
  throw new HistoryError(`unrecognised value "${raw.slice(0, 60)}"`, file, line);
}

/** Builds a History from the log's lines fed in order (streamed by readers/index.ts). */
export class PorcupineEtcdParser {
  private events: HistoryEvent[] = [];
  constructor(private readonly file?: string) {}

  line(l: string, lineNo: number): void {
    if (l.trim() === '') return;
    const m = LINE.exec(l.trimEnd());
    if (!m) throw new HistoryError(`not a Jepsen log line: "${l.slice(0, 60)}"`, this.file, lineNo);
    const process = Number(m[1]);
    if (!Number.isSafeInteger(process))
      throw new HistoryError(`process ${m[1].slice(0, 30)} is too large`, this.file, lineNo);
    const e: HistoryEvent = {
      index: this.events.length,
      type: m[2] as OpType,
      process,
      f: m[3],
      value: parseValue(m[4] ?? '', this.file, lineNo),
    };
    if (e.type === 'info') e.error = e.value;
    this.events.push(setLine(e, lineNo));
  }

  finish(): History {
    if (this.events.length === 0) throw new HistoryError('no operations in the file', this.file);
    return { events: this.events, source: 'porcupine-etcd', warnings: [] };
  }
}

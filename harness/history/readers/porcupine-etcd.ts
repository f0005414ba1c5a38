// Porcupine's Jepsen etcd logs (test_data/jepsen/etcd_NNN.log): one console line per event,
// "INFO  jepsen.util - <process> :<type> :<f> <value>". Read as Porcupine's parseJepsenLog does, but into our
// events: :info lines are kept as info completions, which the etcd model treats exactly as Porcupine treats a
// call left pending (an unknown result at the end of the history).
import { HistoryError, type History, type HistoryEvent, type OpType } from '../op.js';
import { setLine } from '../pair.js';

const LINE = /jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(\w[\w-]*)\s+(.*?)\s*$/;

export function isPorcupineEtcd(text: string): boolean {
  const first = text.split('\n', 5).find((l) => l.trim() !== '');
  return first !== undefined && LINE.test(first);
}

function parseValue(raw: string, file: string | undefined, line: number): unknown {
  if (raw === 'nil' || raw === '') return null;
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (raw.startsWith(':')) return raw.slice(1); // e.g. :timed-out
  const pair = /^\[\s*(-?\d+|nil)\s+(-?\d+|nil)\s*\]$/.exec(raw);
  if (pair) return [pair[1] === 'nil' ? null : Number(pair[1]), pair[2] === 'nil' ? null : Number(pair[2])];
  throw new HistoryError(`unrecognised value "${raw}"`, file, line);
}

export function parsePorcupineEtcd(text: string, file?: string): History {
  const events: HistoryEvent[] = [];
  const warnings: string[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    const m = LINE.exec(l);
    if (!m) throw new HistoryError(`not a Jepsen log line: "${l.slice(0, 60)}"`, file, i + 1);
    const e: HistoryEvent = { index: events.length, type: m[2] as OpType, process: Number(m[1]), f: m[3], value: parseValue(m[4], file, i + 1) };
    if (e.type === 'info') e.error = e.value;
    events.push(setLine(e, i + 1));
  });
  if (events.length === 0) throw new HistoryError('no operations in the file', file);
  return { events, source: 'porcupine-etcd', warnings };
}

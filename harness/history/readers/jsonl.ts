// Our history format (docs/history-format.md): an optional header line, then one event per line. The recorder
// appends as it goes, so a harness that died mid-write can leave a torn last line: that line alone is dropped
// with a warning. A bad line anywhere else is an error naming the line.
import { HISTORY_FORMAT_VERSION, HistoryError, type History, type HistoryEvent, type HistoryHeader } from '../op.js';
import { setLine } from '../pair.js';

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

export function looksLikeJsonl(text: string): boolean {
  const first = text.split('\n', 3).find((l) => l.trim() !== '');
  return first !== undefined && /^\s*\{\s*"/.test(first);
}

function validate(o: unknown, file: string | undefined, line: number, index: number): HistoryEvent {
  const bad = (msg: string): never => { throw new HistoryError(msg, file, line); };
  if (!o || typeof o !== 'object' || Array.isArray(o)) bad('expected a JSON object');
  const e = o as Record<string, unknown>;
  if (!TYPES.has(e.type as string)) bad(`"type" must be invoke, ok, fail or info, got ${JSON.stringify(e.type)}`);
  if (!(e.process === 'nemesis' || (typeof e.process === 'number' && Number.isInteger(e.process)))) bad(`"process" must be an integer or "nemesis", got ${JSON.stringify(e.process)}`);
  if (typeof e.f !== 'string' || e.f === '') bad(`"f" must be a non-empty string, got ${JSON.stringify(e.f)}`);
  if (e.time !== undefined && typeof e.time !== 'number') bad(`"time" must be a number of nanoseconds, got ${JSON.stringify(e.time)}`);
  const ev = { ...e, index } as HistoryEvent;
  if (typeof e.index === 'number' && e.index !== index) ev.sourceIndex = e.index;
  return setLine(ev, line);
}

export function parseJsonl(text: string, file?: string): History {
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n');
  const events: HistoryEvent[] = [];
  const warnings: string[] = [];
  let header: HistoryHeader | undefined;
  let lastContent = lines.length - 1;
  while (lastContent >= 0 && lines[lastContent].trim() === '') lastContent--;
  for (let i = 0; i <= lastContent; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch {
      if (i === lastContent && !endsClean) {
        warnings.push(`line ${i + 1}: truncated last line dropped (the writer was interrupted)`);
        break;
      }
      throw new HistoryError(`not valid JSON: ${raw.slice(0, 60)}${raw.length > 60 ? '…' : ''}`, file, i + 1);
    }
    if (events.length === 0 && !header && o && typeof o === 'object' && (o as Record<string, unknown>).faultline === 'history') {
      const h = o as HistoryHeader;
      if (h.version !== HISTORY_FORMAT_VERSION) throw new HistoryError(`history format version ${JSON.stringify(h.version)} is not supported (this faultline reads version ${HISTORY_FORMAT_VERSION})`, file, i + 1);
      header = h;
      continue;
    }
    events.push(validate(o, file, i + 1, events.length));
  }
  if (events.length === 0) throw new HistoryError('no operations in the file', file);
  return { header, events, source: 'jsonl', warnings };
}

// The error contract of every command: bad input gets exactly one line on stderr, "faultline: <file>:<line>:
// <what>" where there is a file and a line, and exit 3, whatever threw it. The line is safe for a terminal:
// text quoted from a file (a value, a file name) may hold escape sequences that would recolour or rewrite the
// user's screen, so control and bidi-override characters are shown escaped, never sent raw.
import { HistoryError } from '../history/op.js';

export const EXIT_BAD_INPUT = 3;
const MAX_MESSAGE = 1000;

/** Control characters (C0 but tab, DEL, C1) and Unicode bidi overrides/isolates, written as \xNN or \uNNNN. */
export function safeText(s: string): string {
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A message as one line. A message whose first line is a heading ("Invalid values:" from yargs, followed by the
 * useful part on the next lines) is joined into one line; otherwise only the first line is kept.
 */
function firstLine(msg: string): string {
  const lines = msg
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return 'unknown error';
  let line = lines[0].endsWith(':') && lines.length > 1 ? lines.join(' ') : lines[0];
  if (line.length > MAX_MESSAGE) line = `${line.slice(0, MAX_MESSAGE)}…`;
  return line;
}

export function oneLine(err: unknown): string {
  if (err instanceof HistoryError) return safeText(firstLine(err.oneLine()));
  if (err instanceof RangeError && /call stack/i.test(err.message))
    return 'input nested too deeply to process (maximum call stack size exceeded)';
  if (err instanceof Error) return safeText(firstLine(err.message));
  return safeText(firstLine(String(err)));
}

export function fail(err: unknown): never {
  process.stderr.write(`faultline: ${oneLine(err)}\n`);
  process.exit(EXIT_BAD_INPUT);
}

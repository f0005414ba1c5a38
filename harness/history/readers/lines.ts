// Reading history files safely: only regular files (a FIFO would block forever, /dev/zero never ends, a folder
// is not a history), a leading UTF-8 byte-order mark dropped, invalid UTF-8 refused with its line, and line-by-line
// streaming with a fixed read buffer so that memory does not grow with the size of the file, only with what the
// reader keeps (bounded by limits.ts, as is the time reading may take).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { CHUNK_BYTES, readError, Utf8Source } from '../bytes.js';
import type { ReadLimits } from '../limits.js';
import { HistoryError } from '../op.js';

/** Longest line a reader accepts; a longer one is bad input (and bounds memory on a file without newlines). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** Largest file read whole (a JSON array, results.json); line formats and EDN are streamed. */
export const MAX_WHOLE_FILE_BYTES = 256 * 1024 * 1024;

function errnoText(err: unknown): string {
  return readError(err, undefined).message.replace(/^cannot read: /, '');
}

/**
 * Opens `path` for reading and checks what it is before reading a byte: anything but a regular file is refused
 * with a one-line error. O_NONBLOCK keeps open() itself from waiting on a FIFO with no writer.
 */
export function openRegularFile(path: string, what = 'history file'): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new HistoryError(`cannot read: ${errnoText(err)}`, path);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new HistoryError(`is a folder, not a ${what}`, path);
    if (!st.isFile()) {
      const kind = st.isFIFO()
        ? 'a FIFO'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : st.isSocket()
            ? 'a socket'
            : 'not a regular file';
      throw new HistoryError(`is ${kind}, not a regular file; give a ${what}`, path);
    }
    return { fd, size: st.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The first `bytes` of an open file as text (BOM dropped), for format detection. */
export function readHead(fd: number, path: string, bytes = 64 * 1024): string {
  const buf = Buffer.alloc(bytes);
  let n: number;
  try {
    n = readSync(fd, buf, 0, bytes, 0);
  } catch (err) {
    throw readError(err, path);
  }
  return stripBom(new StringDecoder('utf8').write(buf.subarray(0, n)));
}

/** A whole (regular, open) file as text, refusing files larger than `max` bytes and invalid UTF-8. */
export function readWhole(
  fd: number,
  path: string,
  size: number,
  max = MAX_WHOLE_FILE_BYTES,
  limits?: ReadLimits,
): string {
  if (size > max)
    throw new HistoryError(
      `is ${(size / 2 ** 20).toFixed(0)} MiB; files of this format are read whole and must be at most ` +
        `${max / 2 ** 20} MiB (convert it to JSONL, which is streamed)`,
      path,
    );
  const src = new Utf8Source({ fd }, path, limits);
  const buf = Buffer.allocUnsafe(CHUNK_BYTES + 8);
  const parts: string[] = [];
  let lines = 1;
  for (;;) {
    const n = src.fill(buf, 0, CHUNK_BYTES, (i) => lines + countLines(buf, i));
    if (n === 0) break;
    // The file may grow while we read it: the limit is on what we read, not what fstat said.
    if (src.total > max) throw new HistoryError(`grew beyond ${max / 2 ** 20} MiB while being read`, path);
    lines += countLines(buf, n);
    parts.push(buf.toString('utf8', 0, n));
  }
  return parts.join('');
}

function countLines(buf: Buffer, to: number): number {
  let n = 0;
  for (let at = buf.indexOf(10, 0); at >= 0 && at < to; at = buf.indexOf(10, at + 1)) n++;
  return n;
}

export function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** Receives each line (without its "\n"); `terminated` is false only for a last line with no newline after it. */
export type LineSink = (line: string, lineNo: number, terminated: boolean) => void;

/** Calls `sink` for every line of the open file, read CHUNK_BYTES at a time and split on bytes. */
export function forEachLine(fd: number, path: string, sink: LineSink, limits?: ReadLimits): void {
  const src = new Utf8Source({ fd }, path, limits);
  const buf = Buffer.allocUnsafe(CHUNK_BYTES + 8);
  let parts: Buffer[] = [];
  let partLen = 0;
  let lineNo = 1;
  const tooLong = (): never => {
    // A line that never ends (a file of zeros, a garbage blob) is refused before it fills memory.
    throw new HistoryError(`line is longer than ${MAX_LINE_BYTES / 2 ** 20} MiB`, path, lineNo);
  };
  const emit = (b: Buffer, from: number, to: number, terminated: boolean): void => {
    if (to > from && b[to - 1] === 13 && terminated) to--;
    let line: string;
    if (parts.length) {
      parts.push(b.subarray(from, to));
      line = Buffer.concat(parts).toString('utf8');
      parts = [];
      partLen = 0;
    } else line = b.toString('utf8', from, to);
    sink(line, lineNo++, terminated);
  };
  for (;;) {
    const n = src.fill(buf, 0, CHUNK_BYTES, (i) => lineNo + countLines(buf, i));
    if (n === 0) break;
    const view = buf.subarray(0, n);
    let from = 0;
    for (;;) {
      const nl = view.indexOf(10, from);
      if (nl < 0) break;
      if (partLen + nl - from > MAX_LINE_BYTES) tooLong();
      emit(view, from, nl, true);
      from = nl + 1;
    }
    if (from < n) {
      partLen += n - from;
      if (partLen > MAX_LINE_BYTES) tooLong();
      parts.push(Buffer.from(view.subarray(from, n)));
    }
  }
  if (parts.length) {
    const last = Buffer.concat(parts);
    parts = [];
    emit(last, 0, last.length, false);
  }
}

/** The same line walk over a string already in memory (parseHistory on text). */
export function forEachTextLine(text: string, sink: LineSink): void {
  text = stripBom(text);
  let from = 0;
  let lineNo = 1;
  for (;;) {
    const nl = text.indexOf('\n', from);
    if (nl < 0) break;
    const line = text.slice(from, nl);
    sink(line.endsWith('\r') ? line.slice(0, -1) : line, lineNo++, true);
    from = nl + 1;
  }
  if (from < text.length) sink(text.slice(from), lineNo, false);
}

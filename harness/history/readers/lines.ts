// Reading history files safely: only regular files (a FIFO would block forever, /dev/zero never ends, a folder
// is not a history), a leading UTF-8 byte-order mark dropped, and line-by-line streaming with a fixed read
// buffer so that memory does not grow with the size of the file, only with what the reader keeps.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { HistoryError } from '../op.js';

/** Longest line a reader accepts; a longer one is bad input (and bounds memory on a file without newlines). */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;
/** Largest file read whole (EDN, whose forms may span lines); line formats are streamed and have no limit. */
export const MAX_WHOLE_FILE_BYTES = 256 * 1024 * 1024;
const CHUNK = 1024 * 1024;

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or folder';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a folder, not a file';
  return e.code ?? e.message;
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

function readError(err: unknown, path: string): HistoryError {
  return err instanceof HistoryError ? err : new HistoryError(`cannot read: ${errnoText(err)}`, path);
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

/** Calls `onChunk` with each CHUNK-sized piece of the open file, in order (the buffer is reused: copy to keep). */
function readChunks(fd: number, path: string, onChunk: (chunk: Buffer) => void): void {
  const buf = Buffer.alloc(CHUNK);
  for (let pos = 0; ; ) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, CHUNK, pos);
    } catch (err) {
      throw readError(err, path);
    }
    if (n === 0) return;
    pos += n;
    onChunk(buf.subarray(0, n));
  }
}

/** A whole (regular, open) file as text, refusing files larger than `max` bytes. */
export function readWhole(fd: number, path: string, size: number, max = MAX_WHOLE_FILE_BYTES): string {
  if (size > max)
    throw new HistoryError(
      `is ${(size / 2 ** 20).toFixed(0)} MiB; EDN histories are read whole and must be at most ${max / 2 ** 20} MiB ` +
        '(convert it to JSONL, which is streamed)',
      path,
    );
  const dec = new StringDecoder('utf8');
  const parts: string[] = [];
  let total = 0;
  readChunks(fd, path, (chunk) => {
    total += chunk.length;
    // The file may grow while we read it: the limit is on what we read, not what fstat said.
    if (total > max) throw new HistoryError(`grew beyond ${max / 2 ** 20} MiB while being read`, path);
    parts.push(dec.write(chunk));
  });
  parts.push(dec.end());
  return stripBom(parts.join(''));
}

export function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** Receives each line (without its "\n"); `terminated` is false only for a last line with no newline after it. */
export type LineSink = (line: string, lineNo: number, terminated: boolean) => void;

/** Calls `sink` for every line of the open file, reading CHUNK bytes at a time. */
export function forEachLine(fd: number, path: string, sink: LineSink): void {
  const dec = new StringDecoder('utf8');
  let parts: string[] = [];
  let partLen = 0;
  let lineNo = 1;
  let first = true;
  const feed = (text: string): void => {
    if (first && text.length > 0) {
      text = stripBom(text);
      first = false;
    }
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      const piece = text.slice(from, nl);
      const line = parts.length ? parts.join('') + piece : piece;
      parts = [];
      partLen = 0;
      if (line.length > MAX_LINE_CHARS)
        throw new HistoryError(`line is longer than ${MAX_LINE_CHARS / 2 ** 20} MiB`, path, lineNo);
      sink(line.endsWith('\r') ? line.slice(0, -1) : line, lineNo++, true);
      from = nl + 1;
    }
    if (from < text.length) {
      parts.push(text.slice(from));
      partLen += text.length - from;
      // A line that never ends (a file of zeros, a garbage blob) is refused before it fills memory.
      if (partLen > MAX_LINE_CHARS)
        throw new HistoryError(`line is longer than ${MAX_LINE_CHARS / 2 ** 20} MiB`, path, lineNo);
    }
  };
  readChunks(fd, path, (chunk) => feed(dec.write(chunk)));
  feed(dec.end());
  if (parts.length) sink(parts.join(''), lineNo, false);
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

// A history's bytes, read forward in chunks that end on whole UTF-8 characters, each checked as it arrives:
//   - invalid UTF-8 is an error naming its line, never a U+FFFD that makes two different values read alike
//     ("\xff" and "\xfe" were both read as U+FFFD, so a history that wrote one and read the other looked valid);
//   - the caller's deadline and the memory limit (limits.ts) are checked at every chunk;
//   - a leading byte-order mark is dropped.
// The source is an open file (streamed: the file's text is never held whole) or bytes already in memory.
import { isUtf8 } from 'node:buffer';
import { readSync } from 'node:fs';
import { checkReadLimits, type ReadLimits } from './limits.js';
import { HistoryError } from './error.js';

export const CHUNK_BYTES = 1024 * 1024;

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or folder';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a folder, not a file';
  return e.code ?? e.message;
}

export function readError(err: unknown, path: string | undefined): HistoryError {
  return err instanceof HistoryError ? err : new HistoryError(`cannot read: ${errnoText(err)}`, path);
}

/** Length of an incomplete UTF-8 sequence at the end of b[from, to) (0 when it ends on a whole character). */
function incompleteTail(b: Uint8Array, from: number, to: number): number {
  for (let back = 1; back <= 3 && to - back >= from; back++) {
    const c = b[to - back];
    if ((c & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** Position of the first byte of b[from, to) that is not valid UTF-8, or -1 (a slow walk, only on the error path). */
export function firstInvalidUtf8(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; ) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [need, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [need, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= to) return i; // cut short
    let cp = c & (0x3f >> need);
    for (let j = 1; j <= need; j++) {
      const d = b[i + j];
      if ((d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Counts "\n" in b[from, to). */
export function countNewlines(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (b[i] === 10) n++;
  return n;
}

/**
 * The bytes of a file or of a buffer, in validated chunks. `fill` appends the next piece to a caller's buffer;
 * `lineAt` tells it the line of a byte so that an invalid one is reported where it is.
 */
export class Utf8Source {
  private filePos = 0;
  private carry = Buffer.alloc(0);
  private first = true;
  private done = false;
  private readonly started = performance.now();
  /** Bytes handed out so far (after the BOM). */
  total = 0;

  constructor(
    private readonly from: { fd: number } | { bytes: Uint8Array },
    readonly file: string | undefined,
    private readonly limits?: ReadLimits,
  ) {}

  /**
   * Appends up to `room` bytes at `into[at..]`, ending on a whole character; returns how many (0 at the end).
   * `lineOf(i)` gives the line of into[i] for bytes already handed out, to name the line of an invalid byte.
   */
  fill(into: Buffer, at: number, room: number, lineOf: (i: number) => number): number {
    if (this.done) return 0;
    checkReadLimits(this.limits, this.file, this.started);
    if (room < 8) throw new Error('Utf8Source.fill: no room');
    const c = this.carry.length;
    this.carry.copy(into, at);
    let n: number;
    if ('fd' in this.from) {
      try {
        n = readSync(this.from.fd, into, at + c, room - c, this.filePos);
      } catch (err) {
        throw readError(err, this.file);
      }
    } else {
      n = Math.min(room - c, this.from.bytes.length - this.filePos);
      into.set(this.from.bytes.subarray(this.filePos, this.filePos + n), at + c);
    }
    this.filePos += n;
    let end = at + c + n;
    if (n === 0) this.done = true;
    if (this.first && end - at >= 3) {
      this.first = false;
      if (into[at] === 0xef && into[at + 1] === 0xbb && into[at + 2] === 0xbf) {
        into.copy(into, at, at + 3, end);
        end -= 3;
      }
    } else if (this.done) this.first = false;
    const tail = this.done ? 0 : incompleteTail(into, at, end);
    this.carry = Buffer.from(into.subarray(end - tail, end));
    end -= tail;
    if (!isUtf8(into.subarray(at, end))) {
      const bad = firstInvalidUtf8(into, at, end);
      const at2 = bad < 0 ? end : bad;
      throw new HistoryError(
        `invalid UTF-8 (byte 0x${(into[at2] ?? 0).toString(16).padStart(2, '0')}): a history is UTF-8 text`,
        this.file,
        lineOf(at2),
      );
    }
    const got = end - at;
    this.total += got;
    if (got === 0 && !this.done) return this.fill(into, at, room, lineOf);
    return got;
  }
}

// Cuts a byte stream into newline-terminated lines in linear time, with a bound on how long a line may grow.
// The old transport appended every chunk to one string and searched it from the start, so a 200 MiB frame
// without a newline was buffered whole with quadratic work (issue 14, item 2). Here each chunk is searched
// once, a partial line is kept as a list of chunks (joined once, when its newline arrives), and a line longer
// than `max` bytes is refused as soon as it is seen, so a connection never holds more than max + one chunk.

export class LineTooLong extends Error {
  constructor(readonly max: number) {
    super(`line longer than ${max} bytes`);
  }
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;

  /** `max` may be changed between lines (a handshake allows short lines, frames long ones). */
  constructor(public max: number) {}

  /** Bytes held for the current incomplete line. */
  get buffered(): number {
    return this.size;
  }

  /**
   * Calls `onLine` for every complete line in `chunk` (without its newline). `onLine` returns false to stop (the
   * connection was closed): the rest of the chunk is dropped; any other result (or none) goes on. Throws
   * LineTooLong.
   */
  push(chunk: Buffer, onLine: (line: Buffer) => unknown): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        this.size += chunk.length - start;
        if (this.size > this.max) throw new LineTooLong(this.max);
        this.parts.push(chunk.subarray(start));
        return;
      }
      let line: Buffer;
      if (this.size + (nl - start) > this.max) throw new LineTooLong(this.max);
      if (this.parts.length > 0) {
        this.parts.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.parts, this.size + (nl - start));
        this.parts = [];
        this.size = 0;
      } else {
        line = chunk.subarray(start, nl);
      }
      start = nl + 1;
      if (onLine(line) === false) return;
    }
  }
}

// What reading one history may cost, stated and enforced while reading rather than discovered by V8 running out
// of memory: readers stream a file in fixed chunks and, at every chunk, check the memory the process holds and the
// caller's deadline (`check --timeout` covers reading and parsing, not only the search).
//
// Memory: reading stops with a one-line error once the process's resident memory passes MAX_READ_RSS_BYTES
// (1.5 GiB), checked at every chunk of 1 MiB, so whatever a file holds, reading it never takes more than about that:
// it is read in full or refused. What a reader keeps grows with the input (an op map of ~80 bytes becomes one event
// of a few hundred bytes), so the limit is reached by large inputs whose kept form does not fit, never by the file's
// text, which is never held whole.
import { HistoryError } from './error.js';

/** Resident memory at which a reader stops. */
export const MAX_READ_RSS_BYTES = 1.5 * 2 ** 30;

export interface ReadLimits {
  /** performance.now() after which reading gives up with ReadTimeout. */
  deadline?: number;
  /** Resident memory beyond which reading stops with a HistoryError; default MAX_READ_RSS_BYTES. */
  maxRssBytes?: number;
}

/** Reading ran past the caller's deadline: not bad input, an undecided check (exit 2 from `check`). */
export class ReadTimeout extends Error {
  constructor(
    readonly file: string | undefined,
    /** Seconds spent reading when it stopped. */
    readonly seconds: number,
  ) {
    super(`reading ${file ?? 'the history'} took longer than --timeout allows`);
    this.name = 'ReadTimeout';
  }
}

const mib = (b: number): string => `${Math.round(b / 2 ** 20)} MiB`;

/** Throws ReadTimeout past the deadline, or a HistoryError once memory passes the limit. Called once per chunk. */
export function checkReadLimits(l: ReadLimits | undefined, file: string | undefined, started: number): void {
  const now = performance.now();
  if (l?.deadline !== undefined && now > l.deadline) throw new ReadTimeout(file, (now - started) / 1000);
  const max = l?.maxRssBytes ?? MAX_READ_RSS_BYTES;
  if (process.memoryUsage.rss() > max)
    throw new HistoryError(
      `reading this history needs more than ${mib(max)} of memory (the limit for one history); ` +
        'split it into smaller files',
      file,
    );
}

// How the store reads and writes a results folder's files, so that a hostile or damaged run folder cannot hurt
// anything outside it: inputs must be regular files of bounded size (a FIFO would hang, /dev/zero would fill
// memory); outputs are written to a new file beside the destination and renamed over it, so a symlink planted at
// report.html or results.json is replaced, never written through, and a reader never sees half a file.
import { closeSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, sep } from 'node:path';
import { HistoryError } from '../history/op.js';
import { writeAll } from '../history/writer.js';
import { openRegularFile, readWhole } from '../history/readers/lines.js';

/** Largest JSON file of a run folder we read (results.json holds every invalid partition's operations). */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** Parses a JSON file of a run folder: a regular file only, bounded, errors naming the file. */
export function readJsonFile(path: string): unknown {
  const { fd, size } = openRegularFile(path, 'JSON file');
  let text: string;
  try {
    if (size > MAX_JSON_BYTES) throw new HistoryError(`is larger than ${MAX_JSON_BYTES / 2 ** 20} MiB`, path);
    text = readWhole(fd, path, size, MAX_JSON_BYTES);
  } finally {
    closeSync(fd);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8's message quotes the start of the text ('Unexpected token 's', "secret..." is not valid JSON'): only
    // the position is kept, so a file that is not what it claims (a token file behind a symlink) is not echoed.
    const at = /at position (\d+)/.exec((e as Error).message);
    throw new HistoryError(`is not valid JSON${at ? ` (at character ${at[1]})` : ''}`, path);
  }
}

/** Whether `real` is `base` or under it (both real paths). */
export function isUnder(base: string, real: string): boolean {
  return real === base || real.startsWith(base.endsWith(sep) ? base : base + sep);
}

/**
 * `dir/name` for reading, refused when it resolves (through a symlink at any step) to a place outside `dir`: a run
 * folder is input someone may have crafted, and a history.jsonl linked to ~/.npmrc must not be read, let alone
 * quoted in an error line. The error names the link, never its target or the target's bytes. A path that does
 * not exist (or a dangling link) is returned as it is: callers treat it as absent or fail to open it.
 */
export function insideFolder(dir: string, name: string): string {
  const p = join(dir, name);
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    return p;
  }
  if (!isUnder(realpathSync(dir), real))
    throw new HistoryError('is a symlink leading out of its run folder; refused (not read)', p);
  return p;
}

/**
 * Replaces `path` with `data` atomically: a fresh temp file in the same folder (O_EXCL, so an existing file or
 * symlink there is never opened), written in full and fsynced, then renamed over `path`. A symlink at `path` is
 * replaced by the new file; its target is untouched. A folder at `path` is an error.
 */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  try {
    if (lstatSync(path).isDirectory()) throw new HistoryError('is a folder; cannot write a file there', path);
  } catch (e) {
    if (e instanceof HistoryError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new HistoryError(`cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined)
      try {
        closeSync(fd);
      } catch {
        /* already failing */
      }
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw new HistoryError(`cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
  }
}

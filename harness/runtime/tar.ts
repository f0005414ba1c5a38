// A POSIX ustar archive of a few small files and folders, made in memory: what an engine's putArchive takes to
// place a file in a container (a node's libfaketime control file, a bed host's keys). No tar binary and no
// staging folder, so nothing here assumes the harness shares a filesystem with the engine (DESIGN.md, "Beyond
// one machine"). Only what those callers need: regular files and folders, names up to 100 bytes, one owner.

/** One archive member: a folder when `text` is absent. */
export interface TarEntry {
  /** Relative path, '/'-separated, at most 100 bytes (ustar's name field; the prefix field is not used). */
  path: string;
  text?: string | Buffer;
  mode: number;
}

const BLOCK = 512;
/** A limit on what this writer is for: control files and keys, not payloads. */
const MAX_FILE_BYTES = 1 << 20;

/** `value` as zero-padded octal filling `width` bytes with a final NUL (ustar's numeric fields). */
function octal(header: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (!Number.isInteger(value) || value < 0 || digits.length > width - 1)
    throw new Error(`tar: ${value} does not fit a ${width}-byte field`);
  header.write(`${digits.padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}

function header(entry: TarEntry, size: number, uid: number, mtime: number): Buffer {
  const name = entry.text === undefined && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  if (name.startsWith('/') || name.split('/').includes('..'))
    throw new Error(`tar: "${entry.path}" must be a relative path without ..`);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: "${entry.path}" is longer than 100 bytes`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, entry.mode & 0o7777);
  octal(h, 108, 8, uid);
  octal(h, 116, 8, uid);
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.fill(' ', 148, 156); // the checksum is summed with its own field as spaces
  h.write(entry.text === undefined ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/** The archive of `entries` in order, every member owned by uid:uid (gid = uid), with this mtime (s). */
export function tarOf(entries: readonly TarEntry[], uid = 0, mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.text === undefined ? Buffer.alloc(0) : Buffer.from(e.text);
    if (data.length > MAX_FILE_BYTES) throw new Error(`tar: "${e.path}" is over ${MAX_FILE_BYTES} bytes`);
    parts.push(header(e, data.length, uid, mtime), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // the end-of-archive marker: two zero blocks
  return Buffer.concat(parts);
}

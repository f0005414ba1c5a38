// Memory for the search's typed arrays, kept between searches. V8 allocates a typed array of more than 64
// bytes outside its heap, and that costs about as much as a whole small search (2 µs and GC work per array,
// measured on this machine; a search over 80 operations, which Porcupine's etcd logs are, needs about fifteen).
// So buffers are taken from per-size free lists and given back when a search is over: checking one history
// after another, as `faultline check` on a folder and the benchmark do, then allocates nothing.
//
// Sizes are powers of two from 64 bytes to 1 MiB; bigger buffers are allocated and dropped as usual (their cost
// is small next to the search that needs them). What the lists keep is bounded (KEEP_BYTES). The taker fills
// what it reads before writing: a buffer comes back with its last user's contents. A buffer must be given back
// at most once, by its only owner, after its last use (the owners guard this with a released flag).

const MIN_SHIFT = 6;
const MAX_SHIFT = 20;
/** At most this many bytes wait in the free lists. */
const KEEP_BYTES = 8 << 20;
/** And at most this many buffers per size: more than the searches of one check hold at once, most of the time. */
const KEEP_PER_SIZE = 32;

const free: ArrayBuffer[][] = Array.from({ length: MAX_SHIFT + 1 }, () => []);
let kept = 0;

function shiftFor(bytes: number): number {
  let s = MIN_SHIFT;
  while (1 << s < bytes) s++;
  return s;
}

/** A buffer of at least `bytes` bytes, with unspecified contents. */
export function takeBuffer(bytes: number): ArrayBuffer {
  if (bytes > 1 << MAX_SHIFT) return new ArrayBuffer(bytes);
  const s = shiftFor(bytes);
  const b = free[s].pop();
  if (b === undefined) return new ArrayBuffer(1 << s);
  kept -= b.byteLength;
  return b;
}

/** Gives a buffer from takeBuffer back for reuse (others, and empty ones, are ignored). */
export function giveBuffer(b: ArrayBuffer): void {
  const len = b.byteLength;
  if (len < 1 << MIN_SHIFT || len > 1 << MAX_SHIFT || (len & (len - 1)) !== 0) return;
  const list = free[shiftFor(len)];
  if (list.includes(b)) throw new Error('search buffer given back twice'); // two owners: results would be wrong
  if (list.length >= KEEP_PER_SIZE || kept + len > KEEP_BYTES) return;
  list.push(b);
  kept += len;
}

/** Bytes waiting in the free lists (for tests). */
export function keptBytes(): number {
  return kept;
}

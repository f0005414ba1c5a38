// The (linearized set, state) cache of Lowe's algorithm: a configuration seen before cannot lead anywhere new.
// The set is a bitset hashed incrementally with Zobrist hashing (one pseudo-random word per operation, XORed in
// and out), so a lookup costs no pass over the set. The cache itself is an open-addressing table over typed
// arrays: stored sets live in one word pool, so storing a configuration allocates nothing but, now and then, a
// bigger pool (from the buffer pool, buffers.ts, as are the first arrays). This is most of the checker's speed:
// the search spends its time here.
//
// Memory is bounded: every cache of one check draws on a shared CacheBudget. A cache that would grow past it is
// emptied and starts again (dropping configurations only costs time: the search revisits them), so a huge
// history slows down instead of failing to allocate. A history of n operations costs n/8 bytes per entry; the
// budget is exceeded only when four entries do not fit in it.

import { giveBuffer, takeBuffer } from './buffers.js';

/** The default budget of all the search caches of one check: 512 MiB. */
export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

export class CacheBudget {
  used = 0;
  /** Times a cache was emptied because the budget was reached. */
  evictions = 0;
  constructor(readonly limit: number = DEFAULT_CACHE_BYTES) {}
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

export class LinearizedSet {
  readonly bits: Uint32Array;
  /**
   * Two independent 32-bit Zobrist hashes: together they make collisions between distinct sets very rare. An
   * op's words are computed when it is toggled rather than kept in tables: no set-up per search, and for a big
   * history no table that misses the processor's cache.
   */
  h1 = 0;
  h2 = 0;

  /** `bits`, when given, must be zero and hold n bits (the search carves it out of its own buffer). */
  constructor(n: number, bits?: Uint32Array) {
    this.bits = bits ?? new Uint32Array(Math.max(1, (n + 31) >>> 5));
  }

  /** Adds or removes op i (XOR is its own inverse). */
  toggle(i: number): void {
    this.bits[i >>> 5] ^= 1 << (i & 31);
    this.h1 = (this.h1 ^ mix32(i * 2 + 0x12345)) >>> 0;
    this.h2 = (this.h2 ^ mix32(i * 2 + 0x6789b)) >>> 0;
  }

  has(i: number): boolean {
    return (this.bits[i >>> 5] & (1 << (i & 31))) !== 0;
  }
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_U32 = new Uint32Array(0);

/** Typed arrays from the buffer pool (buffers.ts): exactly `length` long, whatever the buffer's size. */
const i32 = (length: number): Int32Array => new Int32Array(takeBuffer(length * 4), 0, length);
const u32 = (length: number): Uint32Array => new Uint32Array(takeBuffer(length * 4), 0, length);

export class ConfigCache<S> {
  /** Entry index + 1 per slot; 0 = empty. */
  private table: Int32Array = EMPTY_I32;
  private hashA: Uint32Array = EMPTY_U32;
  private hashB: Uint32Array = EMPTY_U32;
  private pool: Uint32Array = EMPTY_U32;
  private states: S[] = [];
  private bytes = 0;
  private readonly initialEntries: number;
  size = 0;

  constructor(
    private readonly words: number,
    /** Called as methods of the model (no bound functions: they cost a call each in the hot path). */
    private readonly model: { equal?(a: S, b: S): boolean; hash?(s: S): number },
    private readonly budget: CacheBudget = new CacheBudget(),
  ) {
    // Start small (64 entries, fewer for huge sets): most partitions are small, and the table is zero-filled.
    let e = 4;
    while (e < 64 && e * 2 * words * 4 <= 1 << 18) e *= 2;
    this.initialEntries = e;
    this.reset();
  }

  private static cost(entries: number, slots: number, words: number): number {
    return entries * (words * 4 + 8 + 8) + slots * 4;
  }

  private reset(): void {
    this.giveBack();
    // Within what the budget has left (but at least 4 entries: a cache must hold something).
    let e = this.initialEntries;
    while (e > 4 && this.budget.used + ConfigCache.cost(e, e * 4, this.words) > this.budget.limit) e >>= 1;
    this.table = i32(e * 4).fill(0);
    this.hashA = u32(e);
    this.hashB = u32(e);
    this.pool = u32(e * this.words);
    this.states = [];
    this.size = 0;
    this.bytes = ConfigCache.cost(e, e * 4, this.words);
    this.budget.used += this.bytes;
  }

  /** Returns the arrays to the buffer pool and their bytes to the budget; the cache is empty afterwards. */
  private giveBack(): void {
    this.budget.used -= this.bytes;
    this.bytes = 0;
    for (const a of [this.table, this.hashA, this.hashB, this.pool]) giveBuffer(a.buffer as ArrayBuffer);
    this.table = EMPTY_I32;
    this.hashA = this.hashB = this.pool = EMPTY_U32;
  }

  /** Gives the memory back (the search is over). */
  release(): void {
    this.giveBack();
    this.states = [];
    this.size = 0;
  }

  /** Adds (set, state) unless present; returns true when it was new. */
  addIfAbsent(set: LinearizedSet, state: S): boolean {
    const model = this.model;
    const sh = model.hash !== undefined ? model.hash(state) : 0;
    const a = (set.h1 ^ Math.imul(sh, 0x9e3779b1)) >>> 0;
    const b = set.h2;
    const table = this.table;
    const mask = table.length - 1;
    const W = this.words;
    const bits = set.bits;
    const hashA = this.hashA,
      hashB = this.hashB,
      pool = this.pool;
    let slot = a & mask;
    for (let e = table[slot]; e !== 0; slot = (slot + 1) & mask, e = table[slot]) {
      const i = e - 1;
      if (hashA[i] !== a || hashB[i] !== b) continue;
      const base = i * W;
      let same = true;
      for (let w = 0; w < W; w++)
        if (pool[base + w] !== bits[w]) {
          same = false;
          break;
        }
      if (!same) continue;
      const st = this.states[i];
      if (st === state || model.equal?.(st, state)) return false;
    }
    if (this.size >= hashA.length) {
      if (!this.growEntries()) return this.restart(set, state);
    }
    const i = this.size++;
    this.hashA[i] = a;
    this.hashB[i] = b;
    const dst = this.pool;
    for (let w = 0, base = i * W; w < W; w++) dst[base + w] = bits[w]; // faster than set() for a few words
    this.states.push(state);
    this.table[slot] = i + 1;
    if (this.size * 2 > this.table.length && !this.growTable()) {
      this.restart(set, state);
    }
    return true;
  }

  /** Out of budget: forget everything and keep only the configuration at hand. */
  private restart(set: LinearizedSet, state: S): boolean {
    this.budget.evictions++;
    this.reset();
    return this.addIfAbsent(set, state);
  }

  private charge(delta: number): boolean {
    if (this.budget.used + delta > this.budget.limit) return false;
    this.budget.used += delta;
    this.bytes += delta;
    return true;
  }

  private growEntries(): boolean {
    const n = this.hashA.length * 2;
    if (!this.charge((n - this.hashA.length) * (this.words * 4 + 16))) return false;
    const ha = u32(n);
    ha.set(this.hashA);
    const hb = u32(n);
    hb.set(this.hashB);
    const p = u32(n * this.words);
    p.set(this.pool);
    for (const a of [this.hashA, this.hashB, this.pool]) giveBuffer(a.buffer as ArrayBuffer);
    this.hashA = ha;
    this.hashB = hb;
    this.pool = p;
    return true;
  }

  private growTable(): boolean {
    if (!this.charge(this.table.length * 4)) return false;
    const table = i32(this.table.length * 2).fill(0);
    const mask = table.length - 1;
    for (let i = 0; i < this.size; i++) {
      let slot = this.hashA[i] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    giveBuffer(this.table.buffer as ArrayBuffer);
    this.table = table;
    return true;
  }
}

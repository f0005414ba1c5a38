// The (linearized set, state) cache of Lowe's algorithm: a configuration seen before cannot lead anywhere new.
// The set is a bitset hashed incrementally with Zobrist hashing (one random word per operation, XORed in and
// out), so a lookup costs no pass over the set. The cache itself is an open-addressing table over typed arrays:
// stored sets live in one word pool, so storing a configuration allocates nothing but, now and then, a bigger
// pool. This is most of the checker's speed: the search spends its time here.

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

export class LinearizedSet {
  readonly bits: Uint32Array;
  /** Two independent 32-bit Zobrist hashes: together they make collisions between distinct sets very rare. */
  h1 = 0;
  h2 = 0;
  private readonly z1: Uint32Array;
  private readonly z2: Uint32Array;

  constructor(n: number) {
    this.bits = new Uint32Array(Math.max(1, (n + 31) >>> 5));
    this.z1 = new Uint32Array(n);
    this.z2 = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      this.z1[i] = mix32(i * 2 + 0x12345);
      this.z2[i] = mix32(i * 2 + 0x6789b);
    }
  }

  /** Adds or removes op i (XOR is its own inverse). */
  toggle(i: number): void {
    this.bits[i >>> 5] ^= 1 << (i & 31);
    this.h1 = (this.h1 ^ this.z1[i]) >>> 0;
    this.h2 = (this.h2 ^ this.z2[i]) >>> 0;
  }

  has(i: number): boolean {
    return (this.bits[i >>> 5] & (1 << (i & 31))) !== 0;
  }
}

export class ConfigCache<S> {
  /** Entry index + 1 per slot; 0 = empty. */
  private table = new Int32Array(1 << 12);
  private hashA = new Uint32Array(1 << 10);
  private hashB = new Uint32Array(1 << 10);
  private pool: Uint32Array;
  private states: S[] = [];
  size = 0;

  constructor(
    private readonly words: number,
    private readonly equal: ((a: S, b: S) => boolean) | undefined,
    private readonly hash: ((s: S) => number) | undefined,
  ) {
    this.pool = new Uint32Array(this.hashA.length * words);
  }

  /** Adds (set, state) unless present; returns true when it was new. */
  addIfAbsent(set: LinearizedSet, state: S): boolean {
    const sh = this.hash ? this.hash(state) : 0;
    const a = (set.h1 ^ Math.imul(sh, 0x9e3779b1)) >>> 0;
    const b = set.h2;
    const table = this.table;
    const mask = table.length - 1;
    const W = this.words;
    const bits = set.bits;
    let slot = a & mask;
    for (let e = table[slot]; e !== 0; slot = (slot + 1) & mask, e = table[slot]) {
      const i = e - 1;
      if (this.hashA[i] !== a || this.hashB[i] !== b) continue;
      const base = i * W;
      let same = true;
      for (let w = 0; w < W; w++) if (this.pool[base + w] !== bits[w]) { same = false; break; }
      if (!same) continue;
      const st = this.states[i];
      if (this.equal ? this.equal(st, state) : st === state) return false;
    }
    const i = this.size++;
    if (i >= this.hashA.length) this.growEntries();
    this.hashA[i] = a;
    this.hashB[i] = b;
    this.pool.set(bits, i * W);
    this.states.push(state);
    table[slot] = i + 1;
    if (this.size * 2 > table.length) this.growTable();
    return true;
  }

  private growEntries(): void {
    const n = this.hashA.length * 2;
    const ha = new Uint32Array(n); ha.set(this.hashA); this.hashA = ha;
    const hb = new Uint32Array(n); hb.set(this.hashB); this.hashB = hb;
    const p = new Uint32Array(n * this.words); p.set(this.pool); this.pool = p;
  }

  private growTable(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let i = 0; i < this.size; i++) {
      let slot = this.hashA[i] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.table = table;
  }
}

// A hash map from (key id, value id) pairs to an integer, in typed arrays with open addressing: the per-key indexes
// of list-append and rw-register hold one entry per append or read, millions in a large history, and a JS Map of
// composite keys costs several times the memory and time.

const EMPTY = -2147483648;

export class PairMap {
  private ka: Int32Array;
  private va: Int32Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.ka = new Int32Array(cap).fill(EMPTY);
    this.va = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(k: number, v: number): number {
    // Multiplicative hashing of both halves; the table is a power of two.
    let h = Math.imul(k, 0x9e3779b1) ^ Math.imul(v + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    let i = h & this.mask;
    while (this.ka[i] !== EMPTY && (this.ka[i] !== k || this.va[i] !== v)) i = (i + 1) & this.mask;
    return i;
  }

  /** The value stored for (k, v), or `missing`. */
  get(k: number, v: number, missing = -1): number {
    const i = this.slot(k, v);
    return this.ka[i] === EMPTY ? missing : this.vals[i];
  }

  has(k: number, v: number): boolean {
    return this.ka[this.slot(k, v)] !== EMPTY;
  }

  set(k: number, v: number, x: number): void {
    if (k === EMPTY) throw new Error('PairMap: key id out of range');
    let i = this.slot(k, v);
    if (this.ka[i] === EMPTY) {
      if ((this.size + 1) * 2 > this.ka.length) {
        this.grow();
        i = this.slot(k, v);
      }
      this.ka[i] = k;
      this.va[i] = v;
      this.size++;
    }
    this.vals[i] = x;
  }

  private grow(): void {
    const { ka, va, vals } = this;
    const cap = ka.length * 2;
    this.ka = new Int32Array(cap).fill(EMPTY);
    this.va = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] === EMPTY) continue;
      const j = this.slot(ka[i], va[i]);
      this.ka[j] = ka[i];
      this.va[j] = va[i];
      this.vals[j] = vals[i];
    }
  }
}

/** Lists of integers per (key, value) pair: PairMap to a head, then a shared next-pointer chain. */
export class PairLists {
  private readonly heads = new PairMap();
  private item = new Int32Array(64);
  private next = new Int32Array(64);
  private len = 0;

  add(k: number, v: number, x: number): void {
    if (this.len === this.item.length) {
      const i = new Int32Array(this.len * 2);
      const n = new Int32Array(this.len * 2);
      i.set(this.item);
      n.set(this.next);
      this.item = i;
      this.next = n;
    }
    this.item[this.len] = x;
    this.next[this.len] = this.heads.get(k, v);
    this.heads.set(k, v, this.len++);
  }

  /** Calls fn for each integer added under (k, v), most recent first. */
  forEach(k: number, v: number, fn: (x: number) => void): void {
    for (let at = this.heads.get(k, v); at >= 0; at = this.next[at]) fn(this.item[at]);
  }

  /** The integers added under (k, v), in the order they were added. */
  list(k: number, v: number): number[] {
    const out: number[] = [];
    this.forEach(k, v, (x) => out.push(x));
    return out.reverse();
  }
}

/**
 * The same map laid out key by key: each key's entries sit in one small open-addressed region, sized from how many
 * entries the key will get (counted beforehand), so a pass that moves through keys in history order (Jepsen's
 * generators keep ~100 keys active at a time) finds each key's entries in a few cache lines; one hash over all
 * pairs sent every lookup of a million-transaction history to a different line of a table of tens of MB.
 */
export class KeyedMap {
  private readonly start: Int32Array;
  /** 32 - log2 of each region's size (a power of two, at least 2). */
  private readonly shift: Uint8Array;
  private readonly used: Int32Array;
  private readonly cap: Int32Array;
  /** [value id + 2, stored] per slot; 0 (what a new typed array holds) marks a free slot, so none is filled. */
  private readonly slots: Int32Array;

  /** `capacity[k]`: the most entries key k will hold. Value ids are -1 or more. */
  constructor(capacity: ArrayLike<number>) {
    const n = capacity.length;
    this.start = new Int32Array(n + 1);
    this.shift = new Uint8Array(n);
    this.used = new Int32Array(n);
    this.cap = Int32Array.from(capacity);
    let total = 0;
    for (let k = 0; k < n; k++) {
      // At most two thirds full, so probes stay short.
      let bits = 1;
      while (1 << bits < capacity[k] + (capacity[k] >> 1) + 1) bits++;
      this.shift[k] = 32 - bits;
      this.start[k] = total;
      total += 1 << bits;
    }
    this.start[n] = total;
    this.slots = new Int32Array(2 * total);
  }

  private slot(k: number, v: number): number {
    const sh = this.shift[k];
    const mask = (1 << (32 - sh)) - 1;
    const base = this.start[k];
    const tag = v + 2;
    let i = Math.imul(v, 0x9e3779b1) >>> sh;
    for (;;) {
      const s = (base + i) << 1;
      const at = this.slots[s];
      if (at === 0 || at === tag) return s;
      i = (i + 1) & mask;
    }
  }

  /** The value stored for (k, v), or `missing`. */
  get(k: number, v: number, missing = -1): number {
    const s = this.slot(k, v);
    return this.slots[s] === 0 ? missing : this.slots[s + 1];
  }

  has(k: number, v: number): boolean {
    return this.slots[this.slot(k, v)] !== 0;
  }

  set(k: number, v: number, x: number): void {
    if (v < -1) throw new Error('KeyedMap: value id out of range');
    const s = this.slot(k, v);
    if (this.slots[s] === 0) {
      // Past its capacity a region could fill up, and the probe above would find no free slot.
      if (++this.used[k] > this.cap[k]) throw new Error(`KeyedMap: key ${k} holds more than ${this.cap[k]} entries`);
      this.slots[s] = v + 2;
    }
    this.slots[s + 1] = x;
  }
}

/** Lists of integers per (key, value) pair, laid out key by key (KeyedMap heads, a shared next-pointer chain). */
export class KeyedLists {
  private readonly heads: KeyedMap;
  private readonly item: Int32Array;
  private readonly next: Int32Array;
  private len = 0;

  /** `capacity[k]`: the most integers added under key k (over all its values). */
  constructor(capacity: ArrayLike<number>) {
    this.heads = new KeyedMap(capacity);
    let total = 0;
    for (let k = 0; k < capacity.length; k++) total += capacity[k];
    this.item = new Int32Array(total);
    this.next = new Int32Array(total);
  }

  add(k: number, v: number, x: number): void {
    this.item[this.len] = x;
    this.next[this.len] = this.heads.get(k, v);
    this.heads.set(k, v, this.len++);
  }

  /** Calls fn for each integer added under (k, v), most recent first. */
  forEach(k: number, v: number, fn: (x: number) => void): void {
    for (let at = this.heads.get(k, v); at >= 0; at = this.next[at]) fn(this.item[at]);
  }

  /** Where the chain of (k, v) starts (the most recent integer added), or -1; walk it with itemAt and nextAt. */
  head(k: number, v: number): number {
    return this.heads.get(k, v);
  }
  itemAt(at: number): number {
    return this.item[at];
  }
  nextAt(at: number): number {
    return this.next[at];
  }
}

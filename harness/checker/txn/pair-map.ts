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

// A seeded generator of large transactional histories, for bench:txn and the checker's tests. Clients run
// concurrently; each transaction takes effect atomically at one instant between its invoke and its completion, so
// the history is strict serializable by construction. Keys rotate as Jepsen's generator does (elle.txn wr-txns):
// a pool of active keys, each retired for a fresh one after its share of writes. Planted anomalies are small
// patterns on fresh keys, run by a fresh process in the middle of the history, one per anomaly type.
import type { HistoryEvent } from '../harness/history/op.js';

export interface GenOptions {
  txns: number;
  clients?: number;
  /** Active keys at any time. */
  keys?: number;
  /** Writes per key before it is retired. */
  writesPerKey?: number;
  minOps?: number;
  maxOps?: number;
  model?: 'list-append' | 'rw-register';
  seed?: number;
}

/** mulberry32: a small seeded PRNG, enough for reproducible histories. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mop = [string, unknown, unknown];

/** A strict serializable history of `txns` transactions. */
export function serializableHistory(o: GenOptions): HistoryEvent[] {
  const clients = o.clients ?? 50;
  const nKeys = o.keys ?? 100;
  const perKey = o.writesPerKey ?? 100;
  const minOps = o.minOps ?? 1;
  const maxOps = o.maxOps ?? 5;
  const append = (o.model ?? 'list-append') === 'list-append';
  const rand = rng(o.seed ?? 1);
  const active: number[] = Array.from({ length: nKeys }, (_, i) => i);
  let nextKey = nKeys;
  const writes = new Map<number, number>();
  const state = new Map<number, number[] | number>();
  const events: HistoryEvent[] = [];
  const busy: (Mop[] | undefined)[] = new Array(clients).fill(undefined);
  let started = 0;
  let done = 0;
  while (done < o.txns) {
    const c = Math.floor(rand() * clients);
    const txn = busy[c];
    if (!txn) {
      if (started >= o.txns) continue;
      started++;
      const len = minOps + Math.floor(rand() * (maxOps - minOps + 1));
      const mops: Mop[] = [];
      for (let i = 0; i < len; i++) {
        const slot = Math.floor(rand() * nKeys);
        const k = active[slot];
        if (rand() < 0.5) mops.push(['r', k, null]);
        else {
          const w = (writes.get(k) ?? 0) + 1;
          writes.set(k, w);
          mops.push([append ? 'append' : 'w', k, w]);
          if (w >= perKey) active[slot] = nextKey++; // retire the key, as Jepsen's generator does
        }
      }
      busy[c] = mops;
      events.push({ index: events.length, type: 'invoke', process: c, f: 'txn', value: mops });
      continue;
    }
    // Commit now: apply atomically and fill in the reads.
    const out: Mop[] = txn.map(([f, k, v]) => {
      const key = k as number;
      if (f === 'r') {
        const s = state.get(key);
        return ['r', k, append ? [...((s as number[] | undefined) ?? [])] : (s ?? null)];
      }
      if (append) {
        const l = (state.get(key) as number[] | undefined) ?? [];
        l.push(v as number);
        state.set(key, l);
      } else state.set(key, v as number);
      return [f, k, v];
    });
    busy[c] = undefined;
    done++;
    events.push({ index: events.length, type: 'ok', process: c, f: 'txn', value: out });
  }
  return events;
}

/** One planted anomaly: transactions (type and micro-ops) run one after another by a fresh process. */
interface Plant {
  expect: string;
  txns: ['ok' | 'fail', Mop[]][];
}

/** list-append patterns on keys x and y (replaced by fresh keys when planted). */
export const PLANTS: readonly Plant[] = [
  {
    expect: 'G0',
    txns: [
      [
        'ok',
        [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
      ],
      [
        'ok',
        [
          ['append', 'x', 2],
          ['append', 'y', 2],
        ],
      ],
      [
        'ok',
        [
          ['r', 'x', [1, 2]],
          ['r', 'y', [2, 1]],
        ],
      ],
    ],
  },
  {
    expect: 'G1c',
    txns: [
      [
        'ok',
        [
          ['append', 'x', 1],
          ['r', 'y', [1]],
        ],
      ],
      [
        'ok',
        [
          ['append', 'y', 1],
          ['r', 'x', [1]],
        ],
      ],
    ],
  },
  {
    expect: 'G-single-item',
    txns: [
      [
        'ok',
        [
          ['r', 'x', [1]],
          ['r', 'y', []],
        ],
      ],
      [
        'ok',
        [
          ['append', 'x', 1],
          ['append', 'y', 1],
        ],
      ],
    ],
  },
  {
    expect: 'G2-item',
    txns: [
      [
        'ok',
        [
          ['r', 'x', []],
          ['append', 'y', 1],
        ],
      ],
      [
        'ok',
        [
          ['r', 'y', []],
          ['append', 'x', 1],
        ],
      ],
      [
        'ok',
        [
          ['r', 'x', [1]],
          ['r', 'y', [1]],
        ],
      ],
    ],
  },
  {
    expect: 'G1a',
    txns: [
      ['fail', [['append', 'x', 1]]],
      ['ok', [['r', 'x', [1]]]],
    ],
  },
  {
    expect: 'G1b',
    txns: [
      [
        'ok',
        [
          ['append', 'x', 1],
          ['append', 'x', 2],
        ],
      ],
      ['ok', [['r', 'x', [1]]]],
    ],
  },
  {
    expect: 'internal',
    txns: [
      [
        'ok',
        [
          ['append', 'x', 1],
          ['r', 'x', []],
        ],
      ],
    ],
  },
  {
    expect: 'duplicate-elements',
    txns: [
      ['ok', [['append', 'x', 1]]],
      ['ok', [['r', 'x', [1, 1]]]],
    ],
  },
  {
    expect: 'incompatible-order',
    txns: [
      ['ok', [['append', 'x', 1]]],
      ['ok', [['append', 'x', 2]]],
      ['ok', [['r', 'x', [1, 2]]]],
      ['ok', [['r', 'x', [2, 1]]]],
    ],
  },
  {
    expect: 'future-read',
    txns: [
      [
        'ok',
        [
          ['r', 'x', [1]],
          ['append', 'x', 1],
        ],
      ],
    ],
  },
  {
    expect: 'lost-update',
    txns: [
      ['ok', [['append', 'x', 1]]],
      [
        'ok',
        [
          ['r', 'x', [1]],
          ['append', 'x', 2],
        ],
      ],
      [
        'ok',
        [
          ['r', 'x', [1]],
          ['append', 'x', 3],
        ],
      ],
    ],
  },
  {
    expect: 'dirty-update',
    txns: [
      ['fail', [['append', 'x', 1]]],
      ['ok', [['append', 'x', 2]]],
      ['ok', [['r', 'x', [1, 2]]]],
    ],
  },
];

/** The history with `plant` spliced into its middle, on keys and a process nobody else uses. */
export function withPlant(events: readonly HistoryEvent[], plant: Plant, tag: number): HistoryEvent[] {
  const keyOf = (k: unknown): string => `planted-${tag}-${String(k)}`;
  const proc = 1_000_000 + tag;
  const inserted: HistoryEvent[] = [];
  for (const [type, mops] of plant.txns) {
    const invoke = mops.map(([f, k, v]) => [f, keyOf(k), f === 'r' ? null : v]);
    const done = mops.map(([f, k, v]) => [f, keyOf(k), v]);
    inserted.push({ index: 0, type: 'invoke', process: proc, f: 'txn', value: invoke });
    inserted.push({ index: 0, type, process: proc, f: 'txn', value: done });
  }
  const mid = Math.floor(events.length / 2);
  return [...events.slice(0, mid), ...inserted, ...events.slice(mid)].map((e, i) => ({ ...e, index: i }));
}

/**
 * Every plant in one history, spread evenly through it (tag i keeps plant i's keys and process apart). The events
 * given are renumbered in place rather than copied: a million-transaction history is two million of them.
 */
export function withPlants(events: HistoryEvent[], plants: readonly Plant[]): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  const step = Math.floor(events.length / (plants.length + 1));
  let next = 0;
  for (let i = 0; i < events.length; i++) {
    if (next < plants.length && i === step * (next + 1)) {
      const one = withPlant([], plants[next], next);
      for (const e of one) out.push(e);
      next++;
    }
    out.push(events[i]);
  }
  for (let i = 0; i < out.length; i++) out[i].index = i;
  return out;
}

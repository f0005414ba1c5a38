// Which anomalies rule out which consistency models, as Elle maps them (jepsen-io/elle,
// src/elle/consistency_model.clj, from Adya's thesis, Adya/Liskov/O'Neil, Bailis et al.'s HATs, Cerone et al.,
// Daudjee & Salem): three small DAGs transcribed as data, and the walks over them Elle does.
//   - IMPLIED: anomaly a -> b when every history with a also has b (G0 -> G1c: Adya §4.2; G1a/b/c -> G1).
//   - MODELS: model a -> b when a history satisfying a also satisfies b (strict-serializable -> serializable).
//   - PROSCRIBED: model -> the anomalies it directly forbids (serializable: G1, G2; Adya's PL-3).
// Names are Elle's, canonicalised as Elle does (serializable is PL-3, read-committed PL-2, ...), so a user may
// name a model either way, and results use Elle's friendly names (its :not and :also-not).

type Dag = ReadonlyMap<string, readonly string[]>;

function dag(edges: Record<string, string[]>, canon: (s: string) => string = (s) => s): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [a, bs] of Object.entries(edges)) {
    const from = canon(a);
    const list = out.get(from) ?? [];
    for (const b of bs) if (!list.includes(canon(b))) list.push(canon(b));
    out.set(from, list);
    for (const b of bs) if (!out.has(canon(b))) out.set(canon(b), []);
  }
  return out;
}

function reverse(g: Dag): Map<string, string[]> {
  const r = new Map<string, string[]>();
  for (const v of g.keys()) r.set(v, []);
  for (const [a, bs] of g) for (const b of bs) r.get(b)!.push(a);
  return r;
}

/** Every vertex reachable from `start` (included), following `next`. */
function reach(next: Dag, start: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    for (const w of next.get(v) ?? []) stack.push(w);
  }
  return seen;
}

export const IMPLIED: Dag = dag({
  G0: ['G1c', 'G0-process'],
  'G0-process': ['G1c-process', 'G0-realtime'],
  'G0-realtime': ['G1c-realtime'],
  G1a: ['G1'],
  G1b: ['G1'],
  G1c: ['G1', 'G1c-process'],
  'G1c-process': ['G1c-realtime', 'G1-process'],
  'G1c-realtime': ['G1-realtime'],
  G1: ['G1-process'],
  'G1-process': ['G1-realtime'],
  'G-single-item': ['G-single', 'G-single-item-process', 'G-nonadjacent-item'],
  'G-single-item-process': ['G-single-process', 'G-single-item-realtime', 'G-nonadjacent-item-process'],
  'G-single-item-realtime': ['G-single-realtime', 'G-nonadjacent-item-realtime'],
  'G-single': ['G-nonadjacent', 'GSIb', 'G-single-process'],
  'G-single-process': ['G-nonadjacent-process', 'G-single-realtime'],
  'G-single-realtime': ['G-nonadjacent-realtime'],
  'G-nonadjacent-item': ['G-nonadjacent', 'G2-item', 'G-nonadjacent-item-process'],
  'G-nonadjacent-item-process': ['G-nonadjacent-process', 'G2-item-process', 'G-nonadjacent-item-realtime'],
  'G-nonadjacent-item-realtime': ['G2-item-realtime', 'G-nonadjacent-realtime'],
  'G-nonadjacent': ['G2', 'G-nonadjacent-process'],
  'G-nonadjacent-process': ['G2-process', 'G-nonadjacent-realtime'],
  'G-nonadjacent-realtime': ['G2-realtime'],
  G2: ['G2-process'],
  'G2-item': ['G2', 'G2-item-process'],
  'G2-item-process': ['G2-process', 'G2-item-realtime'],
  'G2-item-realtime': ['G2-realtime'],
  'G2-process': ['G2-realtime'],
  GSIa: ['GSI'],
  GSIb: ['GSI'],
  // Two committed reads that cannot come from one order of appends: one of them saw aborted state.
  'incompatible-order': ['G1a'],
  // A transaction that reads its own later write is a one-transaction G1c (T -wr-> T).
  'future-read': ['G1c'],
  'dirty-update': ['G1a'],
  // Lost update (Adya's H_lu) is write skew on one key, so also G2-item (Bailis et al.).
  'lost-update': ['write-skew', 'G2-item'],
  'write-skew': ['G2'],
  // An acknowledged append that a read begun later does not show (lost-append.ts argues it): the reader
  // anti-depends on the append's version and follows its writer in real time, one rw edge in a cycle.
  'lost-append': ['G-single-item-realtime'],
});

/** Not implication but severity: Elle searches the worse cycle first (G0 before G1c before G-single). */
const SEVERITY: Dag = dag({
  G0: ['G1c'],
  'G0-process': ['G1c-process'],
  'G0-realtime': ['G1c-realtime'],
  G1c: ['G-single', 'G2-item'],
  'G1c-process': ['G-single-process', 'G2-item-process'],
  'G1c-realtime': ['G-single-realtime', 'G2-item-realtime'],
  G2: ['G0-process'],
  'G2-process': ['G0-realtime'],
});

const CANONICAL: Record<string, string> = {
  'consistent-view': 'PL-2+',
  'conflict-serializable': 'PL-3',
  'cursor-stability': 'PL-CS',
  'forward-consistent-view': 'PL-FCV',
  'monotonic-snapshot-read': 'PL-MSR',
  'monotonic-view': 'PL-2L',
  'read-committed': 'PL-2',
  'read-uncommitted': 'PL-1',
  'repeatable-read': 'PL-2.99',
  serializable: 'PL-3',
  'snapshot-isolation': 'PL-SI',
  'strict-serializable': 'PL-SS',
  'strong-serializable': 'PL-SS',
  'update-serializable': 'PL-3U',
  'strong-session-read-uncommitted': 'strong-session-PL-1',
  'strong-session-read-committed': 'strong-session-PL-2',
  'strong-read-uncommitted': 'strong-PL-1',
  'strong-read-committed': 'strong-PL-2',
};

// Elle inverts CANONICAL through a hash map, so where two names share a canonical one the survivor is an accident
// of hashing; we pin the names Elle's own tests show (consistency_model_test.clj: PL-3 serializable, PL-SS
// strong-serializable).
const FRIENDLY: Record<string, string> = Object.fromEntries(
  Object.entries(CANONICAL)
    .filter(([f]) => f !== 'conflict-serializable' && f !== 'strict-serializable')
    .map(([f, c]) => [c, f]),
);

export const canonicalModel = (m: string): string => CANONICAL[m] ?? m;
export const friendlyModel = (m: string): string => FRIENDLY[m] ?? m;

export const MODELS: Dag = dag(
  {
    'causal-cerone': ['read-atomic'],
    'consistent-view': ['cursor-stability', 'monotonic-view'],
    'conflict-serializable': ['view-serializable'],
    'cursor-stability': ['read-committed', 'PL-2'],
    'forward-consistent-view': ['consistent-view'],
    'PL-2': ['PL-1'],
    'PL-3': ['repeatable-read', 'update-serializable'],
    'update-serializable': ['forward-consistent-view'],
    'monotonic-atomic-view': ['read-committed'],
    'monotonic-view': ['PL-2'],
    'monotonic-snapshot-read': ['PL-2'],
    'parallel-snapshot-isolation': ['causal-cerone', 'update-atomic'],
    prefix: ['causal-cerone'],
    'read-atomic': ['monotonic-atomic-view'],
    'read-committed': ['read-uncommitted'],
    'repeatable-read': ['cursor-stability', 'monotonic-atomic-view'],
    'update-atomic': ['read-atomic'],
    serializable: ['repeatable-read', 'snapshot-isolation', 'view-serializable'],
    'session-serializable': ['1SR'],
    'snapshot-isolation': [
      'forward-consistent-view',
      'monotonic-atomic-view',
      'monotonic-snapshot-read',
      'parallel-snapshot-isolation',
      'prefix',
    ],
    'strict-serializable': [
      'PL-3',
      'serializable',
      'linearizable',
      'snapshot-isolation',
      'strong-snapshot-isolation',
      'strong-session-serializable',
    ],
    'strong-session-PL-1': ['PL-1'],
    'strong-session-PL-2': ['PL-2', 'strong-session-PL-1'],
    'strong-PL-1': ['strong-session-PL-1'],
    'strong-PL-2': ['strong-session-PL-2', 'strong-PL-1'],
    'strong-session-serializable': ['serializable', 'strong-session-snapshot-isolation'],
    'strong-session-snapshot-isolation': ['snapshot-isolation', 'strong-session-PL-2'],
    'strong-serializable': ['session-serializable'],
    'strong-snapshot-isolation': ['strong-session-snapshot-isolation', 'strong-PL-2'],
    linearizable: ['sequential'],
    sequential: ['causal'],
    causal: ['writes-follow-reads', 'PRAM'],
    PRAM: ['monotonic-reads', 'monotonic-writes', 'read-your-writes'],
  },
  canonicalModel,
);

const PROSCRIBED: Dag = dag(
  {
    'causal-cerone': ['internal', 'G1a'],
    'cursor-stability': ['G1', 'G-cursor', 'lost-update'],
    'monotonic-view': ['G1', 'G-monotonic'],
    'monotonic-snapshot-read': ['G1', 'G-MSR'],
    'consistent-view': ['G1', 'G-single'],
    'forward-consistent-view': ['G1', 'G-SIb'],
    'parallel-snapshot-isolation': ['internal', 'G1a'],
    'PL-3': ['G1', 'G2', 'predicate-read-miss', 'PL-3-cycle-exists'],
    'PL-2': ['G1', 'PL-2-cycle-exists'],
    'PL-1': ['G0', 'duplicate-elements', 'cyclic-versions', 'PL-1-cycle-exists'],
    prefix: ['internal', 'G1a'],
    serializable: ['internal'],
    // Generalized SI forbids any cycle whose rw edges are all nonadjacent, not only G-single (Cerone & Gotsman).
    'snapshot-isolation': ['internal', 'G1', 'G-SI', 'G-nonadjacent', 'PL-SI-cycle-exists'],
    'read-atomic': ['internal', 'G1a', 'future-read'],
    'repeatable-read': ['G1', 'G2-item', 'PL-2.99-cycle-exists', 'lost-update'],
    'update-atomic': ['lost-update'],
    'strict-serializable': ['G1', 'G1c-realtime', 'G2-realtime', 'PL-SS-cycle-exists'],
    'strong-session-PL-1': ['strong-session-PL-1-cycle-exists', 'G0-process'],
    'strong-session-PL-2': ['strong-session-PL-2-cycle-exists', 'G1c-process'],
    'strong-PL-1': ['strong-PL-1-cycle-exists', 'G0-realtime'],
    'strong-PL-2': ['strong-PL-2-cycle-exists', 'G1c-realtime'],
    'strong-session-snapshot-isolation': [
      'internal',
      'G1-process',
      'G-nonadjacent-process',
      'strong-session-snapshot-isolation-cycle-exists',
    ],
    'strong-snapshot-isolation': [
      'internal',
      'G1-realtime',
      'G-nonadjacent-realtime',
      'strong-snapshot-isolation-cycle-exists',
    ],
    'strong-session-serializable': ['G1-process', 'G2-process', 'strong-session-serializable-cycle-exists'],
    'update-serializable': ['G1', 'G-update'],
  },
  canonicalModel,
);

const IMPLIED_BY = reverse(IMPLIED);
const MODELS_BY = reverse(MODELS);
const PROSCRIBED_BY = new Map<string, string[]>();
for (const [m, as] of PROSCRIBED) for (const a of as) PROSCRIBED_BY.set(a, [...(PROSCRIBED_BY.get(a) ?? []), m]);

/** Every name a user may give for a model (friendly or canonical). */
export const ALL_MODELS: ReadonlySet<string> = new Set([
  ...MODELS.keys(),
  ...Object.keys(CANONICAL),
  ...Object.values(CANONICAL),
]);

export function unknownModels(ms: readonly string[]): string[] {
  return ms.filter((m) => !ALL_MODELS.has(m));
}

/** Anomalies that imply any of these (these included): what asking for `G1` also asks for. */
export function anomaliesImplying(as: Iterable<string>): Set<string> {
  return reach(IMPLIED_BY, as);
}

/** Anomalies these imply (these included). */
export function impliedAnomalies(as: Iterable<string>): Set<string> {
  return reach(IMPLIED, as);
}

/** Models these imply (canonical names). */
export function impliedModels(ms: Iterable<string>): Set<string> {
  return reach(MODELS, [...ms].map(canonicalModel));
}

/** Models that are impossible once these are (these and every stronger one; canonical names). */
export function impossibleModelsFrom(ms: Iterable<string>): Set<string> {
  return reach(MODELS_BY, [...ms].map(canonicalModel));
}

/** Anomalies that cannot be present if all these models hold. */
export function anomaliesProhibitedBy(ms: Iterable<string>): Set<string> {
  const direct: string[] = [];
  for (const m of impliedModels(ms)) direct.push(...(PROSCRIBED.get(m) ?? []));
  return anomaliesImplying(direct);
}

/** Models that cannot hold given these anomalies (canonical names). */
export function anomaliesToImpossibleModels(as: Iterable<string>): Set<string> {
  const direct: string[] = [];
  for (const a of impliedAnomalies(as)) direct.push(...(PROSCRIBED_BY.get(a) ?? []));
  return impossibleModelsFrom(direct);
}

/** Of a set of models, those not implied by another in the set (Elle's weakest-models). */
function weakest(ms: Set<string>): Set<string> {
  const out = new Set(ms);
  for (const m of ms) {
    const rest = new Set(out);
    rest.delete(m);
    for (const x of reach(MODELS, [m])) {
      if (rest.has(x)) {
        out.delete(m);
        break;
      }
    }
  }
  return out;
}

/** Elle's friendly-boundary: the weakest models these anomalies rule out (`not`), and the rest (`alsoNot`). */
export function boundary(anomalies: Iterable<string>): { not: string[]; alsoNot: string[] } {
  const impossible = anomaliesToImpossibleModels(anomalies);
  const not = weakest(impossible);
  const names = (s: Iterable<string>): string[] => [...new Set([...s].map(friendlyModel))].sort();
  return { not: names(not), alsoNot: names([...impossible].filter((m) => !not.has(m))) };
}

/**
 * Anomaly depths for search order: depth 0 is implied by nothing (in IMPLIED with SEVERITY), and so on down;
 * Elle searches cycle types shallowest first, then by name.
 */
function depths(): Map<string, number> {
  const g = new Map<string, Set<string>>();
  const add = (d: Dag): void => {
    for (const [a, bs] of d) {
      if (!g.has(a)) g.set(a, new Set());
      for (const b of bs) {
        g.get(a)!.add(b);
        if (!g.has(b)) g.set(b, new Set());
      }
    }
  };
  add(IMPLIED);
  add(SEVERITY);
  const indeg = new Map<string, number>();
  for (const v of g.keys()) indeg.set(v, 0);
  for (const bs of g.values()) for (const b of bs) indeg.set(b, indeg.get(b)! + 1);
  const out = new Map<string, number>();
  let layer = [...g.keys()].filter((v) => indeg.get(v) === 0);
  for (let d = 0; layer.length; d++) {
    const next: string[] = [];
    for (const v of layer) {
      out.set(v, d);
      for (const b of g.get(v)!) {
        indeg.set(b, indeg.get(b)! - 1);
        if (indeg.get(b) === 0) next.push(b);
      }
    }
    layer = next;
  }
  return out;
}

const DEPTH = depths();

/** Elle's anomaly-depth-compare: fewer implications first, then by name. */
export function compareAnomalies(a: string, b: string): number {
  const d = (DEPTH.get(a) ?? 0) - (DEPTH.get(b) ?? 0);
  return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
}

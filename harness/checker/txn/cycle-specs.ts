// The cycle anomalies, as edge patterns a search can follow, and how a found cycle is named (the Elle paper §6;
// Adya's thesis §4.2-4.3; txn.clj base-cycle-anomaly-specs and cycle-explainer):
//   G0             only ww edges (write cycle, Adya's G0);
//   G1c            ww and wr, at least one wr (circular information flow);
//   G-single-item  exactly one rw, the rest ww/wr (Adya's G-single: read skew);
//   G-nonadjacent-item  two or more rw, no two adjacent (what snapshot isolation forbids, Cerone & Gotsman);
//   G2-item        two or more rw (anti-dependency cycle: write skew);
// and each -process / -realtime variant, which may also use, and must use at least one, process or realtime edge.
// Elle's predicate forms (G-single, G-nonadjacent, G2) need predicate reads, which list-append and rw-register
// never have: a cycle here is always an -item one, so those are never searched.
import { compareAnomalies } from './consistency-model.js';
import { PROCESS, REALTIME, RW, WR, WW } from './rels.js';

/** How rw edges are taken: freely, exactly once, or never two in a row (Elle's BFSPath RWMode). */
export const NONE = 0;
export const SINGLE = 1;
export const NONADJ_FREE = 2;
export const NONADJ_TAKEN = 3;

export interface CycleSpec {
  type: string;
  /** Kinds any step may use. */
  legal: number;
  /** Kinds the cycle must use at least once each. */
  want: readonly number[];
  /** rw edges the cycle still needs: 0, 1 (exactly one) or 2 (two or more). */
  wantRW: number;
  mode: number;
  /** Every kind the search looks at. */
  mask: number;
}

const BASE: CycleSpec[] = [
  { type: 'G0', legal: WW, want: [], wantRW: 0, mode: NONE, mask: WW },
  { type: 'G1c', legal: WW | WR, want: [WR], wantRW: 0, mode: NONE, mask: WW | WR },
  { type: 'G-single-item', legal: WW | WR, want: [], wantRW: 1, mode: SINGLE, mask: WW | WR | RW },
  { type: 'G-nonadjacent-item', legal: WW | WR, want: [], wantRW: 2, mode: NONADJ_FREE, mask: WW | WR | RW },
  { type: 'G2-item', legal: WW | WR | RW, want: [], wantRW: 2, mode: NONE, mask: WW | WR | RW },
];

function variant(s: CycleSpec, rel: number, name: string): CycleSpec {
  return { ...s, type: `${s.type}-${name}`, legal: s.legal | rel, want: [...s.want, rel], mask: s.mask | rel };
}

/** Every cycle type, in the order Elle searches them (least implied first, then by name). */
export const CYCLE_SPECS: readonly CycleSpec[] = [
  ...BASE,
  ...BASE.map((s) => variant(s, PROCESS, 'process')),
  ...BASE.map((s) => variant(s, REALTIME, 'realtime')),
].sort((a, b) => compareAnomalies(a.type, b.type));

/** Every cycle anomaly type Elle knows, predicate forms included (for the implied/impossible bookkeeping). */
export const CYCLE_TYPES: ReadonlySet<string> = new Set(
  ['G0', 'G1c', 'G-single-item', 'G-single', 'G-nonadjacent-item', 'G-nonadjacent', 'G2-item', 'G2'].flatMap((t) => [
    t,
    `${t}-process`,
    `${t}-realtime`,
  ]),
);

/**
 * Names a cycle from the kind chosen for each of its steps (Elle's cycle-explainer): by its rw edges (one:
 * G-single-item; more, two adjacent somewhere around the cycle: G2-item; more, never adjacent: G-nonadjacent-item),
 * else G1c with any wr, else G0; then -realtime if any step is real time, else -process if any is.
 */
export function classify(rels: readonly number[]): string {
  let rw = 0;
  let wr = 0;
  let ww = 0;
  let rt = 0;
  let proc = 0;
  let adjacent = false;
  for (let i = 0; i < rels.length; i++) {
    const r = rels[i];
    if (r === RW) {
      rw++;
      if (rels[(i + rels.length - 1) % rels.length] === RW) adjacent = true;
    } else if (r === WR) wr++;
    else if (r === WW) ww++;
    else if (r === REALTIME) rt++;
    else if (r === PROCESS) proc++;
  }
  let base: string;
  if (rw === 1) base = 'G-single-item';
  else if (rw > 1) base = adjacent ? 'G2-item' : 'G-nonadjacent-item';
  else if (wr > 0) base = 'G1c';
  else if (ww > 0) base = 'G0';
  else throw new Error('a cycle of process and real-time edges alone cannot exist');
  return base + (rt > 0 ? '-realtime' : proc > 0 ? '-process' : '');
}

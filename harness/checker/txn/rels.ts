// The kinds of dependency edge between transactions, as bits so that one edge can carry several kinds and a
// search can ask for "any of these" with one AND. ww, wr and rw are Adya's direct write-, read- and
// anti-dependencies (thesis §3.1.4, as the Elle paper §4.3.2 infers them); process and realtime are the
// session and real-time orders the Elle paper §5.1 adds for strong-session and strict models. We have no
// predicate reads, so Elle's wwp/wrp/rwp never occur.
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;
export const DATA = WW | WR | RW;

export const REL_NAMES: readonly [number, string][] = [
  [WW, 'ww'],
  [WR, 'wr'],
  [RW, 'rw'],
  [PROCESS, 'process'],
  [REALTIME, 'realtime'],
];

/** The names of the kinds in a mask, in a fixed order. */
export function relNames(mask: number): string[] {
  return REL_NAMES.filter(([b]) => mask & b).map(([, n]) => n);
}

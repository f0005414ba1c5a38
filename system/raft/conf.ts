// The encoding of configuration entries (single-server membership changes, diss. §4.1): the whole new voter
// set as JSON, so a server never needs the previous configuration to read one (a snapshot's ConfState plus the
// entries after it give every configuration the log names).
import type { ConfEntryData, NodeId } from './types.js';

export function encodeConf(d: ConfEntryData): string {
  return JSON.stringify(d.ctx === undefined ? { voters: d.voters } : { voters: d.voters, ctx: d.ctx });
}

/** The voters and tag of a 'conf' entry, or undefined when its data is not one. */
export function decodeConf(data: string): ConfEntryData | undefined {
  try {
    const d = JSON.parse(data) as ConfEntryData;
    if (!d || !Array.isArray(d.voters) || !d.voters.every((v) => typeof v === 'string')) return undefined;
    return { voters: d.voters, ...(typeof d.ctx === 'string' ? { ctx: d.ctx } : {}) };
  } catch {
    return undefined;
  }
}

/** Same voters (both sorted). */
export function sameVoters(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Log entries for tests of the Raft core, by index and term.
import { encodeConf } from '../../system/raft/conf.js';
import type { Entry } from '../../system/raft/types.js';

export const normal = (index: number, term: number, data = `e${index}`): Entry => ({
  index,
  term,
  type: 'normal',
  data,
});

export const noop = (index: number, term: number): Entry => ({ index, term, type: 'noop', data: '' });

/** A configuration entry naming `voters` (diss. §4.1). */
export const conf = (index: number, term: number, voters: string[]): Entry => ({
  index,
  term,
  type: 'conf',
  data: encodeConf({ voters }),
});

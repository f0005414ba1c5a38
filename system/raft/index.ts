// The pure Raft core. One instance = one member of one Raft group; a process may host many.
import { Raft } from './raft.js';
import type { RaftConfig, RaftCore } from './types.js';

export function createRaft(config: RaftConfig): RaftCore & { progress: Raft['progress'] } {
  return new Raft(config);
}

export { Raft } from './raft.js';
export { MemoryStorage } from './memory-storage.js';
export type * from './types.js';
export { encodeConf, decodeConf } from './conf.js';

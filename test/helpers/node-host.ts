// A one-shard NodeHost of members a, b, c in a temporary data directory, with slow timers (elections and
// heartbeats only when a test makes them happen) and nothing sent anywhere: for tests that drive one node by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { NodeHost } from '../../system/node/host.js';

export interface TestHost {
  host: NodeHost;
  dir: string;
  /** Stops the host and removes its directory. */
  close(): void;
}

export function testHost(o: { bugs?: string[]; onFatal?: (e: Error) => void } = {}): TestHost {
  const dir = mkdtempSync(join(tmpdir(), 'fl-host-'));
  const host = new NodeHost({
    id: 'a',
    members: ['a', 'b', 'c'],
    shards: 1,
    replication: 3,
    dataDir: dir,
    fsync: false,
    bugs: o.bugs ?? [],
    electionTick: 1000,
    heartbeatTick: 100,
    snapshotEvery: 0,
    send: () => undefined,
    logger: pino({ level: 'silent' }),
    onFatal: o.onFatal,
    quiesce: false,
    rebalance: false,
  });
  return {
    host,
    dir,
    close: () => {
      host.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Faults aimed at two-phase commit (harness/nemesis/txn-aim.ts) on a fake runtime: kill and pause take the
// leader of an in-flight transaction's first key's shard; the participants partition cuts that leader from the
// other keys' leaders only; with no transaction in flight they fall back to the hot leader; the shapes are part
// of their kinds, so `--nemesis kill:txn-coordinator` parses. A transaction counts as its first key for hotKey.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OpSpec } from '../../../harness/generator/generator.js';
import { Random } from '../../../harness/generator/random.js';
import { type FaultContext, killFault, partitionFault, pauseFault } from '../../../harness/nemesis/faults.js';
import { parseNemesisSpec } from '../../../harness/nemesis/packages.js';
import { inFlightTxnKeys } from '../../../harness/nemesis/txn-aim.js';
import { FakeRuntime } from './fake-runtime.js';

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'];
/** Key k's shard is led by n(k mod 5 + 1); the hot key 'hot' by n5. */
const leaderOf = async (key?: string): Promise<string | undefined> =>
  key === undefined ? 'n1' : key === 'hot' ? 'n5' : `n${(Number(key) % 5) + 1}`;

function ctx(rt: FakeRuntime, inFlight: OpSpec[], leader = leaderOf): FaultContext {
  return {
    runtime: rt,
    nodes: NODES,
    rnd: new Random(3),
    leader,
    hotKey: () => 'hot',
    inFlight: () => inFlight,
  };
}

const txn = (...keys: number[]): OpSpec => ({ f: 'txn', value: keys.map((k) => ['r', k, null]) });

test('in-flight transactions: their distinct keys in order; other ops are not transactions', () => {
  const rt = new FakeRuntime(NODES);
  assert.equal(inFlightTxnKeys(ctx(rt, [txn(7, 2, 7), { f: 'read', key: 'k' }, txn(4)])), [['7', '2'], ['4']]);
});

test('kill:txn-coordinator kills the leader of the first key of a transaction in flight', async () => {
  const rt = new FakeRuntime(NODES);
  const f = await killFault.start(ctx(rt, [txn(7, 2)]), 'txn-coordinator');
  assert.equal([...rt.killed], ['n3'], 'key 7 → n3');
  assert.equal(f.value, {
    mode: 'txn-coordinator',
    nodes: ['n3'],
    inFlight: true,
    txnKeys: ['7', '2'],
    coordinatorKey: '7',
    leaderFound: true,
  });
  await f.stop();
  assert.ok(rt.clean());
});

test('pause:txn-coordinator pauses it; with nothing in flight both aim at the hot leader', async () => {
  const rt = new FakeRuntime(NODES);
  const f = await pauseFault.start(ctx(rt, [txn(1, 3)]), 'txn-coordinator');
  assert.equal([...rt.paused], ['n2']);
  assert.is((f.value as { coordinatorKey: string }).coordinatorKey, '1');
  await f.stop();
  const idle = await killFault.start(ctx(rt, []), 'txn-coordinator');
  assert.equal(idle.value, { mode: 'txn-coordinator', nodes: ['n5'], inFlight: false, leaderFound: true });
});

test('partition:txn-participants cuts the coordinator leader from the other groups leaders, both ways', async () => {
  const rt = new FakeRuntime(NODES);
  // Key 5 and key 0 share a leader (n1): the only other leader is n3 (key 2).
  const f = await partitionFault.start(ctx(rt, [txn(4), txn(5, 0, 2)]), 'txn-participants');
  assert.equal(rt.grudge, { n1: ['n3'], n3: ['n1'] });
  const v = f.value as Record<string, unknown>;
  assert.equal([v.inFlight, v.coordinator, v.participants], [true, 'n1', ['n3']]);
  assert.match(String(v.cut), /n1 ✗ n3/);
  await f.stop();
  assert.ok(rt.clean());
});

test('partition:txn-coordinator cuts that leader from everyone but the other groups leaders', async () => {
  const rt = new FakeRuntime(NODES);
  const f = await partitionFault.start(ctx(rt, [txn(5, 0, 2)]), 'txn-coordinator');
  assert.equal(rt.grudge, { n1: ['n2', 'n4', 'n5'], n2: ['n1'], n4: ['n1'], n5: ['n1'] });
  assert.equal((f.value as { participants: string[] }).participants, ['n3']);
  await f.stop();
  assert.ok(rt.clean());
});

test('partition:txn-participants with no transaction over two leaders isolates the hot leader', async () => {
  const rt = new FakeRuntime(NODES);
  const f = await partitionFault.start(ctx(rt, [txn(5, 0), txn(3)]), 'txn-participants');
  assert.equal(rt.grudge.n5, ['n1', 'n2', 'n3', 'n4']);
  assert.is((f.value as { inFlight: boolean }).inFlight, false);
});

test('the shapes belong to their kinds: --nemesis kill:txn-coordinator,pause:txn-coordinator,partition:...', () => {
  const p = parseNemesisSpec('kill:txn-coordinator,pause:txn-coordinator,partition:txn-participants/txn-coordinator');
  assert.equal(
    p.packages.map((x) => [x.kind.name, x.shapes]),
    [
      ['kill', ['txn-coordinator']],
      ['pause', ['txn-coordinator']],
      ['partition', ['txn-participants', 'txn-coordinator']],
    ],
  );
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAULT_KINDS } from '../../../harness/nemesis/faults.js';
import { parseNemesisSpec, requiredKinds, resolvePackages } from '../../../harness/nemesis/packages.js';

test('a list of kinds, each with all its shapes', () => {
  const p = parseNemesisSpec('partition, kill');
  assert.equal(
    p.packages.map((x) => x.kind.name),
    ['partition', 'kill'],
  );
  assert.equal(p.packages[0].shapes, FAULT_KINDS[0].shapes);
  assert.equal(requiredKinds(p), ['partition', 'kill']);
  assert.equal(parseNemesisSpec('none').packages, []);
  assert.equal(parseNemesisSpec('').packages, []);
});

test('kind:shape/shape limits a package; naming a kind twice merges its shapes', () => {
  const p = parseNemesisSpec('partition:one-way-deaf/one-way-mute,pause:leader-long,partition:isolate-hot-leader');
  assert.is(p.packages.length, 2);
  assert.equal(p.packages[0].shapes, ['one-way-deaf', 'one-way-mute', 'isolate-hot-leader']);
  assert.equal(p.packages[1].shapes, ['leader-long']);
});

test('opt-in shapes (kill:all) only when named', () => {
  assert.not.ok(parseNemesisSpec('kill').packages[0].shapes.includes('all'));
  assert.equal(parseNemesisSpec('kill:all/majority').packages[0].shapes, ['all', 'majority']);
});

test('unknown kinds and shapes get one clear line', () => {
  assert.throws(
    () => parseNemesisSpec('partition,meteor'),
    /unknown nemesis "meteor"; known: partition, kill, pause, clock, loss, latency, membership, disk, corrupt, all/,
  );
  assert.throws(
    () => parseNemesisSpec('partition:sideways'),
    /unknown partition shape "sideways"; partition shapes: isolate-one/,
  );
  assert.throws(() => parseNemesisSpec('pause:'), /unknown pause shape/);
  assert.throws(() => parseNemesisSpec('kill:one:two'), /expected kind or kind:shape/);
});

test('all: every kind, minus what the target refuses and the runtime cannot do, silently', async () => {
  const p = parseNemesisSpec('all');
  assert.ok(p.all);
  assert.equal(requiredKinds(p), []);
  const every = await resolvePackages(p, {}, async () => true);
  assert.equal(
    every.map((x) => x.kind.name),
    FAULT_KINDS.map((k) => k.name),
  );
  const some = await resolvePackages(p, { clock: 'Go programs ignore libfaketime' }, async (k) => k !== 'latency');
  assert.equal(
    some.map((x) => x.kind.name),
    ['partition', 'kill', 'pause', 'loss', 'membership', 'disk', 'corrupt'],
  );
  const noHook = await resolvePackages(p, { membership: 'the target has no membership hook' }, async () => true);
  assert.not.ok(noHook.some((x) => x.kind.name === 'membership'));
  // An explicit list is not filtered: the target refuses it up front with its reason instead.
  const explicit = await resolvePackages(parseNemesisSpec('clock'), { clock: 'no' }, async () => false);
  assert.equal(
    explicit.map((x) => x.kind.name),
    ['clock'],
  );
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../../harness/generator/random.js';
import {
  bridge,
  deaf,
  fromComponents,
  isolate,
  majoritiesRing,
  mute,
  randomHalves,
} from '../../../harness/nemesis/grudge.js';
import { parseNemesisSpec } from '../../../harness/nemesis/packages.js';
import type { Grudge } from '../../../harness/runtime/types.js';

const N5 = ['n1', 'n2', 'n3', 'n4', 'n5'];
const hears = (g: Grudge, a: string, b: string): boolean => a === b || !(g[a] ?? []).includes(b);

test('fromComponents cuts exactly the pairs in different components, both ways', () => {
  const g = fromComponents([['n1', 'n2'], ['n3']]);
  assert.equal(g, { n1: ['n3'], n2: ['n3'], n3: ['n1', 'n2'] });
});

test('isolate: one node hears nobody and nobody hears it', () => {
  const g = isolate('n3', N5);
  for (const n of N5)
    if (n !== 'n3') {
      assert.not.ok(hears(g, 'n3', n));
      assert.not.ok(hears(g, n, 'n3'));
    }
  assert.ok(hears(g, 'n1', 'n2'));
});

test('random halves: a majority and a minority', () => {
  for (let s = 0; s < 20; s++) {
    const g = randomHalves(N5, new Random(s));
    const sizes = N5.map((n) => N5.filter((m) => hears(g, n, m)).length).sort();
    assert.equal([...new Set(sizes)].sort(), [2, 3]);
  }
});

test('bridge: the middle node hears everyone, the two sides hear only their side and the middle', () => {
  const g = bridge(N5, new Random(1));
  const mid = N5.find((n) => N5.every((m) => hears(g, n, m)))!;
  assert.ok(mid);
  const others = N5.filter((n) => n !== mid);
  for (const n of others) assert.is(N5.filter((m) => hears(g, n, m)).length, 3);
});

test('majorities ring: every node hears a majority, and no two nodes hear the same set', () => {
  for (let s = 0; s < 10; s++) {
    const g = majoritiesRing(N5, new Random(s));
    const views = N5.map((n) => N5.filter((m) => hears(g, n, m)).join(','));
    for (const v of views) assert.is(v.split(',').length, 3);
    assert.is(new Set(views).size, 5);
  }
});

/** The kinds a `--nemesis` list names, in order. */
const parseNemesis = (list: string) => parseNemesisSpec(list).packages.map((p) => p.kind);

test('parseNemesis: names, none, unknown', () => {
  assert.equal(
    parseNemesis('partition,kill').map((k) => k.name),
    ['partition', 'kill'],
  );
  assert.equal(parseNemesis('none'), []);
  assert.throws(() => parseNemesis('partition,meteor'), /unknown nemesis "meteor"/);
});

test('deaf: the node hears nobody, everyone still hears it', () => {
  const g = deaf('n2', N5);
  for (const n of N5)
    if (n !== 'n2') {
      assert.not.ok(hears(g, 'n2', n));
      assert.ok(hears(g, n, 'n2'));
    }
  assert.ok(hears(g, 'n1', 'n3'));
});

test('mute: nobody hears the node, it still hears everyone', () => {
  const g = mute('n4', N5);
  for (const n of N5)
    if (n !== 'n4') {
      assert.ok(hears(g, 'n4', n));
      assert.not.ok(hears(g, n, 'n4'));
    }
  assert.ok(hears(g, 'n1', 'n3'));
});

test.run();

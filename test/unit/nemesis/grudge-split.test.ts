// split(side, nodes), property by property over random clusters and sides: the two sides are cut from each
// other both ways, each side hears itself whole, every node appears in the grudge, and bad sides are refused
// in one line (membership:split-minority builds its cut with it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../../harness/generator/random.js';
import { describeGrudge, shuffle, split } from '../../../harness/nemesis/grudge.js';
import type { Grudge } from '../../../harness/runtime/types.js';

const hears = (g: Grudge, a: string, b: string): boolean => a === b || !(g[a] ?? []).includes(b);
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);

test('split: over random clusters and sides, a node hears exactly the nodes on its own side', () => {
  for (let seed = 0; seed < 200; seed++) {
    const rnd = new Random(seed);
    const nodes = names(rnd.int(2, 10));
    const k = rnd.int(1, nodes.length);
    const side = shuffle(nodes, rnd).slice(0, k);
    const g = split(side, nodes);
    assert.equal(Object.keys(g).sort(), [...nodes].sort(), 'every node has an entry');
    for (const a of nodes) {
      for (const b of nodes) {
        const same = side.includes(a) === side.includes(b);
        assert.is(hears(g, a, b), same, `seed ${seed}: ${a} hears ${b}: ${describeGrudge(g)}`);
      }
    }
    // Symmetric: a cut one way is a cut the other way.
    for (const a of nodes) for (const b of g[a]) assert.ok(g[b].includes(a));
  }
});

const sorted = (g: Grudge): Grudge => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, [...v].sort()]));

test("split: the side's order and repeats do not change who hears whom", () => {
  const n5 = names(5);
  const g = split(['n3', 'n1'], n5);
  assert.equal(sorted(split(['n1', 'n3', 'n1'], n5)), sorted(g));
  assert.equal(g, {
    n3: ['n2', 'n4', 'n5'],
    n1: ['n2', 'n4', 'n5'],
    n2: ['n3', 'n1'],
    n4: ['n3', 'n1'],
    n5: ['n3', 'n1'],
  });
});

test('split: a node outside the cluster, an empty side or every node is refused in one line', () => {
  const n5 = names(5);
  assert.throws(
    () => split(['n1', 'n9'], n5),
    (e: Error) => /^split: n9 not among the nodes n1, n2, n3, n4, n5$/.test(e.message),
  );
  assert.throws(() => split([], n5), /both sides need a node/);
  assert.throws(() => split(n5, n5), /both sides need a node/);
});

test.run();

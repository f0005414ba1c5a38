import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../../harness/generator/random.js';
import { exponential, parseSchedule, plan, transitionsS, type Step } from '../../../harness/nemesis/plan.js';

const O = { intervalMs: 2000, horizonMs: 60_000 };

function noOverlapPerLane(steps: Step[]): boolean {
  const lanes = new Map<number, Step[]>();
  for (const s of steps) lanes.set(s.lane, [...(lanes.get(s.lane) ?? []), s]);
  for (const ss of lanes.values())
    for (let i = 1; i < ss.length; i++) if (ss[i].startMs < ss[i - 1].endMs) return false;
  return true;
}

test('every schedule: same seed, same plan; sorted; inside the horizon; no overlap within a lane', () => {
  for (const s of ['alternate', 'random', 'burst'] as const) {
    for (let seed = 0; seed < 20; seed++) {
      const a = plan(s, 3, O, new Random(seed));
      assert.equal(a, plan(s, 3, O, new Random(seed)), `${s} is deterministic`);
      assert.ok(a.length > 0, `${s} plans something`);
      for (let i = 1; i < a.length; i++) assert.ok(a[i].startMs >= a[i - 1].startMs);
      for (const x of a) {
        assert.ok(x.startMs >= 0 && x.startMs < O.horizonMs && x.endMs <= O.horizonMs && x.endMs > x.startMs);
        assert.ok(x.pkg >= 0 && x.pkg < 3);
      }
      assert.ok(noOverlapPerLane(a), `${s} seed ${seed}`);
    }
  }
  assert.equal(plan('random', 0, O, new Random(1)), []);
});

test("alternate: today's rhythm, one fault at a time, quiet interval then fault interval", () => {
  const a = plan('alternate', 2, O, new Random(4));
  assert.is(a.length, 15);
  a.forEach((s, i) => {
    assert.is(s.startMs, O.intervalMs * (2 * i + 1));
    assert.is(s.endMs, Math.min(s.startMs + O.intervalMs, O.horizonMs));
    assert.is(s.lane, 0);
  });
  assert.ok(new Set(a.map((s) => s.pkg)).size === 2, 'both packages get turns');
});

test('random: packages overlap, and gaps and durations average about one interval', () => {
  const gaps: number[] = [];
  const durs: number[] = [];
  let overlaps = 0;
  for (let seed = 0; seed < 40; seed++) {
    const a = plan('random', 2, { intervalMs: 1000, horizonMs: 200_000 }, new Random(seed));
    for (const lane of [0, 1]) {
      const ss = a.filter((s) => s.lane === lane);
      ss.forEach((s, i) => {
        if (s.endMs < 200_000) durs.push(s.endMs - s.startMs);
        if (i > 0) gaps.push(s.startMs - ss[i - 1].endMs);
      });
    }
    const l0 = a.filter((s) => s.pkg === 0),
      l1 = a.filter((s) => s.pkg === 1);
    overlaps += l0.filter((x) => l1.some((y) => y.startMs < x.endMs && x.startMs < y.endMs)).length;
  }
  const mean = (xs: number[]): number => xs.reduce((p, c) => p + c, 0) / xs.length;
  assert.ok(Math.abs(mean(gaps) - 1000) < 60, `mean gap ${mean(gaps)}`);
  // Durations are exponential floored at 250 ms and capped at 4 intervals: mean = e^-0.25 + 0.25 - e^-4 ≈ 1.01 s.
  assert.ok(Math.abs(mean(durs) - 1010) < 60, `mean duration ${mean(durs)}`);
  // Exponential, not uniform: the coefficient of variation of the gaps is about 1.
  const sd = Math.sqrt(mean(gaps.map((g) => (g - mean(gaps)) ** 2)));
  assert.ok(sd / mean(gaps) > 0.85 && sd / mean(gaps) < 1.15, `cv ${sd / mean(gaps)}`);
  assert.ok(overlaps > 100, `packages overlap (${overlaps})`);
});

test('burst: runs of short faults in quick succession', () => {
  const a = plan('burst', 1, { intervalMs: 5000, horizonMs: 300_000 }, new Random(9));
  const durs = a.map((s) => s.endMs - s.startMs).filter((_d, i) => a[i].endMs < 300_000);
  assert.ok(
    durs.every((d) => d >= 500 && d <= 0.33 * 5000 + 1),
    'every fault lasts a tenth to a third of the interval',
  );
  const gaps = a.slice(1).map((s, i) => s.startMs - a[i].endMs);
  const short = gaps.filter((g) => g <= 0.33 * 5000 + 1).length;
  assert.ok(short >= gaps.length * 0.6, `most gaps are short (${short}/${gaps.length})`);
  assert.ok(
    gaps.some((g) => g > 5000),
    'with longer quiet spells between runs',
  );
});

test('exponential sampling has the asked mean; transitions list every start and stop; schedule names', () => {
  const r = new Random(3);
  const xs = Array.from({ length: 20000 }, () => exponential(r, 50));
  assert.ok(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 50) < 1.5);
  assert.equal(
    transitionsS([
      { pkg: 0, lane: 0, startMs: 3000, endMs: 4000 },
      { pkg: 1, lane: 1, startMs: 1000, endMs: 5000 },
    ]),
    [1, 3, 4, 5],
  );
  assert.is(parseSchedule('burst'), 'burst');
  assert.throws(
    () => parseSchedule('sometimes'),
    /unknown --nemesis-schedule "sometimes"; known: alternate, random, burst/,
  );
  assert.throws(() => plan('random', 1, { intervalMs: 0, horizonMs: 10 }, new Random(1)), /positive/);
});

test.run();

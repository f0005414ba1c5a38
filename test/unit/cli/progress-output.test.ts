// Issue 23 item 3: what a run prints where stdout is not a terminal (CI logs). Every fault start, stop and heal is
// a line of its own when it happens (a 10 s sample said "no fault" through three faults), the load counter
// never passes the time limit ("31/30 s"), counted nouns agree ("1 node"), and several runs end with a tally.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Verdict } from '../../../harness/checker/results.js';
import { progressPrinter } from '../../../harness/commands/progress.js';
import { tally } from '../../../harness/commands/tally.js';
import { faultLine, sampleLine } from '../../../harness/run/progress-lines.js';
import { plural } from '../../../harness/words.js';

const counts = { ok: 812, fail: 3, info: 1 };

test('the sample line clamps the load clock to the time limit and names the active faults', () => {
  assert.is(
    sampleLine({ elapsedS: 31.4, limitS: 30, counts, active: [] }),
    '30/30 s  ok 812  fail 3  info 1  no fault',
  );
  assert.is(
    sampleLine({ elapsedS: 12.6, limitS: 30, counts, active: ['partition', 'kill'] }),
    '12/30 s  ok 812  fail 3  info 1  partition+kill active',
  );
  assert.match(sampleLine({ elapsedS: -0.01, limitS: 30, counts, active: [] }), /^0\/30 s/);
});

test('a fault start names its shape and whom it hit; a stop and a heal say what was done', () => {
  const start = faultLine(12.44, {
    type: 'info',
    process: 'nemesis',
    f: 'start-partition',
    value: { shape: 'majorities-ring', grudge: { n1: ['n2'] }, cut: 'n1 ✗ n2; n2 ✗ n1' },
    time: 1,
  });
  assert.is(start, '   12.4s  fault start partition majorities-ring [n1 ✗ n2; n2 ✗ n1]');
  const kill = faultLine(3, {
    type: 'info',
    process: 'nemesis',
    f: 'start-kill',
    value: { mode: 'one', nodes: ['n2'] },
  });
  assert.is(kill, '    3.0s  fault start kill one [n2]');
  const stop = faultLine(22.4, { type: 'info', process: 'nemesis', f: 'stop-partition', value: { healed: true } });
  assert.is(stop, '   22.4s  fault stop  partition (healed)');
  const restarted = faultLine(8, {
    type: 'info',
    process: 'nemesis',
    f: 'stop-pause',
    value: { resumed: ['n2', 'n3'], pausedMs: 5266, detail: { nested: 1 } },
  });
  assert.is(restarted, '    8.0s  fault stop  pause (resumed n2 n3, pausedMs 5266)');
  assert.is(
    faultLine(30, { type: 'info', process: 'nemesis', f: 'heal-all', value: { healed: true } }),
    '   30.0s  heal        all (healed)',
  );
  const failed = faultLine(5, {
    type: 'info',
    process: 'nemesis',
    f: 'start-clock',
    value: null,
    error: 'no libfaketime\nmore',
  });
  assert.is(failed, '    5.0s  fault start clock failed: no libfaketime');
});

test('only completed nemesis transitions make a line, and a line has a length limit', () => {
  assert.is(faultLine(1, { type: 'invoke', process: 'nemesis', f: 'start-kill' }), undefined);
  assert.is(faultLine(1, { type: 'ok', process: 3, f: 'read', value: 1 }), undefined);
  assert.is(faultLine(1, { type: 'info', process: 'nemesis', f: 'odd' }), undefined);
  const nodes = Array.from({ length: 500 }, (_, i) => `n${i}`);
  const long = faultLine(1, { type: 'info', process: 'nemesis', f: 'start-kill', value: { mode: 'all', nodes } });
  assert.ok(long && long.length <= 200 && long.endsWith('…'), long);
});

function sink(isTTY: boolean): { out: { isTTY: boolean; write: (s: string) => void }; text: () => string } {
  let text = '';
  const write = (s: string): void => {
    text += s;
  };
  return { out: { isTTY, write }, text: () => text };
}

test('without a terminal: every fault is a line, status lines every 10 s, messages always', () => {
  let now = 0;
  const s = sink(false);
  const p = progressPrinter(s.out, () => now);
  p.line('0/30 s a');
  now = 4_000;
  p.line('4/30 s b');
  p.fault('    4.1s  fault start kill one [n2]');
  now = 6_000;
  p.fault('    6.0s  fault stop  kill (restarted n2)');
  now = 10_000;
  p.line('10/30 s c');
  p.message('load done');
  p.done();
  assert.is(
    s.text(),
    '0/30 s a\n    4.1s  fault start kill one [n2]\n    6.0s  fault stop  kill (restarted n2)\n10/30 s c\nload done\n',
  );
});

test('on a terminal: one rewritten status line, no fault lines, cleared before a message', () => {
  const s = sink(true);
  const p = progressPrinter(s.out, () => 0);
  p.line('1/30 s');
  p.fault('    1.0s  fault start kill one [n2]');
  p.line('2/30 s');
  p.message('done');
  assert.is(s.text(), '\r\x1b[K1/30 s\r\x1b[K2/30 s\r\x1b[Kdone\n');
});

test('plural: one is singular, everything else plural, irregular forms given', () => {
  assert.is(plural(1, 'reference node'), '1 reference node');
  assert.is(plural(5, 'reference node'), '5 reference nodes');
  assert.is(plural(0, 'run'), '0 runs');
  assert.is(plural(2, 'fault set'), '2 fault sets');
  assert.is(plural(1, 'process', 'processes'), '1 process');
  assert.is(plural(3, 'process', 'processes'), '3 processes');
});

test('the tally counts every verdict and names the seeds of those that need a look', () => {
  const runs = (vs: [Verdict, number][]) => vs.map(([verdict, seed]) => ({ verdict, seed }));
  assert.is(
    tally(
      runs([
        [true, 5],
        [true, 6],
        [false, 7],
      ]),
    ),
    '3 runs: 2 valid, 1 invalid (seed 7), 0 unknown',
  );
  assert.is(tally(runs([[true, 1]])), '1 run: 1 valid, 0 invalid, 0 unknown');
  assert.is(
    tally(
      runs([
        ['unknown', 1],
        ['unknown', 2],
        ['error', 3],
      ]),
    ),
    '3 runs: 0 valid, 0 invalid, 2 unknown (seeds 1, 2), 1 error (seed 3)',
  );
  const many = tally(runs(Array.from({ length: 10 }, (_, i): [Verdict, number] => [false, i])));
  assert.is(many, '10 runs: 0 valid, 10 invalid (seeds 0, 1, 2, 3, 4, 5, 6, 7 and 2 more), 0 unknown');
});

test.run();

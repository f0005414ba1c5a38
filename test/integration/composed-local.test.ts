// `faultline run` with composed faults on the local runtime: several packages active at once on the random
// schedule (latency among them), each package's final heal then heal-all, the final reads as the last generator
// phase after the heal; `--nemesis all` on the burst schedule keeps a correct cluster valid; bad nemesis
// arguments get one clear line.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HistoryEvent } from '../../harness/history/op.js';
import { runCli, runLocal } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'fl-composed-local-'));

const run = (args: string[]): ReturnType<typeof runLocal> => runLocal(out, ['--nodes', '3', ...args]);

/** The most fault kinds active at one moment, from the nemesis events. */
function maxOverlap(events: HistoryEvent[]): number {
  const active = new Set<string>();
  let most = 0;
  for (const e of events) {
    if (e.process !== 'nemesis' || e.type !== 'info' || e.error) continue;
    if (e.f.startsWith('start-')) active.add(e.f.slice(6));
    else if (e.f.startsWith('stop-')) active.delete(e.f.slice(5));
    most = Math.max(most, active.size);
  }
  return most;
}

test(
  'random schedule: overlapping partition, latency, pause and kill; ' + 'package heals, heal-all, then final reads',
  () => {
    const r = run([
      '--time-limit',
      '20',
      '--nemesis',
      'partition,latency,pause,kill',
      '--nemesis-schedule',
      'random',
      '--nemesis-interval',
      '2',
      '--seed',
      '21',
      '--rate',
      '50',
      '--burst-rate',
      '150',
    ]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /nemesis partition,latency,pause,kill \(random, 2 s, \d+ faults planned\)/);
    const nem = r.events.filter((e) => e.process === 'nemesis' && e.type === 'info');
    assert.ok(maxOverlap(r.events) >= 2, 'at least two faults were active at once');
    assert.ok(
      nem.some((e) => e.f === 'start-latency' && !e.error),
      'latency was injected',
    );
    const fs = nem.map((e) => e.f);
    const healAll = fs.lastIndexOf('heal-all');
    assert.equal(fs.slice(healAll - 4, healAll + 1), [
      'heal-partition',
      'heal-latency',
      'heal-pause',
      'heal-kill',
      'heal-all',
    ]);
    // Final reads: client operations after heal-all are reads, one per worker at most.
    const healAt = r.events.findIndex((e) => e.process === 'nemesis' && e.f === 'heal-all' && e.type === 'info');
    const finals = r.events.slice(healAt).filter((e) => e.process !== 'nemesis' && e.type === 'invoke');
    assert.ok(finals.length >= 1 && finals.length <= 10, `${finals.length} final operations`);
    assert.ok(finals.every((e) => e.f === 'read'));
    const results = JSON.parse(readFileSync(join(r.dir!, 'results.json'), 'utf8'));
    assert.is(results.valid, true);
  },
);

test('--nemesis all on the burst schedule: every kind the local runtime can do, a correct cluster stays valid', () => {
  const r = run([
    '--time-limit',
    '20',
    '--nemesis',
    'all',
    '--nemesis-schedule',
    'burst',
    '--nemesis-interval',
    '3',
    '--seed',
    '8',
  ]);
  assert.ok(r.code === 0, r.stdout + r.stderr);
  const kinds = new Set(
    r.events.filter((e) => e.process === 'nemesis' && e.f.startsWith('start-')).map((e) => e.f.slice(6)),
  );
  assert.ok(kinds.size >= 3, `kinds started: ${[...kinds].join(', ')}`);
  const heals = r.events
    .filter((e) => e.process === 'nemesis' && e.type === 'info' && e.f.startsWith('heal-'))
    .map((e) => e.f);
  assert.ok(heals.includes('heal-latency') && heals.includes('heal-partition') && heals.at(-1) === 'heal-all');
});

test('bad nemesis arguments: one clear line, exit 1 before anything starts', () => {
  for (const [args, msg] of [
    [['--nemesis', 'partition:sideways'], /unknown partition shape "sideways"/],
    [['--nemesis', 'meteor'], /unknown nemesis "meteor"/],
    [
      ['--nemesis-schedule', 'sometimes'],
      /--nemesis-schedule: expected one of alternate, random, burst, got 'sometimes'/,
    ],
    [['--burst-seconds', '-1'], /--burst-seconds: expected a number of at least 0, got '-1'/],
  ] as const) {
    const r = runCli(['run', '--runtime', 'local', '--out', out, ...args]);
    assert.is.not(r.code, 0);
    assert.match(r.stderr, msg);
    assert.not.match(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  }
});

test.run();

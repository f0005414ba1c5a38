// Issue 23 item 3's "done when": a CI-style run (stdout a pipe, not a terminal) prints every fault it injects, as
// the history recorded it; its load counter never passes the time limit; --test-count 2 says "run k/2, seed S"
// before each run and ends with the tally; the exit code is the worst verdict. One invocation of two short
// local runs keeps it to seconds.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exitCode, worst, type Verdict } from '../../harness/checker/results.js';
import type { HistoryEvent } from '../../harness/history/op.js';
import { parseHistory } from '../../harness/history/readers/index.js';
import { runCli } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'fl-ci-output-'));
const LIMIT_S = 4;

/** The completed fault transitions of a history, as [verb kind, shape or what was done] in order. */
function transitions(events: readonly HistoryEvent[], verb: 'start' | 'stop'): string[] {
  return events
    .filter((e) => e.process === 'nemesis' && e.type === 'info' && e.f.startsWith(`${verb}-`) && !e.error)
    .map((e) => {
      const v = (e.value ?? {}) as { shape?: string; mode?: string };
      return `${e.f.slice(verb.length + 1)} ${verb === 'start' ? (v.shape ?? v.mode ?? '') : ''}`.trim();
    });
}

test('--test-count 2 with partitions, stdout piped: every fault a line, counter clamped, run k/N and the tally', () => {
  const args = ['run', '--runtime', 'local', '--out', out, '--workload', 'register', '--nodes', '3', '--seed', '41'];
  const load = ['--time-limit', String(LIMIT_S), '--nemesis', 'partition', '--nemesis-interval', '1'];
  // A healthy cluster: both runs are valid, so --test-count does not stop after the first.
  const r = runCli([...args, ...load, '--test-count', '2'], { timeoutMs: 180_000 });
  assert.ok(r.code !== null, `the run finished (stderr: ${r.stderr})`);
  assert.not.match(r.stdout, /\r|\x1b/, 'no terminal control sequences in a log');
  const sections = r.stdout.split(/^(?=run \d\/2, seed \d+$)/m).filter((x) => x.startsWith('run '));
  assert.is(sections.length, 2, r.stdout);
  assert.match(sections[0], /^run 1\/2, seed 41\n/);
  assert.match(sections[1], /^run 2\/2, seed 42\n/);
  const verdicts: Verdict[] = [];
  for (const s of sections) {
    const dir = /(\S+)\/report\.html/.exec(s)?.[1];
    assert.ok(dir, s);
    const events = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8')).events;
    const starts = transitions(events, 'start');
    assert.ok(starts.length >= 1, 'a partition was injected');
    const startLines = [...s.matchAll(/^ +\d+\.\ds {2}fault start (\S+) (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.equal(startLines, starts, 'a line for every fault started, in order, with its shape');
    const stopLines = [...s.matchAll(/^ +\d+\.\ds {2}fault stop {2}(\S+) \(healed\)$/gm)].map((m) => m[1]);
    assert.equal(stopLines, transitions(events, 'stop'), 'a line for every fault stopped');
    for (const m of s.matchAll(/^(\d+)\/(\d+) s {2}ok /gm)) {
      assert.is(Number(m[2]), LIMIT_S);
      assert.ok(Number(m[1]) <= LIMIT_S, `counter ${m[0]} within the limit`);
    }
    assert.match(s, /bringing up 3 reference nodes/);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { valid: Verdict };
    verdicts.push(results.valid);
  }
  const count = (v: Verdict): number => verdicts.filter((x) => x === v).length;
  assert.match(
    r.stdout,
    new RegExp(`^2 runs: ${count(true)} valid, ${count(false)} invalid.*, ${count('unknown')} unknown`, 'm'),
  );
  assert.is(r.code, exitCode(worst(verdicts)));
});

test.run();

// The one check pipeline: checkers compose (a throwing checker is unknown with its reason, bad input propagates
// when asked), a run's spec is recovered from what it recorded (the fenced-counter regression: a folder whose
// history names the workload is checked with the workload's checkers, never a guessed mutex model), and results
// are described for people (the offending operation, why unknown). Also the rerun command line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  compose,
  firstOffending,
  runChecks,
  specForWorkload,
  specFromRecord,
  statsChecker,
  unknownReason,
  type Checker,
} from '../../../harness/check/pipeline.js';
import { HistoryError, type HistoryEvent, type HistoryHeader } from '../../../harness/history/op.js';
import { DEFAULTS } from '../../../harness/run/options.js';
import { commandLine, runFlags, shellWord } from '../../../harness/commands/command-line.js';

const ev = (
  index: number,
  type: HistoryEvent['type'],
  process: number,
  f: string,
  value?: unknown,
  key?: unknown,
): HistoryEvent => ({ index, type, process, f, value, ...(key !== undefined ? { key } : {}) });

test('compose merges verdicts (invalid beats unknown beats valid); a throwing checker is unknown', () => {
  const fixed = (name: string, valid: true | false | 'unknown'): Checker => ({
    name,
    check: () => ({ valid, checkers: [{ checker: name, valid, ops: 0, ms: 0 }] }),
  });
  const boom: Checker = {
    name: 'boom',
    check: () => {
      throw new Error('it broke');
    },
  };
  assert.is(compose('a', [fixed('x', true), fixed('y', 'unknown')]).check([]).valid, 'unknown');
  assert.is(compose('a', [fixed('x', 'unknown'), fixed('y', false)]).check([]).valid, false);
  const r = compose('a', [fixed('x', true), boom]).check([]);
  assert.is(r.valid, 'unknown');
  assert.equal(r.checkers[1], { checker: 'boom', valid: 'unknown', ops: 0, ms: 0, error: 'it broke' });
  const bad: Checker = {
    name: 'bad',
    check: () => {
      throw new HistoryError('op 3 is broken', 'f.jsonl');
    },
  };
  assert.throws(() => compose('a', [bad], { badInputThrows: true }).check([]), /op 3 is broken/);
  assert.is(compose('a', [bad]).check([]).valid, 'unknown');
});

test('specForWorkload: the checkers each workload records', () => {
  assert.equal(specForWorkload('kv', 60).checkers, ['linearizable', 'stats']);
  assert.is(specForWorkload('kv', 60).model, 'kv-register');
  assert.equal(specForWorkload('fenced-counter', 5).checkers, ['fenced-counter', 'stats']);
  assert.is(specForWorkload('fenced-counter', 5).model, undefined);
  assert.is(specForWorkload('lock', 5).timeoutMs, 5000);
});

test("specFromRecord: test.json, then the header's workload, then a model for a foreign file", () => {
  const guess = (): string => 'mutex';
  // The regression: fenced-counter's history header names the workload and no model.
  const header = { faultline: 'history', version: 1, workload: 'fenced-counter' } as HistoryHeader;
  assert.equal(specFromRecord({ header, checkTimeoutS: 60 }, guess).checkers, ['fenced-counter', 'stats']);
  const recorded = specForWorkload('register', 7);
  assert.equal(specFromRecord({ checks: recorded, header }, guess), recorded);
  assert.equal(specFromRecord({}, guess), { model: 'mutex', checkers: ['linearizable'], timeoutMs: 0 });
  const over = specFromRecord({ header }, guess, { model: 'cas-register', timeoutMs: 0 });
  assert.equal(over.checkers, ['linearizable', 'fenced-counter', 'stats']);
  assert.throws(() => specFromRecord({}, guess, { model: 'nope' }), /unknown model "nope"/);
  assert.throws(
    () => specFromRecord({ header: { ...header, checkers: ['elle'] } as HistoryHeader }, guess),
    /checker "elle"/,
  );
});

test('runChecks: a run that failed is never valid; results describe the offending operation', () => {
  const events = [
    ev(0, 'invoke', 0, 'write', 1, 'a'),
    ev(1, 'ok', 0, 'write', 1, 'a'),
    ev(2, 'invoke', 1, 'read', null, 'a'),
    ev(3, 'ok', 1, 'read', 2, 'a'),
  ];
  const spec = specForWorkload('kv', 10);
  const r = runChecks(events, spec);
  assert.is(r.valid, false);
  const off = firstOffending(r)!;
  assert.is(off.key, 'a');
  assert.match(off.text, /^key a: client 1: .*read.*2/);
  const ok = runChecks(events.slice(0, 2), spec, { runError: 'cluster never came up' });
  assert.is(ok.valid, 'unknown');
  assert.is(unknownReason(ok, 'cluster never came up'), 'the run failed: cluster never came up');
  const nothing = runChecks([ev(0, 'invoke', 0, 'read', null, 'a'), ev(1, 'fail', 0, 'read', null, 'a')], spec);
  assert.is(nothing.valid, 'unknown');
  assert.match(unknownReason(nothing), /stats: no operation succeeded/);
  assert.is(statsChecker.check([]).valid, 'unknown');
});

test('the rerun command line: flags, quoted where needed, the runtime actually used', () => {
  const o = { ...DEFAULTS, seed: 42, targetOpts: { bug: 'stale-read' }, nemesis: 'partition,kill' };
  const line = commandLine(o, 'local');
  assert.match(
    line,
    new RegExp(
      '^faultline run --runtime local --target reference --target-opt bug=stale-read --workload kv ' +
        '--nemesis partition,kill ',
    ),
  );
  assert.match(line, / --time-limit 60 --seed 42 /);
  assert.not.match(line, /test-count|testCount/);
  assert.is(shellWord("it's here"), `'it'\\''s here'`);
  // An option this table does not know (added by another command later) still becomes a flag.
  const extra = runFlags({ ...o, nemesisTargets: ['n1', 'n2'], dryRun: false } as never);
  assert.ok(extra.includes('--no-dry-run'));
  assert.is(extra.filter((x) => x === '--nemesis-targets').length, 2);
});

test.run();

// Every workload, run briefly on the local runtime, then re-checked offline with `faultline check DIR`: the
// re-check must give the run's verdict and the same results.json (timings aside), because run and check go
// through one pipeline with the checkers the run recorded. This is the fenced-counter regression: its folder
// used to be re-checked with a guessed mutex model and fail with "the mutex model knows acquire and release".
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WORKLOADS } from '../../workloads/index.js';
import { checkHistory } from '../../harness/check/check-history.js';
import { comparable } from '../../harness/check/pipeline.js';
import { runCli, runDirOf } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'fl-recheck-'));

for (const w of WORKLOADS) {
  test(`${w.name}: check DIR reproduces the run's verdict and results.json`, async () => {
    const r = runCli(
      [
        'run',
        '--runtime',
        'local',
        '--workload',
        w.name,
        '--nemesis',
        'partition',
        '--nodes',
        '3',
        '--time-limit',
        '3',
        '--nemesis-interval',
        '1',
        '--seed',
        '7',
        '--out',
        out,
      ],
      { timeoutMs: 120_000 },
    );
    assert.ok(r.code === 0 || r.code === 1 || r.code === 2, `run exit ${r.code}: ${r.stderr}`);
    const dir = runDirOf(r.stdout);
    const saved = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    const testJson = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8'));
    assert.ok(
      Array.isArray(testJson.checks?.checkers) && testJson.checks.checkers.includes('stats'),
      'test.json records the checkers',
    );
    assert.is(testJson.checks.workload, w.name);
    const header = JSON.parse(readFileSync(join(dir, 'history.jsonl'), 'utf8').split('\n')[0]);
    assert.equal(header.checkers, testJson.checks.checkers, 'the history header records the same checkers');

    const c = runCli(['check', '--json', dir]);
    assert.is(c.code, r.code, `check exit ${c.code} vs run exit ${r.code}: ${c.stdout}${c.stderr}`);
    const line = JSON.parse(c.stdout.trim());
    assert.is(line.valid, saved.valid);
    assert.equal(
      line.checkers.map((x: { checker: string; valid: unknown }) => [x.checker, x.valid]),
      saved.checkers.map((x: { checker: string; valid: unknown }) => [x.checker, x.valid]),
    );

    const again = await checkHistory(dir);
    assert.equal(comparable(again.results), comparable(saved), 'results.json reproduced, timings aside');
  });
}

test.run();

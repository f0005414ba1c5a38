// Reproduce end to end on the local runtime: a planted stale-read run is found, shrunk to at most 10 operations
// that `check` still calls INVALID (from the JSONL and from the Jepsen EDN it writes), its test.json holds the
// command line that reruns it, and `rerun DIR` runs it again with the same options and seed.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, runDirOf } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'fl-shrink-e2e-'));
let dir: string | undefined;

test('a planted stale-read run is found within 10 seeds', () => {
  for (let seed = 1; seed <= 10 && !dir; seed++) {
    const r = runCli(
      [
        'run',
        '--runtime',
        'local',
        '--nodes',
        '3',
        '--bug',
        'stale-read',
        '--time-limit',
        '10',
        '--nemesis',
        'partition',
        '--nemesis-interval',
        '2',
        '--seed',
        String(seed),
        '--out',
        out,
      ],
      { timeoutMs: 180_000 },
    );
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    if (r.code === 1) dir = runDirOf(r.stdout);
  }
  assert.ok(dir, 'the planted stale read was never caught');
});

test('shrink: at most 10 operations, still INVALID for check (JSONL and EDN), with a report', () => {
  const r = runCli(['shrink', dir!, '--json']);
  assert.is(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.is(s.valid, false);
  assert.ok(s.after.ops <= 10, `${s.after.ops} operations`);
  assert.ok(s.before.ops > s.after.ops);
  const shrunk = join(dir!, 'shrunk');
  for (const f of ['history.jsonl', 'history.edn', 'report.html', 'results.json'])
    assert.ok(existsSync(join(shrunk, f)), f);
  const c = runCli(['check', join(shrunk, 'history.jsonl')]);
  assert.is(c.code, 1, c.stdout + c.stderr);
  assert.match(c.stdout, /INVALID/);
  const e = runCli(['check', join(shrunk, 'history.edn')]);
  assert.is(e.code, 1, e.stdout + e.stderr);
  assert.match(readFileSync(join(shrunk, 'report.html'), 'utf8'), /INVALID/);
  // A second shrink of an already shrunk history changes nothing.
  const again = runCli(['shrink', join(shrunk, 'history.jsonl'), '--out', join(out, 'again'), '--json']);
  assert.is(again.code, 0, again.stderr);
  assert.is(JSON.parse(again.stdout).after.ops, s.after.ops);
});

test('shrink refuses a history that is not invalid, in one line', () => {
  const r = runCli(['shrink', join(dir!, 'shrunk', 'missing.jsonl')]);
  assert.is(r.code, 3);
  assert.match(r.stderr, /^faultline: .*no such file/);
});

test('test.json and the report carry the rerun command; rerun DIR uses the same options and seed', () => {
  const t = JSON.parse(readFileSync(join(dir!, 'test.json'), 'utf8'));
  assert.match(
    t.command,
    new RegExp(
      '^faultline run --runtime local --target reference --target-opt bug=stale-read --workload kv ' +
        '--nemesis partition --nodes 3 ',
    ),
  );
  assert.match(t.command, new RegExp(`--seed ${t.options.seed}( |$)`));
  assert.not.match(t.command, /timeLimitS|testCount/, 'flags, not option names');
  assert.ok(readFileSync(join(dir!, 'report.html'), 'utf8').includes('--target-opt bug=stale-read'));
  const r = runCli(['rerun', dir!], { timeoutMs: 180_000 });
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  const again = runDirOf(r.stdout);
  assert.is.not(again, dir);
  const t2 = JSON.parse(readFileSync(join(again, 'test.json'), 'utf8'));
  assert.is(t2.options.seed, t.options.seed);
  assert.is(t2.command, t.command);
  assert.ok(again.startsWith(out), 'the rerun goes to the same results root');
});

test.run();

// `faultline test-all` end to end on the local runtime: the "done when" command writes JUnit with one
// testcase per run, prints the summary table, writes the Markdown job summary when $GITHUB_STEP_SUMMARY is set,
// rewrites results/index.html, and exits with the worst verdict. Bad input is refused before any run starts.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli.js';
import { parseXml } from '../helpers/xml.js';

const cwd = mkdtempSync(join(tmpdir(), 'fl-test-all-'));

test('register,lock × partition: two testcases, a summary, the index, exit = worst verdict', () => {
  const summary = join(cwd, 'step-summary.md');
  const r = runCli(
    [
      'test-all',
      '--runtime',
      'local',
      '--workload',
      'register,lock',
      '--nemesis',
      'partition',
      '--time-limit',
      '5',
      '--junit',
      'j.xml',
    ],
    { cwd, timeoutMs: 240_000, env: { ...process.env, GITHUB_STEP_SUMMARY: summary } },
  );
  assert.ok(r.code !== null && [0, 1, 2].includes(r.code), `exit ${r.code}: ${r.stderr}`);
  const xml = parseXml(readFileSync(join(cwd, 'j.xml'), 'utf8'));
  assert.is(xml.name, 'testsuites');
  const cases = xml.children[0].children.filter((c) => c.name === 'testcase');
  assert.is(cases.length, 2);
  assert.equal(
    cases.map((c) => c.attrs.classname),
    ['faultline.register-partition', 'faultline.lock-partition'],
  );
  for (const c of cases) assert.ok(Number(c.attrs.time) > 0);
  const lines = r.stdout.split('\n');
  const head = lines.findIndex((l) => /^verdict\s+test\s+seed\s+duration\s+folder/.test(l));
  assert.ok(head >= 0, `summary table printed:\n${r.stdout}`);
  assert.match(lines[head + 1], /register-partition\s+\d+\s+[\d.]+ s\s+results\/register-partition\//);
  assert.match(lines[head + 2], /lock-partition/);
  const worst = r.code === 0 ? 'VALID' : r.code === 1 ? 'INVALID' : 'UNKNOWN';
  assert.match(r.stdout, new RegExp(`overall ${worst}`));
  const md = readFileSync(summary, 'utf8');
  assert.match(md, /\| verdict \| test \| seed \| duration \| folder \|/);
  assert.match(md, /register-partition/);
  const index = readFileSync(join(cwd, 'results', 'index.html'), 'utf8');
  assert.match(index, /register-partition\/\d{8}T\d{6}Z[^"]*\/report\.html/);
  assert.match(index, /lock-partition/);
});

test('bad input: one line, exit 3, nothing started', () => {
  const r = runCli(['test-all', '--runtime', 'local', '--workload', 'register,nope', '--out', join(cwd, 'bad')], {
    cwd,
  });
  assert.is(r.code, 3);
  assert.match(r.stderr, /^faultline: unknown --workload nope/);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.not.ok(existsSync(join(cwd, 'bad')));
  const n = runCli(['test-all', '--runtime', 'local', '--nemesis', 'partition+bogus', '--out', join(cwd, 'bad')], {
    cwd,
  });
  assert.is(n.code, 3);
  assert.match(n.stderr, /unknown nemesis "bogus"/);
});

test.run();

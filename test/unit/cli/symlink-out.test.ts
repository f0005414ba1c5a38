// Issue 22 item 6, check and report: a run folder is input someone may have crafted. A history.jsonl, test.json
// or results.json linked to a file outside the folder (~/.npmrc, /proc/self/environ) is refused with one line that
// names the link, and no byte of the target reaches the terminal; nor does a JSON file's parse error quote it.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { makeRunFolder } from '../../helpers/run-folders.js';

const root = mkdtempSync(join(tmpdir(), 'fl-symout-'));
const outside = mkdtempSync(join(tmpdir(), 'fl-symout-secret-'));
const TOKEN = 'npm_S3CR3TT0K3N';
const secret = join(outside, '.npmrc');
writeFileSync(secret, `//registry.npmjs.org/:_authToken=${TOKEN}\n`);
const jsonSecret = join(outside, 'creds.json');
writeFileSync(jsonSecret, `{"token": "${TOKEN}"}\n`);

function refused(r: CliResult, file: string): void {
  assert.is(r.code, 3, `exit code (stdout: ${r.stdout}, stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], new RegExp(`${file}: is a symlink leading out of its run folder`));
  assert.not.match(r.stderr + r.stdout, /S3CR3T|authToken|registry\.npmjs/, 'nothing of the target is quoted');
  assert.not.ok(r.stderr.includes(outside), 'the target is not named either');
}

function linked(name: string, target: string, seed: number): string {
  const run = makeRunFolder(root, { seed });
  rmSync(join(run, name));
  symlinkSync(target, join(run, name));
  return run;
}

test('check and report refuse a history.jsonl that leads out of the run folder, quoting nothing', () => {
  const run = linked('history.jsonl', secret, 1);
  refused(runCli(['check', run]), 'history\\.jsonl');
  rmSync(join(run, 'results.json'));
  refused(runCli(['report', run]), 'history\\.jsonl');
  refused(runCli(['check', join(run, 'history.jsonl')]), 'history\\.jsonl');
});

test('a test.json or results.json leading out is refused the same way', () => {
  refused(runCli(['report', linked('test.json', jsonSecret, 2)]), 'test\\.json');
  refused(runCli(['check', linked('test.json', jsonSecret, 3)]), 'test\\.json');
  refused(runCli(['report', linked('results.json', jsonSecret, 4)]), 'results\\.json');
});

test('a symlink that stays inside the run folder is followed as before', () => {
  const run = makeRunFolder(root, { seed: 5 });
  writeFileSync(join(run, 'nodes', 'h.jsonl'), readFileSync(join(run, 'history.jsonl')));
  rmSync(join(run, 'history.jsonl'));
  symlinkSync(join('nodes', 'h.jsonl'), join(run, 'history.jsonl'));
  const r = runCli(['check', run]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /valid/);
});

test("a test.json that is not JSON: the error gives a position, never V8's quote of the file", () => {
  const run = makeRunFolder(root, { seed: 6 });
  writeFileSync(join(run, 'test.json'), `_authToken=${TOKEN}`);
  const r = runCli(['report', run]);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, /test\.json: is not valid JSON/);
  assert.not.match(r.stderr, /S3CR3T|authToken/);
  writeFileSync(join(run, 'test.json'), `{"name": ${TOKEN}}`);
  const r2 = runCli(['check', run]);
  assert.is(r2.code, 3, r2.stderr);
  assert.not.match(r2.stderr, /S3CR3T/);
});

test.run();

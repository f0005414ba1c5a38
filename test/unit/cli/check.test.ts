// `faultline check` as a user runs it: verdicts and exit codes, --json, --out, and one-line errors on bad input.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../helpers/cli.js';
import { CONFORMANCE_DIR, ELLE_CONFORMANCE_DIR } from '../../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-check-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const good = write(
  'good.edn',
  '{:process 0 :type :invoke :f :write :value 1}\n' +
    '{:process 0 :type :ok :f :write :value 1}\n' +
    '{:process 1 :type :invoke :f :read :value nil}\n' +
    '{:process 1 :type :ok :f :read :value 1}\n',
);
const bad = write(
  'bad.jsonl',
  '{"faultline":"history","version":1}\n' +
    '{"type":"invoke","process":0,"f":"write","value":1}\n' +
    '{"type":"ok","process":0,"f":"write","value":1}\n' +
    '{"type":"invoke","process":1,"f":"read"}\n' +
    '{"type":"ok","process":1,"f":"read","value":2}\n',
);
const etcd002 = join(CONFORMANCE_DIR, 'test_data/jepsen/etcd_002.log');
const c50 = join(CONFORMANCE_DIR, 'test_data/kv/c50-ok.txt');

function oneLineError(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp): void {
  assert.is(r.code, 3, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
}

test('valid history: exit 0 and a human summary', () => {
  const r = runCli(['check', good]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /good\.edn: valid \(model cas-register, 2 ops, 1 partition, [\d.]+ ms\)/);
});

test('invalid history: exit 1, names the operation that could not be placed', () => {
  const r = runCli(['check', bad]);
  assert.is(r.code, 1);
  assert.match(r.stdout, /bad\.jsonl: INVALID/);
  assert.match(r.stdout, /could not linearize: client 1: read → 2/);
});

test('--json: one object per file with file, valid, model, ops, ms', () => {
  const r = runCli(['check', '--json', good, bad]);
  assert.is(r.code, 1);
  const [a, b] = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal([a.file, a.valid, a.model, a.ops], [good, true, 'cas-register', 2]);
  assert.equal([b.file, b.valid, b.model, b.ops], [bad, false, 'cas-register', 2]);
  assert.type(a.ms, 'number');
});

test('--timeout gives unknown and exit 2 when the search cannot finish', () => {
  const r = runCli(['check', '--json', '--timeout', '0.001', c50]);
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.is(JSON.parse(r.stdout).valid, 'unknown');
});

test('--model and --init override inference', () => {
  const p = write(
    'init.edn',
    '{:process 0 :type :invoke :f :read :value nil}\n{:process 0 :type :ok :f :read :value 0}\n',
  );
  assert.is(runCli(['check', p]).code, 1);
  assert.is(runCli(['check', '--init', '0', p]).code, 0);
  assert.is(runCli(['check', '--model', 'etcd', etcd002]).code, 0);
});

test('--out writes results.json and a self-contained report with the timeline and the longest prefix', () => {
  const out = join(dir, 'out');
  const r = runCli(['check', '--out', out, good, bad]);
  assert.is(r.code, 1);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.is(results.valid, false);
  assert.is(results.files.length, 2);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /class="fl-history"/, 'the history explorer');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
  assert.not.match(html, /unsafe-inline/);
  assert.match(html, /Longest linearizable prefix/);
  assert.match(html, /read → 2/);
  assert.not.match(html, /<script src=|<link /, 'no external resources');
});

test('--model list-append --out: results.json with every anomaly, the report draws the cycle, JUnit names it', () => {
  const out = join(dir, 'txn-out');
  const junit = join(dir, 'txn.xml');
  const paper = join(ELLE_CONFORMANCE_DIR, 'list-append/elle-cli-paper-example.json');
  const r = runCli(['check', '--model', 'list-append', '--out', out, '--junit', junit, paper]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stdout, /report: .*report\.html/);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.is(results.valid, false);
  assert.equal(results.files[0].anomalyTypes, ['G-single-item']);
  assert.is(results.files[0].anomalies['G-single-item'][0].steps.length, 3);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<svg[^>]*class="cycle"/, 'the cycle drawn');
  for (const rel of ['rw 255: 5 → 8', 'wr 255: 8', 'ww 256: 4 → 3']) assert.ok(html.includes(rel), `edge ${rel}`);
  assert.match(html, /T3<\/a> read <a[^>]*>T2<\/a>&#39;s append of 8 to key 255/, 'steps as sentences with links');
  assert.match(html, /<td>repeatable-read|consistent-view, repeatable-read/, 'the weakest models ruled out');
  assert.match(readFileSync(junit, 'utf8'), /<failure message="G-single-item \(rules out /);
  // rw-register, an anomaly that is not a cycle: its sentence, with links to the operations it names.
  const g1a = join(ELLE_CONFORMANCE_DIR, 'rw-register/g1a.edn');
  const rw = runCli(['check', '--model', 'rw-register', '--out', join(dir, 'rw-out'), g1a]);
  assert.is(rw.code, 1, rw.stderr);
  const rwHtml = readFileSync(join(dir, 'rw-out', 'report.html'), 'utf8');
  assert.match(rwHtml, /which failed \(<a href="#" data-fl-ops="1" data-fl-names="">op 1<\/a>/);
  assert.match(rwHtml, /<td>read-committed<\/td>/);
});

test('--model list-append --timeout --out: a file whose reading ran out of time is unknown in every output', () => {
  const out = join(dir, 'txn-timeout');
  const junit = join(dir, 'txn-timeout.xml');
  const paper = join(ELLE_CONFORMANCE_DIR, 'list-append/elle-cli-paper-example.json');
  const r = runCli(['check', '--model', 'list-append', '--timeout', '0.0001', '--out', out, '--junit', junit, paper]);
  assert.is(r.code, 2, r.stdout + r.stderr);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.is(results.valid, 'unknown');
  assert.is(results.files.length, 1);
  assert.equal([results.files[0].file, results.files[0].valid], [paper, 'unknown']);
  assert.match(results.files[0].error, /took longer than --timeout allows/);
  assert.match(
    readFileSync(join(out, 'report.html'), 'utf8'),
    /elle-cli-paper-example\.json<\/code><\/td><td>.*took longer/,
  );
  assert.match(readFileSync(junit, 'utf8'), /<error message="reading .*took longer than --timeout allows/);
});

test('bad input: one line naming file and line, exit 3', () => {
  const broken = write(
    'broken.jsonl',
    '{"type":"invoke","process":0,"f":"read"}\n{nope\n{"type":"ok","process":0,"f":"read"}\n',
  );
  oneLineError(runCli(['check', broken]), /broken\.jsonl:2: not valid JSON/);
  const edn = write('broken.edn', '{:process 0 :type :invoke :f :read}\n{:process 0 :f :read}\n');
  oneLineError(runCli(['check', edn]), /broken\.edn:2: op map has no :type/);
  oneLineError(runCli(['check', join(dir, 'missing.jsonl')]), /missing\.jsonl: no such file/);
  // Refused as it is parsed: the flag's choices are listed and the value echoed.
  oneLineError(runCli(['check', '--model', 'nope', good]), /--model: expected one of cas-register, .*, got 'nope'/);
  oneLineError(runCli(['check', '--init', '{bad', good]), /--init must be JSON/);
  oneLineError(runCli(['check', '--format', 'xml', good]), /Invalid values|format/);
  oneLineError(runCli(['check', '--timeout', '-1', good]), /--timeout: expected a number of at least 0, got '-1'/);
  oneLineError(runCli(['check', '--model', 'kv', good]), /kv model knows get, put and append/);
  oneLineError(runCli(['check']), /Not enough non-option arguments|paths/);
  oneLineError(runCli(['frobnicate']), /Unknown argument|command/);
  assert.ok(existsSync(good), 'input files are never touched');
});

test.run();

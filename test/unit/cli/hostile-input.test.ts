// Issue 14 items 5, 6 and 8 as a hostile or unlucky user meets them: special files, symlinks planted in a run
// folder, a crafted results.json, and the error contract (one line naming file and line, exit 3, nothing raw
// from the file on the terminal, never a silent exit 0).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appScript } from '../../../harness/report/client-script.js';
import { uplot } from '../../../harness/report/vendor.js';
import { runCli, type CliResult } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-hostile-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const VALID =
  '{"faultline":"history","version":1,"model":"cas-register"}\n' +
  '{"type":"invoke","process":0,"f":"write","value":1,"time":1}\n' +
  '{"type":"ok","process":0,"f":"write","value":1,"time":2}\n' +
  '{"type":"invoke","process":1,"f":"read","time":3}\n' +
  '{"type":"ok","process":1,"f":"read","value":1,"time":4}\n';
const good = write('good.jsonl', VALID);

function oneLineError(r: CliResult, pattern: RegExp): void {
  assert.is(r.code, 3, `exit code (stdout: ${r.stdout}, stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /\x1b|\n\s+at /, 'no raw escapes, no stack trace');
}

test('item 5: a FIFO, /dev/zero and a folder are refused at once with one line', () => {
  const fifo = join(dir, 'fifo.jsonl');
  execFileSync('mkfifo', [fifo]);
  const t0 = Date.now();
  oneLineError(runCli(['check', fifo], { timeoutMs: 10_000 }), /fifo\.jsonl: is a FIFO, not a regular file/);
  oneLineError(runCli(['check', '/dev/zero'], { timeoutMs: 10_000 }), /\/dev\/zero: is a device, not a regular file/);
  assert.ok(Date.now() - t0 < 10_000);
  mkdirSync(join(dir, 'folder'));
  oneLineError(runCli(['check', join(dir, 'folder')]), /folder: is a folder/);
});

test('item 5: a run folder whose history.jsonl or results.json is a FIFO is refused, not waited on', () => {
  const run = join(dir, 'fiforun');
  mkdirSync(run);
  writeFileSync(join(run, 'test.json'), JSON.stringify(testJson()));
  execFileSync('mkfifo', [join(run, 'history.jsonl')]);
  oneLineError(runCli(['report', run], { timeoutMs: 10_000 }), /history\.jsonl: is a FIFO/);
  oneLineError(runCli(['check', run], { timeoutMs: 10_000 }), /history\.jsonl: is a FIFO/);
});

test('item 5: a line that never ends is refused without reading it whole; a torn last line is still dropped', () => {
  const torn = write('torn.jsonl', `${VALID}{"type":"invoke","proc`);
  const r = runCli(['check', torn]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /warning: line 6: truncated last line dropped/);
  const corrupt = write('corrupt.jsonl', VALID.replace('"write","value":1,"time":2}', '"write","value":1,"time":2]'));
  oneLineError(runCli(['check', corrupt]), /corrupt\.jsonl:3: not valid JSON/);
});

function testJson(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'kv',
    options: { workload: 'register', seed: 1, checkTimeoutS: 10 },
    runtime: 'local',
    startedAt: '2024-01-01T00:00:00Z',
    nodes: [{ name: 'n1', url: 'http://127.0.0.1:1' }],
    versions: { faultline: '0.1.0', node: 'v20' },
    ...over,
  };
}

function runFolder(name: string, results?: unknown): string {
  const run = join(dir, name);
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'test.json'), JSON.stringify(testJson()));
  writeFileSync(join(run, 'history.jsonl'), VALID);
  if (results !== undefined)
    writeFileSync(join(run, 'results.json'), typeof results === 'string' ? results : JSON.stringify(results));
  return run;
}

test('item 6: report.html and results.json that are symlinks are replaced, their targets untouched', () => {
  const run = runFolder('symlinks');
  const victim1 = write('victim1.txt', 'precious 1\n');
  // results.json absent behind a dangling symlink: the re-check writes it, and used to create the link's target.
  const victim2 = join(dir, 'victim2-would-be-created.txt');
  symlinkSync(victim1, join(run, 'report.html'));
  symlinkSync(victim2, join(run, 'results.json'));
  const r = runCli(['report', run]);
  assert.is(r.code, 0, r.stderr);
  assert.is(readFileSync(victim1, 'utf8'), 'precious 1\n');
  assert.not.ok(existsSync(victim2), 'the symlink target was not created');
  assert.ok(!lstatSync(join(run, 'report.html')).isSymbolicLink());
  assert.match(readFileSync(join(run, 'report.html'), 'utf8'), /<html/);
  assert.is(JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')).valid, true);
  // check --out too
  const out = join(dir, 'out');
  mkdirSync(out);
  symlinkSync(victim1, join(out, 'report.html'));
  assert.is(runCli(['check', '--out', out, good]).code, 0);
  assert.is(readFileSync(victim1, 'utf8'), 'precious 1\n');
});

test(
  'item 6: a crafted results.json cannot put markup in the page; ' + 'a malformed one is one line naming the field',
  () => {
    const evil = '<script>alert(1)</script>';
    const results = {
      valid: true,
      checkers: [
        {
          checker: evil,
          valid: true,
          ops: 4,
          ms: 1,
          model: evil,
          error: evil,
          details: { problems: [evil], problemCount: 1 },
        },
        {
          checker: 'stats',
          valid: true,
          ops: 2,
          ms: 0,
          details: { byF: { [evil]: { ok: 1, fail: 0, info: 0 } }, total: { ok: 1, fail: 0, info: 0 } },
        },
        {
          checker: 'linearizable',
          valid: false,
          ops: 2,
          ms: 1,
          model: 'cas-register',
          partitions: 1,
          linearizability: {
            verdict: 'illegal',
            ms: 1,
            partitions: [
              {
                verdict: 'illegal',
                ops: [
                  { clientId: 0, call: 0, ret: 1, input: { f: 'write', value: evil }, output: {} },
                  { clientId: 1, call: 2, ret: null, input: { f: 'read' }, output: { value: evil } },
                ],
                longest: [{ order: [0], states: [evil] }],
                offending: [1],
              },
            ],
          },
        },
      ],
    };
    const run = runFolder('evil', results);
    const r = runCli(['report', run]);
    assert.is(r.code, 0, r.stderr);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    // The page's only scripts are its own (uPlot and the report's); the data block holds no markup at all.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)];
    const ours = new Set([uplot().js, appScript()]);
    for (const [, attrs, text] of scripts) {
      if (/application\/json/.test(attrs)) assert.not.match(text, /</, 'a data block with markup in it');
      else assert.ok(ours.has(text), `unexpected script: ${text.slice(0, 200)}`);
    }
    assert.match(html, /alert\(1\)/, 'the value is there, as data');
    const outside = html.replace(/<script[^>]*>[\s\S]*?<\/script>/gi, '');
    assert.not.match(outside, /<script/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    // A string where a number belongs: refused before rendering, naming file and field.
    const numbers = runFolder('numbers', {
      valid: true,
      checkers: [{ checker: 'x', valid: true, ops: '<img src=x onerror=alert(1)>', ms: 1 }],
    });
    oneLineError(
      runCli(['report', numbers]),
      /numbers\/results\.json: checkers\[0\]\.ops must be a finite number, got "<img/,
    );
    const outOfRange = runFolder('range', {
      valid: false,
      checkers: [
        {
          checker: 'l',
          valid: false,
          ops: 1,
          ms: 1,
          linearizability: { partitions: [{ verdict: 'illegal', ops: [], offending: [3] }] },
        },
      ],
    });
    oneLineError(
      runCli(['report', outOfRange]),
      /results\.json: checkers\[0\]\.linearizability\.partitions\[0\]\.offending\[0\] must be an integer/,
    );
    oneLineError(
      runCli(['report', runFolder('notjson', '{"valid": tru')]),
      /notjson\/results\.json: is not valid JSON/,
    );
    const badTest = runFolder('badtest');
    writeFileSync(join(badTest, 'test.json'), JSON.stringify(testJson({ versions: null })));
    oneLineError(runCli(['report', badTest]), /badtest\/test\.json: versions must be an object, got null/);
  },
);

test('item 8: "--" before the command and a bare "--" never exit 0 silently', () => {
  oneLineError(runCli(['--', 'check', good]), /"--" ends the options/);
  const r = runCli(['--']);
  assert.is(r.code, 3, r.stdout + r.stderr);
});

test('item 8: errors name file and line, strip the BOM, escape terminal control characters', () => {
  oneLineError(
    runCli(['check', write('bom.jsonl', '\ufeff{"type":"invoke","process":0,"f":"read"}\n{bad\n')]),
    /^faultline: .*bom\.jsonl:2: not valid JSON: \{bad$/,
  );
  const bomOk = write('bomok.jsonl', `\ufeff${VALID}`);
  assert.is(runCli(['check', bomOk]).code, 0, 'a BOM before a valid history is ignored');
  const esc = write(
    'esc.jsonl',
    '{"type":"invoke","process":0,"f":"read"}\n{"type":"\\u001b]0;pwned\\u0007\\u001b[2J","process":0,"f":"read"}\n',
  );
  const r = runCli(['check', esc]);
  oneLineError(r, /esc\.jsonl:2: "type" must be invoke, ok, fail or info, got "\\u001b\]0;pwned/);
  const raw = write('raw.jsonl', '{"type":"invoke","process":0,"f":"read"}\n\x1b[31m{broken\n');
  oneLineError(runCli(['check', raw]), /raw\.jsonl:2: not valid JSON: \\x1b\[31m\{broken/);
  const deep = write(
    'deep.edn',
    '{:process 0 :type :invoke :f :write :value 1}\n{:process 0 :type :ok :f :write :value ' +
      '['.repeat(20_000) +
      ']'.repeat(20_000) +
      '}\n',
  );
  oneLineError(runCli(['check', deep]), /deep\.edn:2: EDN: value nested deeper than 500 levels/);
  const hm = write(
    'model.jsonl',
    '{"faultline":"history","version":1,"model":"nope"}\n{"type":"invoke","process":0,"f":"read"}\n',
  );
  oneLineError(runCli(['check', hm]), /model\.jsonl:1: the header names model "nope", which is unknown/);
  const cas = write(
    'cas.jsonl',
    '{"type":"invoke","process":0,"f":"write","value":1}\n' +
      '{"type":"ok","process":0,"f":"write","value":1}\n' +
      '{"type":"invoke","process":0,"f":"cas","value":3}\n',
  );
  oneLineError(runCli(['check', cas]), /cas\.jsonl:3: cas value must be a pair/);
  // Values with escapes in a verdict line are escaped too.
  const inv = write(
    'inv.jsonl',
    '{"type":"invoke","process":0,"f":"write","value":"a"}\n' +
      '{"type":"ok","process":0,"f":"write","value":"a"}\n' +
      '{"type":"invoke","process":1,"f":"read"}\n' +
      '{"type":"ok","process":1,"f":"read","value":"\\u001b[2J"}\n',
  );
  const v = runCli(['check', inv]);
  assert.is(v.code, 1);
  assert.not.match(v.stdout, /\x1b/);
});

test('item 8: --format xml gives the useful part on one line', () => {
  oneLineError(runCli(['check', '--format', 'xml', good]), /--format: expected one of jsonl, .*, got 'xml'/);
});

test.run();

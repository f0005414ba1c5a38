// Issue 22 item 2: values compare exactly as written. Each case was called valid (or passed off as undecided) before:
// invalid UTF-8 was replaced by U+FFFD, numbers beyond a double became Infinity or 0, EDN tags were dropped,
// Porcupine etcd logs with integers past 2^53 were refused, --init went through JSON.parse, and an error inside a
// checker was reported as UNKNOWN. Histories are written as bytes and checked through the path `check` takes.
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHistory } from '../../../harness/check/check-history.js';
import { compose } from '../../../harness/check/pipeline.js';
import { checkTxn } from '../../../harness/checker/txn/check.js';
import { oneLine } from '../../../harness/commands/errors.js';
import { showValue } from '../../../harness/history/show.js';
import { parseHistory } from '../../../harness/history/readers/index.js';
import { ednValue } from '../../../harness/history/readers/write.js';
import { runCli } from '../../helpers/cli.js';
import { ednRegister, jsonlRegister } from '../../helpers/register.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-exact-'));
let n = 0;
function file(ext: string, bytes: Buffer | string): string {
  const p = join(dir, `h${n++}.${ext}`);
  writeFileSync(p, bytes);
  return p;
}

/** The verdict `check` gives a file, or its one-line error. */
async function verdict(path: string, opts: { model?: string; init?: unknown } = {}): Promise<boolean | string> {
  try {
    const c = await checkHistory(path, opts);
    return c.valid === 'unknown' ? 'unknown' : c.valid;
  } catch (e) {
    return oneLine(e);
  }
}

const jsonl = jsonlRegister;
const edn = ednRegister;
const json = (w: string, r: string): string => `[${jsonl(w, r).trim().split('\n').join(',\n')}]\n`;

/** A history whose write and read are strings holding the given bytes. */
function withBytes(shape: (w: string, r: string) => string, w: Buffer, r: Buffer): Buffer {
  const parts = shape('"\u0001"', '"\u0002"').split(/(\u0001|\u0002)/);
  return Buffer.concat(parts.map((p) => (p === '\u0001' ? w : p === '\u0002' ? r : Buffer.from(p))));
}

test('invalid UTF-8 is an error naming its line in every format, never read as U+FFFD', async () => {
  const ff = Buffer.from([0x61, 0xff]);
  const fe = Buffer.from([0x61, 0xfe]);
  for (const [ext, shape, line] of [
    ['jsonl', jsonl, 1],
    ['edn', edn, 1],
    ['json', json, 1],
  ] as const) {
    const v = await verdict(file(ext, withBytes(shape, ff, fe)));
    assert.type(v, 'string', `${ext}: ${v}`);
    assert.match(v as string, new RegExp(`\\.${ext}:${line}: invalid UTF-8 \\(byte 0xff\\)`), ext);
  }
  // On a later line, in the middle of a chunk, and a sequence cut short at the end of the file.
  const later = Buffer.concat([
    Buffer.from(jsonl('1', '1')),
    Buffer.from('{"type":"invoke","process":2,"f":"r'),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('"}\n'),
  ]);
  assert.match(String(await verdict(file('jsonl', later))), /:5: invalid UTF-8 \(byte 0xc3\)/);
  const etcd = Buffer.concat([
    Buffer.from('INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t:'),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from('\n'),
  ]);
  assert.match(String(await verdict(file('log', etcd))), /:2: invalid UTF-8 \(byte 0xed\)/);
  const cut = Buffer.concat([Buffer.from(edn('"a"', '"a"')), Buffer.from([0xe2, 0x82])]);
  assert.match(String(await verdict(file('edn', cut))), /:5: invalid UTF-8/);
  // Valid multi-byte text still reads, and compares exactly.
  assert.is(await verdict(file('edn', edn('"ü€𝄞"', '"ü€𝄞"'))), true);
  assert.is(await verdict(file('edn', edn('"ü€𝄞"', '"ü€𝄠"'))), false);
});

test('numbers beyond a double are refused with their line, never read as Infinity or 0', async () => {
  for (const [ext, shape] of [
    ['jsonl', jsonl],
    ['edn', edn],
    ['json', json],
  ] as const) {
    assert.match(
      String(await verdict(file(ext, shape('1e400', '2e999')))),
      /:1: (EDN: )?number 1e400 is beyond the range/,
    );
    assert.match(
      String(await verdict(file(ext, shape('1', '-2e999')))),
      /:4: (EDN: )?number -2e999 is beyond the range/,
    );
    assert.match(String(await verdict(file(ext, shape('1e-400', '2e-400')))), /:1: (EDN: )?number 1e-400 is too small/);
    // In range they read as doubles, exactly as before.
    assert.is(await verdict(file(ext, shape('1.5e300', '1.5e300'))), true);
    assert.is(await verdict(file(ext, shape('0.0', '0e-999'))), true);
  }
  // A BigDecimal is exact: two that one double cannot tell apart are refused, one it holds reads.
  const big = edn('0.10000000000000000001M', '0.10000000000000000002M');
  assert.match(
    String(await verdict(file('edn', big))),
    /:1: EDN: number 0\.10000000000000000001M has more digits than a double/,
  );
  assert.is(await verdict(file('edn', edn('1.50M', '1.5'))), true);
});

test('EDN tags and keywords stay: #inst "x" is not #uuid "x" nor "x", :x is not "x" (checks, messages)', async () => {
  assert.is(await verdict(file('edn', edn('#inst "2024"', '#uuid "2024"'))), false);
  assert.is(await verdict(file('edn', edn('#inst "2024"', '"2024"'))), false);
  assert.is(await verdict(file('edn', edn('#inst "2024"', '#inst "2024"'))), true);
  assert.is(await verdict(file('edn', edn('#my/rec {:a 1}', '#my/rec {:a 1}'))), true);
  assert.is(await verdict(file('edn', edn('#my/rec {:a 1}', '#my/other {:a 1}'))), false);
  // Likewise a keyword is not the string of its name (Clojure: (= :x "x") is false).
  assert.is(await verdict(file('edn', edn(':x', '"x"'))), false);
  assert.is(await verdict(file('edn', edn(':x', ':x'))), true);
  const c = await checkHistory(file('edn', edn('#inst "2024"', '#uuid "2024"')));
  assert.match(c.firstOffending ?? '', /#uuid "2024"/);
  // Shown, and written back to EDN, with the tag.
  const h = parseHistory('{:process 0 :type :ok :f :read :value [#inst "2024" 1]}');
  assert.is(showValue(h.events[0].value), '[#inst "2024",1]');
  assert.is(ednValue(h.events[0].value), '[#inst "2024" 1]');
  // Transactions: keys that differ only in their tag are different keys.
  const txn = parseHistory(
    '{:process 0 :type :invoke :f :txn :value [[:append #k "a" 1]]}\n' +
      '{:process 0 :type :ok :f :txn :value [[:append #k "a" 1]]}\n' +
      '{:process 1 :type :invoke :f :txn :value [[:r #j "a" nil]]}\n' +
      '{:process 1 :type :ok :f :txn :value [[:r #j "a" [1]]]}\n',
  );
  const r = checkTxn(txn.events, 'list-append');
  assert.is(r.stats.keys, 2);
});

test('Porcupine etcd logs: integers past 2^53 are compared exactly (they were refused)', async () => {
  const log = (w: string, r: string): string =>
    `INFO  jepsen.util - 0\t:invoke\t:write\t${w}\nINFO  jepsen.util - 0\t:ok\t:write\t${w}\n` +
    `INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t${r}\n` +
    `INFO  jepsen.util - 2\t:invoke\t:cas\t[${w} 12345678901234567890]\n` +
    'INFO  jepsen.util - 2\t:ok\t:cas\t[1 2]\n';
  assert.is(await verdict(file('log', log('9007199254740993', '9007199254740993'))), true);
  assert.is(await verdict(file('log', log('9007199254740993', '9007199254740992'))), false);
});

test('--init goes through the history reader: exact integers, bounded nesting, errors with their reason', () => {
  const p = file(
    'edn',
    '{:process 0 :type :invoke :f :read :value nil}\n{:process 0 :type :ok :f :read :value 9007199254740993}\n',
  );
  // JSON.parse read --init 9007199254740993 as 9007199254740992, so the history was called invalid.
  assert.is(runCli(['check', '--init', '9007199254740993', p]).code, 0);
  assert.is(runCli(['check', '--init', '9007199254740992', p]).code, 1);
  // A 5,000-deep --init overflowed the stack inside the checker and was reported as UNKNOWN ("gave up").
  const deep = runCli(['check', '--init', `${'['.repeat(5000)}${']'.repeat(5000)}`, p]);
  assert.is(deep.code, 3, deep.stdout + deep.stderr);
  assert.match(
    deep.stderr.trim(),
    /^faultline: --init must be JSON \(e\.g\. 0, "a", null\): value nested deeper than 500/,
  );
  assert.not.match(deep.stdout, /UNKNOWN|gave up/);
});

test('an error inside a checker is an error with its message when checking a file, never an undecided verdict', () => {
  const broken = {
    name: 'broken',
    check: (): never => {
      throw new RangeError('Maximum call stack size exceeded');
    },
  };
  assert.throws(() => compose('all', [broken], { badInputThrows: true }).check([]), /call stack/);
  // A run still records it as undecided, with the reason (the run's history is worth keeping).
  assert.is(compose('all', [broken]).check([]).valid, 'unknown');
});

test.run();

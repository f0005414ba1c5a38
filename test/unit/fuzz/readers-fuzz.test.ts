// Issue 14 item 9 (readers): a seeded, bounded fuzz of every history reader through the same path
// `faultline check` takes. Each reader gets FUZZ_N (default 200) mutated copies of known histories (bytes
// flipped, ranges cut or doubled, lines swapped, truncation, hostile tokens: deep nesting, huge integers, NaN,
// escapes, a BOM, NUL). Every case must end in a verdict or a clean error: no crash (TypeError, RangeError, ...),
// an exit code in 0..3, an error of exactly one line with no raw control characters, under 10 s. The unmutated
// inputs must keep their known verdicts. A sample of cases also goes through the real CLI process.
// FUZZ_N=5000 FUZZ_SEED=7 node dist/test/unit/fuzz/readers-fuzz.test.js   for a soak.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHistory } from '../../../harness/check/check-history.js';
import { exitCodeFor } from '../../../harness/checker/results.js';
import { oneLine } from '../../../harness/commands/errors.js';
import { Random } from '../../../harness/generator/random.js';
import type { FormatName } from '../../../harness/history/readers/index.js';
import { CLI, CONFORMANCE_DIR } from '../../helpers/paths.js';

const N = Number(process.env.FUZZ_N ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 14);
const CLI_SAMPLE = Number(process.env.FUZZ_CLI_SAMPLE ?? 5);
const CASE_LIMIT_MS = 10_000;
const dir = mkdtempSync(join(tmpdir(), 'fl-fuzz-'));

// The CLI's process-wide BigInt-as-text rule (harness/cli.ts), so in-process runs print values as it does.
(BigInt.prototype as unknown as { toJSON: () => string }).toJSON = function (this: bigint) {
  return this.toString();
};

interface Base {
  name: string;
  text: string;
  format?: FormatName;
  expect: 0 | 1;
}

const JSONL_OK =
  '{"faultline":"history","version":1,"model":"cas-register"}\n' +
  [
    '{"type":"invoke","process":0,"f":"write","value":1,"time":1}',
    '{"type":"invoke","process":1,"f":"read","time":2}',
    '{"type":"ok","process":0,"f":"write","value":1,"time":3}',
    '{"type":"ok","process":1,"f":"read","value":1,"time":4}',
    '{"type":"invoke","process":2,"f":"cas","value":[1,9007199254740993],"time":5}',
    '{"type":"ok","process":2,"f":"cas","value":[1,9007199254740993],"time":6}',
    '{"type":"invoke","process":"nemesis","f":"start-partition","value":{"n1":["n2"]},"time":7}',
    '{"type":"info","process":"nemesis","f":"start-partition","time":8}',
    '{"type":"invoke","process":0,"f":"read","time":9}',
    '{"type":"ok","process":0,"f":"read","value":9007199254740993,"time":10}',
    '{"type":"invoke","process":1,"f":"write","value":[1,{"a":"b"}],"time":11}',
    '{"type":"info","process":1,"f":"write","value":[1,{"a":"b"}],"time":12}',
  ].join('\n') +
  '\n';
const JSONL_BAD = JSONL_OK.replace('"value":9007199254740993,"time":10', '"value":9007199254740992,"time":10');
const EDN_OK =
  '[{:process 0 :type :invoke :f :write :value 0/0}\n' +
  ' {:process 0 :type :ok :f :write :value ##NaN}\n' +
  '{:process 1, :type :invoke, :f :read, :value nil}\n' +
  '{:process 1 :type :ok :f :read :value 0/0 :time 5}\n' +
  '{:process :nemesis :type :info :f :start :value #{1 2}}\n' +
  '{:process 2 :type :invoke :f :cas :value [##NaN 12345678901234567890N]}\n' +
  '{:process 2 :type :ok :f :cas :value [##NaN 12345678901234567890N]}\n' +
  '{:process 3 :type :invoke :f :write :value #jepsen.independent.Tuple{:key 1 :value "x"}}]\n';
const EDN_BAD = EDN_OK.replace(':value 0/0 :time 5', ':value 1 :time 5');
const conf = (p: string): string => readFileSync(join(CONFORMANCE_DIR, p), 'utf8');

const READERS: Record<string, Base[]> = {
  jsonl: [
    { name: 'ok.jsonl', text: JSONL_OK, expect: 0 },
    { name: 'bad.jsonl', text: JSONL_BAD, expect: 1 },
  ],
  edn: [
    { name: 'ok.edn', text: EDN_OK, expect: 0 },
    { name: 'bad.edn', text: EDN_BAD, expect: 1 },
  ],
  'porcupine-etcd': [{ name: 'etcd_002.log', text: conf('test_data/jepsen/etcd_002.log'), expect: 0 }],
  'porcupine-kv': [
    { name: 'c01-ok.txt', text: conf('test_data/kv/c01-ok.txt'), expect: 0 },
    { name: 'c01-bad.txt', text: conf('test_data/kv/c01-bad.txt'), expect: 1 },
  ],
};

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  '"',
  ':',
  ',',
  '\n',
  '\r\n',
  'nil',
  'null',
  '##NaN',
  '##Inf',
  '0/0',
  '1/0',
  '-0',
  '1e999',
  '9007199254740993',
  '-99999999999999999999999',
  '123456789012345678901234567890N',
  '0x1F',
  '\u0000',
  '\x1b[2J',
  '\x1b]0;t\x07',
  '\u202e',
  '\ufeff',
  '#_',
  '#inst "2020"',
  '#{',
  '\\',
  '\\u00',
  ':invoke',
  ':ok',
  ':info',
  ':fail',
  ':nemesis',
  '"type":"ok"',
  '"process":-1',
  '"process":1e400',
  '"time":"x"',
  '"value":[1,2,3]',
  '{"faultline":"history","version":2}',
  '{"faultline":"history","version":1,"model":"kv"}',
  '{"type":"invoke","process":0,"f":"cas","value":3}',
  '{:process 0 :type :ok :f :cas :value 7}',
  'INFO  jepsen.util - 3\t:ok\t:read\t[1 2]',
  'INFO  jepsen.util - 99999999999999999999 :invoke :read nil',
  '['.repeat(600),
  '{"a":'.repeat(600),
  ' '.repeat(5000),
  '9'.repeat(5000),
];

/** Uniform integer in [0, n). */
const ri = (r: Random, n: number): number => r.int(0, n);

function mutate(text: string, r: Random): string {
  let s = text;
  const rounds = 1 + ri(r, 3);
  for (let k = 0; k < rounds; k++) {
    const at = s.length ? ri(r, s.length) : 0;
    switch (ri(r, 8)) {
      case 0: {
        // flip one bit of one byte
        const b = Buffer.from(s, 'utf8');
        if (b.length) b[ri(r, b.length)] ^= 1 << ri(r, 8);
        s = b.toString('utf8');
        break;
      }
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + ri(r, 40));
        break;
      case 2: {
        const len = 1 + ri(r, 80);
        s = s.slice(0, at + len) + s.slice(at, at + len) + s.slice(at + len);
        break;
      }
      case 3:
      case 4:
        s = s.slice(0, at) + TOKENS[ri(r, TOKENS.length)] + s.slice(at);
        break;
      case 5:
        s = s.slice(0, at);
        break;
      case 6: {
        const lines = s.split('\n');
        const i = ri(r, lines.length),
          j = ri(r, lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        s = lines.join('\n');
        break;
      }
      default:
        s = s.replace(/\d+/g, (m) => (ri(r, 6) === 0 ? `${m}${ri(r, 10)}99999999999999999` : m));
    }
  }
  return s;
}

interface Outcome {
  code: number;
  line?: string;
  ms: number;
  crash?: string;
}

async function checkLikeCli(path: string, format?: FormatName): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const c = await checkHistory(path, { format, timeoutMs: CASE_LIMIT_MS });
    return { code: exitCodeFor(c.valid), ms: performance.now() - t0 };
  } catch (err) {
    const crash =
      err instanceof TypeError ||
      err instanceof RangeError ||
      err instanceof ReferenceError ||
      err instanceof SyntaxError
        ? `${(err as Error).name}: ${(err as Error).message}`
        : undefined;
    return { code: 3, line: oneLine(err), ms: performance.now() - t0, crash };
  }
}

function assertClean(o: Outcome, what: string): void {
  assert.ok(o.crash === undefined, `${what}: crashed: ${o.crash}`);
  assert.ok([0, 1, 2, 3].includes(o.code), `${what}: exit code ${o.code}`);
  assert.ok(o.ms < CASE_LIMIT_MS, `${what}: took ${o.ms.toFixed(0)} ms`);
  if (o.code === 3) {
    assert.ok(
      o.line && o.line.length > 0 && !o.line.includes('\n'),
      `${what}: not one line: ${JSON.stringify(o.line)}`,
    );
    assert.not.match(
      o.line!,
      /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e]/,
      `${what}: raw control characters: ${JSON.stringify(o.line)}`,
    );
  }
}

const totals: Record<string, Record<number, number>> = {};

for (const [reader, bases] of Object.entries(READERS)) {
  const format = reader === 'jsonl' || reader === 'edn' ? undefined : (reader as FormatName);
  test(`${reader}: unmutated inputs keep their verdicts`, async () => {
    for (const b of bases) {
      const p = join(dir, b.name);
      writeFileSync(p, b.text);
      const o = await checkLikeCli(p, format);
      assert.is(o.code, b.expect, `${b.name}: ${o.line ?? ''}`);
    }
  });

  test(`${reader}: ${N} seeded mutants: no crash, exit 0..3, one-line errors, under 10 s`, async () => {
    const r = new Random(SEED + reader.length * 7919);
    const counts: Record<number, number> = { 0: 0, 1: 0, 2: 0, 3: 0 };
    for (let i = 0; i < N; i++) {
      const base = bases[i % bases.length];
      const p = join(dir, `m-${reader}-${i}`);
      const text = mutate(base.text, r);
      writeFileSync(p, text);
      const o = await checkLikeCli(p, format);
      assertClean(o, `${reader} case ${i} (seed ${SEED}; input kept in ${p})`);
      counts[o.code]++;
      rmSync(p);
    }
    totals[reader] = counts;
  });

  test(`${reader}: a sample of mutants through the CLI process`, () => {
    const r = new Random(SEED * 31 + reader.length);
    for (let i = 0; i < CLI_SAMPLE; i++) {
      const p = join(dir, `cli-${reader}-${i}`);
      writeFileSync(p, mutate(bases[i % bases.length].text, r));
      const res = spawnSync(process.execPath, [CLI, 'check', ...(format ? ['--format', format] : []), p], {
        encoding: 'utf8',
        timeout: CASE_LIMIT_MS,
      });
      assert.ok(res.status !== null, `${p}: killed after ${CASE_LIMIT_MS} ms (${res.signal})`);
      assert.ok([0, 1, 2, 3].includes(res.status!), `${p}: exit ${res.status}`);
      if (res.status === 3) {
        assert.is(res.stderr.trim().split('\n').length, 1, res.stderr);
        assert.not.match(res.stderr, /\n\s+at |\x1b/);
      }
    }
    for (const b of bases) {
      const res = spawnSync(
        process.execPath,
        [CLI, 'check', ...(format ? ['--format', format] : []), join(dir, b.name)],
        { encoding: 'utf8', timeout: CASE_LIMIT_MS },
      );
      assert.is(res.status, b.expect, res.stderr);
    }
  });
}

test.after(() => {
  console.log(
    `  fuzz (seed ${SEED}, ${N} per reader): ${Object.entries(totals)
      .map(([k, c]) => `${k} exit0=${c[0]} exit1=${c[1]} exit2=${c[2]} exit3=${c[3]}`)
      .join('; ')}; failures: none`,
  );
  rmSync(dir, { recursive: true, force: true });
});
test.run();

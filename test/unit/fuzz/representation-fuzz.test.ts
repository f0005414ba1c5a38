// Issue 22 item 8 (values): a seeded fuzz of values that differ only in representation, the class that made wrong
// histories look valid. Each case writes one value and reads another through a register history, in every format
// that can hold the pair, and checks it the way `faultline check` does:
//   - distinct values (invalid UTF-8 bytes that a lenient decoder turns into the same U+FFFD, numbers beyond a
//     double that round to the same Infinity or 0, integers past 2^53 that round to the same double, BigDecimals
//     with more digits than a double, EDN tags on the same inner value, a keyword and a string of its name) must
//     never be called valid: the verdict is INVALID, or the history is refused with a one-line error naming its
//     line;
//   - the same value written and read (the control) is valid, or refused with its line when the value itself
//     cannot be read exactly.
// FUZZ_N (default 40) cases per class and format; FUZZ_SEED picks the seed. The counts are printed at the end.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHistory } from '../../../harness/check/check-history.js';
import { oneLine } from '../../../harness/commands/errors.js';
import { Random } from '../../../harness/generator/random.js';

const N = Number(process.env.FUZZ_N ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 22);
const dir = mkdtempSync(join(tmpdir(), 'fl-repr-'));
const ri = (r: Random, n: number): number => r.int(0, n);
const pick = <T>(r: Random, xs: readonly T[]): T => xs[ri(r, xs.length)];

type Format = 'jsonl' | 'edn' | 'json' | 'etcd';
/** A value as bytes in a format's syntax. */
type Literal = Buffer;

/** A register history (write a, read b) as bytes; etcd is Porcupine's Jepsen log with integer values. */
function history(format: Format, a: Literal, b: Literal): Buffer {
  const B = (s: string) => Buffer.from(s);
  switch (format) {
    case 'jsonl':
    case 'json': {
      const lines = [
        [B('{"type":"invoke","process":0,"f":"write","value":'), a, B('}')],
        [B('{"type":"ok","process":0,"f":"write","value":'), a, B('}')],
        [B('{"type":"invoke","process":1,"f":"read"}')],
        [B('{"type":"ok","process":1,"f":"read","value":'), b, B('}')],
      ].map((l) => Buffer.concat(l));
      if (format === 'jsonl') return Buffer.concat(lines.flatMap((l) => [l, B('\n')]));
      return Buffer.concat([B('['), ...lines.flatMap((l, i) => [l, B(i < 3 ? ',\n' : ']\n')])]);
    }
    case 'edn':
      return Buffer.concat([
        B('{:process 0 :type :invoke :f :write :value '),
        a,
        B('}\n{:process 0 :type :ok :f :write :value '),
        a,
        B('}\n{:process 1 :type :invoke :f :read :value nil}\n{:process 1 :type :ok :f :read :value '),
        b,
        B('}\n'),
      ]);
    case 'etcd':
      return Buffer.concat([
        B('INFO  jepsen.util - 0\t:invoke\t:write\t'),
        a,
        B('\nINFO  jepsen.util - 0\t:ok\t:write\t'),
        a,
        B('\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t'),
        b,
        B('\n'),
      ]);
  }
}

// Byte sequences that are not UTF-8: lone continuations, bad leads, overlong forms, surrogates, beyond U+10FFFF,
// and sequences cut short by the closing quote.
const INVALID: number[][] = [
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf0, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
  [0xc3],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
];
const TEXT = ['', 'a', 'ü', '€', '𝄞', 'key-7', '"'];

function invalidString(r: Random): Literal {
  const pre = pick(r, TEXT).replace('"', '\\"');
  return Buffer.concat([Buffer.from(`"${pre}`), Buffer.from(pick(r, INVALID)), Buffer.from('"')]);
}

function hugeNumber(r: Random): string {
  const mant = `${1 + ri(r, 9)}${ri(r, 2) ? `.${ri(r, 1000)}` : ''}`;
  const exp = ri(r, 2) ? 309 + ri(r, 3000) : -(324 + ri(r, 3000));
  return `${ri(r, 2) ? '-' : ''}${mant}e${exp}`;
}

function bigInteger(r: Random): bigint {
  return 2n ** 53n + BigInt(ri(r, 2 ** 30)) * BigInt(1 + ri(r, 2 ** 20));
}

const TAGS = ['inst', 'uuid', 'my/tag', 'jepsen.history.Op', 'a.b/c'];

interface Class {
  name: string;
  formats: Format[];
  /** A pair of distinct values' literals in `format`, and whether each may be refused rather than read. */
  pair(r: Random, format: Format): { a: Literal; b: Literal; refusable: boolean };
}

const CLASSES: Class[] = [
  {
    name: 'invalid UTF-8',
    formats: ['jsonl', 'edn', 'json'],
    pair: (r) => {
      const a = invalidString(r);
      let b = invalidString(r);
      while (b.equals(a)) b = invalidString(r);
      return { a, b, refusable: true };
    },
  },
  {
    name: 'numbers beyond a double',
    formats: ['jsonl', 'edn', 'json'],
    pair: (r) => {
      const a = hugeNumber(r);
      let b = hugeNumber(r);
      while (b === a) b = hugeNumber(r);
      return { a: Buffer.from(a), b: Buffer.from(b), refusable: true };
    },
  },
  {
    name: 'integers past 2^53',
    formats: ['jsonl', 'edn', 'json', 'etcd'],
    pair: (r, format) => {
      const a = bigInteger(r);
      const b = a + BigInt(ri(r, 2) ? 1 : -1) * BigInt(1 + ri(r, 3));
      const n = format === 'edn' && ri(r, 2) ? 'N' : '';
      return { a: Buffer.from(`${a}${n}`), b: Buffer.from(`${b}`), refusable: false };
    },
  },
  {
    name: 'BigDecimals beyond a double',
    formats: ['edn'],
    pair: (r) => {
      const digits = Array.from({ length: 18 + ri(r, 10) }, () => ri(r, 10)).join('');
      const a = `0.1${digits}1M`;
      const b = `0.1${digits}2M`;
      return { a: Buffer.from(a), b: Buffer.from(b), refusable: true };
    },
  },
  {
    name: 'EDN tags and keywords',
    formats: ['edn'],
    pair: (r) => {
      const inner = pick(r, ['"x"', '"2024-01-01T00:00:00Z"', '1', '[1 2]', '{:a 1}']);
      const t1 = pick(r, TAGS);
      let t2 = pick(r, TAGS);
      while (t2 === t1) t2 = pick(r, TAGS);
      const kinds: [string, string][] = [
        [`#${t1} ${inner}`, `#${t2} ${inner}`],
        [`#${t1} ${inner}`, inner],
        [`[#${t1} ${inner}]`, `[#${t2} ${inner}]`],
        [`:${t1.replace('/', '-')}`, `"${t1.replace('/', '-')}"`],
      ];
      const [a, b] = pick(r, kinds);
      return { a: Buffer.from(a), b: Buffer.from(b), refusable: false };
    },
  },
];

interface Outcome {
  code: 0 | 1 | 2 | 3;
  error?: string;
}

async function check(bytes: Buffer, format: Format, i: number): Promise<Outcome> {
  const p = join(dir, `c${i}.${format === 'etcd' ? 'log' : format}`);
  writeFileSync(p, bytes);
  try {
    const c = await checkHistory(p, { model: format === 'etcd' ? 'etcd' : 'cas-register' });
    return { code: c.valid === true ? 0 : c.valid === false ? 1 : 2 };
  } catch (e) {
    return { code: 3, error: oneLine(e) };
  } finally {
    rmSync(p);
  }
}

/** A refusal must be one line naming the file and the line of the value. */
function assertRefusal(o: Outcome, what: string): void {
  assert.ok(o.error && !o.error.includes('\n'), `${what}: not one line: ${o.error}`);
  assert.match(o.error!, /\.(jsonl|edn|json|log):\d+: /, `${what}: no line number: ${o.error}`);
}

const counts: Record<string, { cases: number; invalid: number; refused: number; controls: number }> = {};

for (const cls of CLASSES) {
  test(`${cls.name}: ${N} seeded pairs per format are never called valid; the same value read back is`, async () => {
    const r = new Random(SEED * 101 + cls.name.length);
    const c = { cases: 0, invalid: 0, refused: 0, controls: 0 };
    for (const format of cls.formats) {
      for (let i = 0; i < N; i++) {
        const { a, b, refusable } = cls.pair(r, format);
        const what =
          `${cls.name}, ${format}, case ${i} (seed ${SEED}): ` +
          `wrote ${a.toString('latin1')}, read ${b.toString('latin1')}`;
        const o = await check(history(format, a, b), format, i);
        assert.ok(o.code === 1 || o.code === 3, `${what}: exit ${o.code} ${o.error ?? ''}`);
        if (o.code === 3) {
          assert.ok(refusable, `${what}: refused, but both values can be read exactly: ${o.error}`);
          assertRefusal(o, what);
          c.refused++;
        } else c.invalid++;
        const same = await check(history(format, a, a), format, i);
        if (refusable && same.code === 3) assertRefusal(same, `${what} (control)`);
        else assert.is(same.code, 0, `${what} (control, the same value read back): ${same.error ?? ''}`);
        c.controls++;
        c.cases++;
      }
    }
    counts[cls.name] = c;
  });
}

test('counts', () => {
  for (const [name, c] of Object.entries(counts))
    console.log(
      `  ${name}: ${c.cases} pairs (${c.invalid} INVALID, ${c.refused} refused with their line, 0 valid); ` +
        `${c.controls} controls`,
    );
  assert.ok(Object.keys(counts).length === CLASSES.length);
});

test.run();

// The WAL's checksum moved from our own table-driven CRC-32 to zlib.crc32 (Node >= 20.15): the on-disk format
// must not change, so a node upgraded in place still opens the log it wrote before. Two checks: zlib's CRC
// agrees with the byte-at-a-time definition (kept here as the oracle) on fixed and random inputs, and a log
// written by the old code (3eb24cb, verbatim below) opens with every record.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DiskStorage } from '../../../system/node/storage.js';
import { crc32Hex, parseRecord } from '../../../system/node/wal.js';
import { Random } from '../../../harness/generator/random.js';

/** CRC-32 by its definition (reflected polynomial 0xedb88320, one byte per step): the code the WAL used to run. */
const TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function oracleHex(s: string): string {
  const buf = Buffer.from(s, 'utf8');
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

test('the standard check values', () => {
  assert.is(crc32Hex('123456789'), 'cbf43926');
  assert.is(crc32Hex(''), '00000000');
  assert.is(crc32Hex('The quick brown fox jumps over the lazy dog'), '414fa339');
});

test('zlib.crc32 agrees with the byte-at-a-time CRC on UTF-8 text of every kind and length', () => {
  const fixed = ['a', 'héllo wörld ✓ 日本 🚀', '\u0000\n\r\t', 'lone \ud800 surrogate', 'x'.repeat(70_000)];
  for (const s of fixed) assert.is(crc32Hex(s), oracleHex(s), JSON.stringify(s.slice(0, 40)));
  const rnd = new Random(20_150);
  // Code points from every UTF-8 length class: 1 byte (ASCII), 2, 3 (including the surrogate range) and 4.
  const ranges = [0x80, 0x800, 0x10000, 0x110000];
  for (let n = 0; n < 2000; n++) {
    const len = rnd.int(0, n < 1000 ? 64 : 4096);
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCodePoint(rnd.int(0, rnd.pick(ranges)));
    assert.is(crc32Hex(s), oracleHex(s), `random string ${n} of ${len} code points`);
  }
});

// Written by the WAL at 3eb24cb (table-driven CRC-32): two hard states and three entries of group 0, one with
// multi-byte UTF-8 and one of 300 bytes, exactly as they were on disk.
const OLD_SEGMENT = [
  '7a77cc65 {"g":"0","hs":{"term":1,"vote":"a","commit":0}}',
  'b7654d00 {"g":"0","e":{"index":1,"term":1,"type":"normal",' +
    '"data":"{\\"op\\":\\"put\\",\\"k\\":\\"x\\",\\"v\\":\\"1\\"}"}}',
  '6ae95695 {"g":"0","e":{"index":2,"term":1,"type":"normal","data":"héllo wörld ✓ 日本 🚀"}}',
  '5d63c421 {"g":"0","hs":{"term":2,"vote":"b","commit":2}}',
  `48f1190e {"g":"0","e":{"index":3,"term":2,"type":"normal","data":"${'x'.repeat(300)}"}}`,
];

test('every record of a segment written by the old code parses', () => {
  for (const line of OLD_SEGMENT) assert.type(parseRecord(line), 'object', line.slice(0, 40));
  const flipped = `7a77cc64${OLD_SEGMENT[0].slice(8)}`;
  assert.is(parseRecord(flipped), 'checksum mismatch');
});

test('a log written by the old code opens with its hard state and every entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-oldwal-'));
  mkdirSync(join(dir, 'wal'));
  writeFileSync(join(dir, 'wal', '00000001.log'), `${OLD_SEGMENT.join('\n')}\n`);
  const s = DiskStorage.open(dir, { fsync: true, peers: ['a', 'b', 'c'] });
  try {
    assert.equal(s.warnings, []);
    assert.equal(s.initialState().hardState, { term: 2, vote: 'b', commit: 2 });
    assert.equal(
      s.entries(1, 4).map((e) => [e.index, e.term, e.data]),
      [
        [1, 1, '{"op":"put","k":"x","v":"1"}'],
        [2, 1, 'héllo wörld ✓ 日本 🚀'],
        [3, 2, 'x'.repeat(300)],
      ],
    );
  } finally {
    s.close();
  }
});

test.run();

// The peer transport's line splitter: lines across chunk boundaries, a bound on line length, and linear work
// (issue 14, item 2: a 200 MiB frame without a newline was buffered whole, with quadratic work).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineSplitter, LineTooLong } from '../../../system/node/line-splitter.js';

const collect = (sp: LineSplitter, chunks: string[]): string[] => {
  const out: string[] = [];
  for (const c of chunks)
    sp.push(Buffer.from(c), (l) => {
      out.push(l.toString());
    });
  return out;
};

test('lines split anywhere across chunks come out whole and in order', () => {
  const text = 'alpha\nbeta\n\ngamma-delta\n';
  for (let cut = 1; cut <= text.length; cut++) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += cut) chunks.push(text.slice(i, i + cut));
    assert.equal(collect(new LineSplitter(100), chunks), ['alpha', 'beta', '', 'gamma-delta'], `chunks of ${cut}`);
  }
});

test('a line longer than max is refused as soon as it is seen, holding at most max bytes', () => {
  const sp = new LineSplitter(10);
  assert.equal(collect(sp, ['0123456789\n']), ['0123456789']);
  sp.push(Buffer.from('01234'), () => undefined);
  assert.is(sp.buffered, 5);
  assert.throws(
    () => sp.push(Buffer.from('567890'), () => undefined),
    (e: Error) => e instanceof LineTooLong,
  );
  assert.throws(
    () => new LineSplitter(10).push(Buffer.from('0123456789A\n'), () => undefined),
    (e: Error) => e instanceof LineTooLong,
  );
});

test('onLine returning false stops the chunk; max may change between lines', () => {
  const sp = new LineSplitter(4);
  const got: string[] = [];
  sp.push(Buffer.from('hi\nrest-is-long\n'), (l) => {
    got.push(l.toString());
    sp.max = 100;
    return true;
  });
  assert.equal(got, ['hi', 'rest-is-long']);
  const stopped: string[] = [];
  new LineSplitter(100).push(Buffer.from('a\nb\nc\n'), (l) => {
    stopped.push(l.toString());
    return false;
  });
  assert.equal(stopped, ['a']);
});

test('64 MiB in 64 KiB chunks without a newline, then the newline: one line, no quadratic blow-up', () => {
  // Work is checked by counting, not timing: every chunk is kept once and joined once.
  const sp = new LineSplitter(64 * 1024 * 1024);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let i = 0; i < 1023; i++) sp.push(chunk, () => assert.unreachable('no newline yet'));
  assert.is(sp.buffered, 1023 * 64 * 1024);
  const lines: number[] = [];
  sp.push(Buffer.concat([chunk.subarray(0, 100), Buffer.from('\nx')]), (l) => {
    lines.push(l.length);
  });
  assert.equal(lines, [1023 * 64 * 1024 + 100]);
  assert.is(sp.buffered, 1);
});

test.run();

// A full disk never passes silently (issue 14 item 3, the harness's writers): the history writer throws when a
// line cannot be written in full, and the atomic writer of results.json/report.html fails without touching the
// file it would have replaced. Run on a tiny tmpfs (needs root; skipped, with the reason printed, otherwise).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HistoryError } from '../../../harness/history/op.js';
import { parseHistory } from '../../../harness/history/readers/index.js';
import { HistoryWriter } from '../../../harness/history/writer.js';
import { writeFileAtomic } from '../../../harness/store/files.js';

const mnt = mkdtempSync(join(tmpdir(), 'fl-tinyfs-'));
let mounted = false;
let why = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'pipe' });
  mounted = true;
} catch (e) {
  why = `cannot mount a tmpfs (${(e as Error).message.split('\n')[0]}); needs root`;
  console.log(`skipped: ${why}`);
}
const t = mounted ? test : test.skip;

t('history writer: a line that does not fit throws ENOSPC; what was written reads back (torn tail dropped)', () => {
  const w = new HistoryWriter(join(mnt, 'history.jsonl'), { test: 'full' });
  let err: unknown;
  let n = 0;
  try {
    for (; n < 100_000; n++) w.append({ type: 'invoke', process: n % 5, f: 'write', value: 'x'.repeat(100) });
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'the writer noticed the disk was full');
  assert.is((err as NodeJS.ErrnoException).code, 'ENOSPC');
  assert.ok(n > 10 && n < 100_000);
  try {
    w.close();
  } catch {
    /* full */
  }
  const h = parseHistory(readFileSync(join(mnt, 'history.jsonl'), 'utf8'));
  assert.ok(h.events.length >= n - 1 && h.events.length <= n, `${h.events.length} events read back of ${n} appended`);
  rmSync(join(mnt, 'history.jsonl'));
});

t('atomic writer: on a full disk it fails with one line and leaves the old file and no temp file', () => {
  const dest = join(mnt, 'results.json');
  writeFileSync(dest, '{"old":true}\n');
  writeFileSync(join(mnt, 'filler'), Buffer.alloc(40 * 1024));
  try {
    writeFileAtomic(dest, 'y'.repeat(64 * 1024));
    assert.unreachable('should fail');
  } catch (e) {
    assert.instance(e, HistoryError);
    assert.match((e as HistoryError).oneLine(), /results\.json: cannot write: ENOSPC/);
  }
  assert.is(readFileSync(dest, 'utf8'), '{"old":true}\n');
  assert.equal(readdirSync(mnt).sort(), ['filler', 'results.json']);
});

test.after(() => {
  if (mounted)
    try {
      execFileSync('umount', [mnt]);
    } catch {
      /* busy */
    }
  if (existsSync(mnt)) rmSync(mnt, { recursive: true, force: true });
});
test.run();

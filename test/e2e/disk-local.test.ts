// Disk faults end to end on the local runtime (issue 24): `faultline run` mounts the disk-fault layer over each
// node's data folder and the nemesis crashes, tears and corrupts through it. The planted no-fsync is caught by
// disk:lose-unsynced; the correct cluster keeps every acknowledged write when a minority's files are corrupted
// (a flipped bit: the node refuses to start, naming the file and offset; a cut tail: it drops it as a torn write
// and catches up from its peers); an explicit disk kind where the layer cannot run is a one-line refusal.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HistoryEvent } from '../../harness/history/op.js';
import { runCli, runLocal } from '../helpers/cli.js';
import { faultfsTest } from '../helpers/faultfs.js';

const out = mkdtempSync(join(tmpdir(), 'fl-e2e-disk-'));
const SMALL = ['--workload', 'register', '--nodes', '3', '--time-limit', '15', '--nemesis-interval', '3'];

const infos = (events: HistoryEvent[], f: string) =>
  events.filter((e) => e.process === 'nemesis' && e.type === 'info' && e.f === f && e.value);

// fenced-counter: a crash that wipes every node hands out fencing tokens again, which its checker sees at once.
// (A register often hides the same loss: after the wipe a blind write may come before any read.)
const COUNTER = [...SMALL.slice(2), '--workload', 'fenced-counter'];

faultfsTest(test, 'no-fsync is caught by disk:lose-unsynced within 3 seeded runs', () => {
  const tried: string[] = [];
  for (const seed of [1, 2, 3]) {
    const r = runLocal(out, [...COUNTER, '--bug', 'no-fsync', '--nemesis', 'disk:lose-unsynced', '--seed', `${seed}`]);
    const drops = infos(r.events, 'start-disk');
    assert.ok(drops.length > 0, `seed ${seed}: a crash was injected\n${r.stdout}${r.stderr}`);
    const lost = drops.flatMap((e) =>
      Object.values((e.value as { dropped: Record<string, { bytes: number }> }).dropped),
    );
    assert.ok(
      lost.some((d) => d.bytes > 0),
      'the history says what the crash dropped: a node that never fsyncs loses bytes',
    );
    tried.push(`seed ${seed}: exit ${r.code}`);
    if (r.code === 1 && /INVALID/.test(r.stdout)) return;
  }
  assert.unreachable(`no-fsync survived disk:lose-unsynced: ${tried.join(', ')}`);
});

faultfsTest(test, 'corrupt:bitflip on a minority: no acknowledged write lost; the node names file and offset', () => {
  const r = runLocal(out, [...SMALL, '--nemesis', 'corrupt:bitflip', '--seed', '3']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const hits = infos(r.events, 'start-corrupt');
  assert.ok(hits.length > 0, 'corruption was injected');
  for (const e of hits) assert.ok((e.value as { nodes: string[] }).nodes.length === 1, 'a minority of 3 is one');
  // A node whose flipped bit landed inside a record refuses to start, naming the file and the byte offset.
  const refused = infos(r.events, 'stop-corrupt').flatMap((e) =>
    Object.keys((e.value as { refused?: Record<string, string> }).refused ?? {}),
  );
  // Seeded: at seed 3 the flip lands inside a record (one landing on a record's closing newline would read
  // as a torn tail instead, and be dropped).
  assert.ok(refused.length >= 1, 'the corrupted node refused to start');
  for (const n of refused) {
    const log = readFileSync(join(r.dir!, 'nodes', n, 'node.log'), 'utf8');
    assert.match(log, /wal\/\d+\.log: corrupt record at byte \d+|snap\/\S+: corrupt snapshot/, `${n}'s refusal`);
  }
});

faultfsTest(test, 'corrupt:truncate on a minority stays valid', () => {
  const r = runLocal(out, [...SMALL, '--nemesis', 'corrupt:truncate', '--seed', '2']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const cut = infos(r.events, 'start-corrupt').flatMap((e) =>
    Object.values((e.value as { damaged: Record<string, Record<string, { cut: number }>> }).damaged),
  );
  assert.ok(
    cut.some((files) => Object.values(files).some((f) => f.cut > 0)),
    'some file lost its tail',
  );
});

test('an explicit disk kind where the layer cannot run is refused in one line, before any cluster', () => {
  const r = runCli(['run', '--runtime', 'local', '--out', out, '--nemesis', 'disk:full', '--time-limit', '5'], {
    env: { ...process.env, FAULTLINE_DISK_FAULTS: '0' },
  });
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /--nemesis disk: disk faults are unavailable: turned off \(FAULTLINE_DISK_FAULTS=0\)/);
});

test.after(() => rmSync(out, { recursive: true, force: true }));

test.run();

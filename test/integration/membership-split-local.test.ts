// membership:split-minority end to end on the local runtime against the correct reference cluster (five
// voters per group: replication 5, one shard): the hot leader and one follower are cut off and the leader
// alone is asked for two removals at once. A correct leader cannot commit either (no majority of its
// configuration) and refuses the second while the first is pending, so the run must stay valid: the
// false-positive check for the shape that catches the planted bug conf-concurrent (bench/bugs.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHistory } from '../../harness/history/readers/index.js';
import { runCli, runDirOf } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'fl-membership-split-'));
test.after(() => rmSync(out, { recursive: true, force: true }));

interface Directed {
  node: string;
  via: string;
  answered?: number | 'none' | 'mixed';
  answers?: Record<string, { answered: number | 'none'; error?: string }>;
  error?: string;
}

test(
  'split-minority on a correct 5-voter group: valid; ' +
    'the cut, the directed removals and their refusals are recorded, and stop re-adds',
  () => {
    const r = runCli(
      [
        'run',
        '--runtime',
        'local',
        '--out',
        out,
        '--nodes',
        '5',
        '--target-opt',
        'replication=5',
        '--target-opt',
        'shards=1',
        '--workload',
        'register',
        '--concurrency',
        '5',
        '--time-limit',
        '12',
        '--nemesis',
        'membership:split-minority',
        '--nemesis-interval',
        '3',
        '--seed',
        '7',
      ],
      { timeoutMs: 180_000 },
    );
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /VALID/);
    const dir = runDirOf(r.stdout);
    assert.is(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).valid, true);
    const events = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8')).events;
    const nem = events.filter((e) => e.process === 'nemesis' && e.type === 'info');
    const starts = nem.filter((e) => e.f === 'start-membership' && !e.error);
    assert.ok(starts.length >= 1, JSON.stringify(nem.map((e) => [e.f, e.error])));
    for (const e of starts) {
      const v = e.value as {
        shape: string;
        node: string;
        side: string[];
        removals: string[];
        cut: string;
        changes: Directed[];
      };
      assert.is(v.shape, 'split-minority');
      assert.equal(v.side.length, 2);
      assert.is(v.side[0], v.node);
      assert.is(v.removals.length, 2);
      assert.ok(
        v.removals.every((n) => !v.side.includes(n)),
        'only majority-side nodes',
      );
      assert.match(v.cut, new RegExp(`${v.node} ✗`));
      assert.is(v.changes.length, 2);
      for (const c of v.changes) {
        assert.is(c.via, v.node);
        // A correct minority leader never commits a removal: 503 (no majority), 409 (one change at a time), or
        // no answer; 421 if the aim was stale. Never 200.
        assert.ok(c.answered !== undefined && c.answered !== 200 && c.answered !== 'mixed', JSON.stringify(c));
      }
    }
    // Both refusals a correct leader gives showed up across the run's rounds.
    const answered = starts.flatMap((e) => (e.value as { changes: Directed[] }).changes.map((c) => c.answered));
    assert.ok(answered.includes(409), `answers: ${answered.join(', ')}`);
    const stops = nem.filter((e) => e.f === 'stop-membership');
    assert.ok(stops.length >= 1);
    for (const e of stops) {
      assert.not.ok(e.error, String(e.error));
      assert.is((e.value as { healed: boolean }).healed, true);
    }
    const heal = nem.find((e) => e.f === 'heal-membership');
    assert.ok(heal && !heal.error, `heal-membership: ${heal?.error ?? 'missing'}`);
  },
);

test.run();

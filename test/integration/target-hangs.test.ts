// A target whose code hangs, hosted by the local runtime (nodes are one-line node:http servers, so each run takes
// seconds): the run ends within its time limit plus the deadlines, says in one line what ran out, records an
// invoke that never settles as info with a fresh process after it (never the late answer), and still writes its
// results and removes its processes when a client's close() hangs. The CLI's side: one line, exit 3.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newTest } from '../../harness/commands/new-test.js';
import type { HistoryEvent } from '../../harness/history/op.js';
import { repoRoot } from '../../harness/paths.js';
import { DEFAULTS } from '../../harness/run/options.js';
import { type RunOutcome, runOnce, StopSignal } from '../../harness/run/run.js';
import type { RunOptions } from '../../harness/store/test.js';
import type { Deadlines } from '../../harness/target/deadlines.js';
import type { PreparedTarget } from '../../targets/prepare.js';
import { type HangOptions, type HangPlace, hangTarget } from '../fixtures/hang-target.js';
import { runCli } from '../helpers/cli.js';

const out = mkdtempSync(join(tmpdir(), 'fl-hangs-'));

interface Ran {
  outcome?: RunOutcome;
  error?: Error & Partial<RunOutcome>;
  said: string[];
  ms: number;
}

async function run(place: HangPlace, o: Partial<RunOptions>, d: Partial<Deadlines>, h: HangOptions = {}): Promise<Ran> {
  const target = hangTarget(place, h);
  const prepared: PreparedTarget = { target, options: {}, client: target.clients.kv, deadlines: d };
  const opts: RunOptions = {
    ...DEFAULTS,
    runtime: 'local',
    target: target.name,
    workload: 'kv',
    nemesis: 'none',
    nodes: 2,
    concurrency: 2,
    rate: 20,
    timeLimitS: 2,
    out,
    ...o,
  };
  const said: string[] = [];
  const t0 = Date.now();
  try {
    const outcome = await runOnce(newTest(opts, prepared, 'local'), prepared, new StopSignal(), {
      line: () => undefined,
      fault: () => undefined,
      message: (m) => said.push(m),
    });
    return { outcome, said, ms: Date.now() - t0 };
  } catch (e) {
    return { error: e as Error & Partial<RunOutcome>, said, ms: Date.now() - t0 };
  }
}

/** Whether anything still answers at these nodes' URLs (the run's node processes must be gone). */
async function anyAnswers(urls: string[]): Promise<boolean> {
  for (const u of urls) {
    const ok = await fetch(u, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (ok) return true;
  }
  return false;
}

test('health() that never settles: the start-up fails at its deadline in one line naming the nodes', async () => {
  const r = await run('health', {}, { healthMs: 500 });
  assert.ok(r.error, 'the run failed');
  assert.match(r.error!.message, /target "hang-health": health\(\) of n1, n2 did not settle within 500 ms/);
  assert.not.match(r.error!.message, /\n/);
  assert.ok(r.ms < 15_000, `ended in ${r.ms} ms`);
});

test('the whole start-up has a deadline too', async () => {
  // A health() that keeps saying "not yet" is no hang of one call; the start-up deadline ends it.
  const r = await run('health', {}, { healthMs: 60_000, startMs: 700 });
  assert.match(
    r.error?.message ?? '',
    /^target "hang-health": start-up of 2 nodes \(local\) did not settle within 700 ms$/,
  );
  assert.ok(r.ms < 15_000, `ended in ${r.ms} ms`);
});

test('invoke() settling after the deadline: info at the deadline, a fresh process, no late answer', async () => {
  // --op-timeout 200 ms: the harness's deadline is 1.2 s; each answer would come after 2.5 s.
  const r = await run('invoke', { opTimeoutMs: 200 }, {}, { lateMs: 2500 });
  assert.ok(r.outcome, r.error?.message);
  const events = r.outcome!.events.filter((e: HistoryEvent) => typeof e.process === 'number') as (HistoryEvent & {
    process: number;
    error?: string;
  })[];
  const invokes = events.filter((e) => e.type === 'invoke');
  const infos = events.filter((e) => e.type === 'info');
  assert.ok(invokes.length >= 4, `${invokes.length} invokes`);
  assert.is(infos.length, invokes.length, 'every invoke completed, as info');
  assert.is(events.filter((e) => e.type === 'ok').length, 0, 'no late answer in the history');
  for (const e of infos)
    assert.ok(
      /^target "hang-invoke": invoke\(\) of process \d+ did not settle within 1\.2 s$/.test(e.error ?? ''),
      JSON.stringify(e),
    );
  // Process ids: worker w runs w, w+2, w+4, ...: each info retired its process, none had two ops in flight.
  const procs = invokes.map((e) => e.process);
  assert.equal(
    [...new Set(procs)].sort((a, b) => a - b),
    [...Array(Math.max(...procs) + 1).keys()],
  );
  assert.is(new Set(procs).size, procs.length, 'one op per process');
  // Load 2 s, then the final reads: the run ends within the time limit plus two invoke deadlines and the rest.
  assert.ok(r.ms < 15_000, `ended in ${r.ms} ms`);
  await new Promise((res) => setTimeout(res, 2600));
  const after = readFileSync(join(r.outcome!.dir, 'history.jsonl'), 'utf8').trim().split('\n').length;
  assert.is(after, r.outcome!.events.length + 1, 'nothing written after the run (header + events)');
});

test('close() that never settles: said, and the run still writes its results and removes its processes', async () => {
  const r = await run('close', {}, { closeMs: 300 });
  assert.ok(r.outcome, r.error?.message);
  assert.ok(
    r.said.some((m) => /target "hang-close": close\(\) of process \d+ did not settle within 300 ms/.test(m)),
    r.said.join('\n'),
  );
  assert.ok(readFileSync(join(r.outcome!.dir, 'results.json'), 'utf8').includes('"valid"'));
  assert.is(await anyAnswers(r.outcome!.test.nodes.map((n) => n.url)), false, 'the nodes are gone');
});

test('faultline run: a target whose health() hangs gets one line on stderr and exit 3', () => {
  const fixture = resolve(repoRoot(), 'dist', 'test', 'fixtures', 'hang-target.js');
  const res = runCli(
    ['run', '--runtime', 'local', '--out', out, '--target', fixture, '--workload', 'kv', '--nodes', '2'],
    {
      env: { ...process.env, FAULTLINE_FIXTURE_HANG: 'health' },
      timeoutMs: 60_000,
    },
  );
  assert.is(res.code, 3, res.stderr);
  const lines = res.stderr.trim().split('\n');
  assert.is(lines.length, 1, res.stderr);
  assert.match(
    lines[0],
    /^faultline: the run failed: .*target "hang-health": health\(\) of n1, n2 did not settle within 5 s/,
  );
});

test.after(() => rmSync(out, { recursive: true, force: true }));
test.run();

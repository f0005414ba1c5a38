// Run folders built through the store without a cluster, for the index, serve and browser tests: a test.json, a
// history (optionally with a planted stale read), results from the one check pipeline and the run report.
import { join } from 'node:path';
import { runChecks, specForWorkload } from '../../harness/check/pipeline.js';
import type { HistoryEvent } from '../../harness/history/op.js';
import { toJsonl } from '../../harness/history/readers/write.js';
import { syntheticRegisterHistory } from '../fixtures/synthetic-history.js';
import { renderRunReport } from '../../harness/report/run-report.js';
import { DEFAULTS } from '../../harness/run/options.js';
import { commandLine, runFlags } from '../../harness/commands/command-line.js';
import { createRunFolder, writeJson, writeRunFile } from '../../harness/store/folder.js';
import { testName, type RunOptions, type Test } from '../../harness/store/test.js';

/**
 * A kv run folder (`ops` operations over `keys` keys); `stale`: a stale read planted at the end (invalid);
 * `runtime` and `target` only name where it ran (the history is the same). Returns the folder.
 */
export function makeRunFolder(
  root: string,
  o: {
    seed: number;
    stale?: boolean;
    startedAt?: string;
    nemesis?: string;
    runtime?: 'docker' | 'local';
    target?: string;
    ops?: number;
    keys?: number;
  },
): string {
  const opts: RunOptions = {
    ...DEFAULTS,
    runtime: o.runtime ?? 'local',
    target: o.target ?? 'reference',
    workload: 'kv',
    nemesis: o.nemesis ?? 'partition',
    seed: o.seed,
    nodes: 3,
  };
  const name = testName(opts);
  const dir = createRunFolder(root, name);
  let events: HistoryEvent[] = syntheticRegisterHistory({
    seed: o.seed,
    ops: o.ops ?? 200,
    clients: 4,
    keys: o.keys ?? 3,
  });
  const t = (events.at(-1)?.time ?? 0) + 1000;
  // Faults as the nemesis records them, so the report draws its lanes.
  events.splice(Math.floor(events.length / 3), 0, {
    index: 0,
    type: 'info',
    process: 'nemesis',
    f: 'start-partition',
    value: { cut: 'n1 | n2 n3' },
    time: events[Math.floor(events.length / 3)].time,
  });
  events.push({ index: 0, type: 'info', process: 'nemesis', f: 'stop-partition', value: null, time: t });
  if (o.stale) {
    const p = 500;
    const tail: Omit<HistoryEvent, 'index'>[] = [
      { type: 'invoke', process: p, f: 'write', key: 'k0', value: 'A', time: t + 1 },
      { type: 'ok', process: p, f: 'write', key: 'k0', value: 'A', time: t + 2 },
      { type: 'invoke', process: p, f: 'write', key: 'k0', value: 'B', time: t + 3 },
      { type: 'ok', process: p, f: 'write', key: 'k0', value: 'B', time: t + 4 },
      { type: 'invoke', process: p + 1, f: 'read', key: 'k0', value: null, time: t + 5 },
      { type: 'ok', process: p + 1, f: 'read', key: 'k0', value: 'A', time: t + 6 },
    ];
    events.push(...(tail as HistoryEvent[]));
  }
  events = events.map((e, index) => ({ ...e, index }));
  const checks = specForWorkload('kv', opts.checkTimeoutS);
  const started = o.startedAt ?? new Date(Date.UTC(2026, 0, 1, 0, 0, o.seed)).toISOString();
  const test: Test = {
    name,
    options: opts,
    runtime: opts.runtime,
    target: { name: opts.target, options: {} },
    checks,
    command: commandLine(opts),
    startedAt: started,
    finishedAt: new Date(Date.parse(started) + 12_000).toISOString(),
    nodes: [{ name: 'n1', url: 'http://127.0.0.1:1' }],
    versions: { faultline: 'test', node: process.version },
  };
  writeJson(join(dir, 'test.json'), test);
  writeRunFile(
    dir,
    'history.jsonl',
    toJsonl({ header: { workload: 'kv', model: 'kv-register', checkers: checks.checkers }, events }),
  );
  const results = runChecks(events, checks);
  writeJson(join(dir, 'results.json'), results);
  const flags = runFlags(opts, test.runtime);
  const html = renderRunReport({ test, events, results, nodes: ['n1'], command: test.command!, flags });
  writeRunFile(dir, 'report.html', html);
  return dir;
}

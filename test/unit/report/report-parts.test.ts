// The report's parts without a browser: the page's Content-Security-Policy hashes exactly its inline scripts and
// styles; the explorer's data puts every operation on the time axis from the load, with the setup, the faults, the
// failing partition's prefix mapped onto the history's operations; a data block cannot close its element; cycles
// are drawn with every transaction and every labelled step; options read as flags; the rerun line uses npx.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks, specForWorkload } from '../../../harness/check/pipeline.js';
import { runFlags } from '../../../harness/commands/command-line.js';
import type { CycleAnomaly } from '../../../harness/checker/txn/types.js';
import type { HistoryEvent } from '../../../harness/history/op.js';
import { cspPolicy, inlineHashes } from '../../../harness/report/csp.js';
import { cycleSvg, stepLabel } from '../../../harness/report/cycle-svg.js';
import { dataJson, explorerData } from '../../../harness/report/explorer-data.js';
import { page } from '../../../harness/report/html.js';
import { npxCommand, optionRows } from '../../../harness/report/run-header.js';
import { uplot } from '../../../harness/report/vendor.js';
import { DEFAULTS } from '../../../harness/run/options.js';

const sha = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

test('the CSP of a page: a hash per inline script and style, data blocks left out, no unsafe-inline', () => {
  const html = page(
    't',
    '<script>var a = 1;</script><script type="application/json">{"x":1}</script><p>&lt;script&gt;x</p>',
    'p{color:red}',
  );
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(meta, 'a policy in the page');
  const policy = meta![1];
  assert.ok(policy.includes(`script-src ${sha('var a = 1;')}`), policy);
  assert.not.ok(policy.includes(sha('{"x":1}')), 'the data block is never run, so never hashed');
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
  assert.ok(policy.includes(`style-src ${sha(style)}`), 'the one style element');
  assert.not.match(policy, /unsafe-inline|unsafe-eval/);
  assert.match(policy, /^default-src 'none'/);
  assert.is(inlineHashes('<p>nothing</p>').scripts.length, 0);
  assert.match(cspPolicy({ scripts: [], styles: [] }), /script-src 'none'; style-src 'none'/);
});

test('a data block cannot end its element or open a comment, whatever the values hold', () => {
  const s = dataJson({ v: '</script><script>alert(1)</script><!--', n: 10n, l: '\u2028' });
  assert.not.match(s, /<|\u2028/);
  assert.equal(JSON.parse(s), { v: '</script><script>alert(1)</script><!--', n: '10', l: '\u2028' });
});

test('uPlot is found where Node finds dependencies and can be inlined', () => {
  const u = uplot();
  assert.ok(u.js.length > 10_000 && /uPlot/.test(u.js));
  assert.ok(u.css.includes('.uplot'));
});

function ev(e: Omit<HistoryEvent, 'index'>, index: number): HistoryEvent {
  return { ...e, index } as HistoryEvent;
}

test('explorer data: time 0 is the first invoke, the setup before it, faults and ops in seconds', () => {
  const s = 1e9;
  const events = [
    { type: 'info', process: 'nemesis', f: 'start-partition', value: 'n1', time: 12 * s },
    { type: 'invoke', process: 0, f: 'write', key: 'a', value: 1, time: 10 * s },
    { type: 'ok', process: 0, f: 'write', key: 'a', value: 1, time: 10.5 * s },
    { type: 'invoke', process: 1, f: 'read', key: 'b', value: null, time: 11 * s },
    { type: 'info', process: 'nemesis', f: 'stop-partition', value: null, time: 13 * s },
  ].map((e, i) => ev(e as Omit<HistoryEvent, 'index'>, i));
  const d = explorerData({ events, model: 'kv-register' });
  assert.is(d.unit, 's');
  assert.is(d.setup, 10, 'ten seconds of setup before the load');
  assert.equal(d.inv, [0, 1]);
  assert.equal(d.ret, [0.5, null], 'the read never completed');
  assert.is(d.type, 'op');
  assert.equal(d.ii, [1, 3]);
  assert.equal(
    d.faults.map((f) => [f.kind, f.start, f.end]),
    [['partition', 2, 3]],
  );
  assert.ok(d.start < 0 && d.start >= -0.04 * d.end - 1e-12, 'a sliver of the setup in the default window');
  assert.equal(
    d.views.map((v) => v.name),
    ['whole history', 'key a', 'key b'],
  );
  assert.ok(d.plots && d.plots.tp.ok.reduce((a, b) => a + b, 0) > 0, 'the write is counted');
  const untimed = explorerData({ events: events.map(({ time: _t, ...e }) => e as HistoryEvent), txn: false });
  assert.is(untimed.unit, 'index');
  assert.equal(untimed.inv, [1, 3], 'positions in the history');
  assert.is(untimed.plots, undefined, 'no plots without times');
});

test("explorer data: a failing partition's longest prefix and offending op map onto the history's ops", () => {
  const p = 7;
  const raw: Omit<HistoryEvent, 'index'>[] = [
    { type: 'invoke', process: p, f: 'write', key: 'k', value: 'A', time: 1 },
    { type: 'ok', process: p, f: 'write', key: 'k', value: 'A', time: 2 },
    { type: 'invoke', process: 9, f: 'write', key: 'other', value: 'X', time: 3 },
    { type: 'ok', process: 9, f: 'write', key: 'other', value: 'X', time: 4 },
    { type: 'invoke', process: p, f: 'write', key: 'k', value: 'B', time: 5 },
    { type: 'ok', process: p, f: 'write', key: 'k', value: 'B', time: 6 },
    { type: 'invoke', process: p + 1, f: 'read', key: 'k', value: null, time: 7 },
    { type: 'ok', process: p + 1, f: 'read', key: 'k', value: 'A', time: 8 },
  ];
  const events = raw.map((e, i) => ev(e, i));
  const results = runChecks(events, { ...specForWorkload('kv', 0), checkers: ['linearizable'] }, { full: true });
  const lin = results.checkers[0].linearizability!;
  const d = explorerData({ events, model: 'kv-register', lin });
  const bad = d.views.find((v) => v.invalid)!;
  assert.is(bad.name, 'key k: INVALID');
  assert.equal(bad.ops, [0, 2, 3], 'only the failing key: no row for process 9');
  assert.equal(bad.lin!.order, [0, 2]);
  assert.equal(bad.lin!.offending, [3]);
  assert.is(d.offending, 3);
  assert.is(bad.lin!.states.length, 2);
  assert.ok(bad.lin!.init.length > 0, 'the state before the first step');
  assert.match(d.text[3], /read/);
});

const cycle: CycleAnomaly = {
  type: 'G-single-item',
  txns: [
    { name: 'T1', index: 7, invokeIndex: 6, process: 1, type: 'ok', value: [['append', 256, 3]] },
    { name: 'T2', index: 3, invokeIndex: 2, process: 1, type: 'ok', value: [['append', 255, 8]] },
  ],
  steps: [
    { from: 0, to: 1, rel: 'rw', rels: ['rw'], key: 255, value: 5, value2: 8, text: 'T1 read 255 up to 5' },
    { from: 1, to: 0, rel: 'wr', rels: ['wr'], key: 255, value: 8, text: 'T1 read T2 <b>' },
  ],
  graph: { nodes: [], edges: [] },
};

test('a cycle drawn: a node per transaction, a labelled arrow per step, two-way edges on opposite sides', () => {
  assert.is(stepLabel(cycle.steps[0]), 'rw 255: 5 → 8');
  assert.is(stepLabel(cycle.steps[1]), 'wr 255: 8');
  assert.is(
    stepLabel({ ...cycle.steps[0], rel: 'realtime', key: undefined, value: undefined, value2: undefined }),
    'realtime',
  );
  const svg = cycleSvg(cycle, 'c0', (i) => `data-i="${i}"`);
  assert.is((svg.match(/<circle /g) ?? []).length, 2);
  assert.is((svg.match(/marker-end=/g) ?? []).length, 2, 'an arrow per step');
  assert.ok(svg.includes('data-i="0"') && svg.includes('data-i="1"'), 'each node a link');
  assert.not.match(svg, /NaN|undefined/);
  assert.match(svg, /T1 read T2 &lt;b&gt;/, 'step text escaped in the titles');
  const controls = [...svg.matchAll(/ Q([\d.]+),([\d.]+) /g)].map((m) => `${m[1]},${m[2]}`);
  assert.is(new Set(controls).size, 2, 'the two arrows between the same transactions bend apart');
  assert.is(
    cycleSvg({ ...cycle, txns: [cycle.txns[0]], steps: [] }, 'c1', () => ''),
    '',
    'no cycle of one',
  );
});

test('options read as a person types them: flags and plain values, switches yes/no, never undefined', () => {
  const options = { ...DEFAULTS, targetOpts: { bug: 'stale-read' }, burstRate: undefined, workload: 'kv' };
  const rows = optionRows(runFlags(options, 'local'));
  const text = rows.map((r) => r.join(' ')).join('\n');
  assert.not.match(text, /undefined|"/);
  assert.ok(rows.some(([f, v]) => f === '--target-opt' && v === 'bug=stale-read'));
  assert.ok(rows.some(([f, v]) => f === '--workload' && v === 'kv'));
  assert.ok(
    rows.some(([f, v]) => f === '--runtime' && v === 'local'),
    'the runtime actually used, not auto',
  );
  assert.is(npxCommand('faultline run --seed 3'), 'npx faultline run --seed 3');
  assert.is(npxCommand('npx faultline run'), 'npx faultline run');
});

test.run();

// npm run bench:report — what a big history costs the report: for kv histories of 10,000 and 100,000 operations
// (50 keys, a stale read planted at the end, as test/helpers/run-folders.ts makes them), the time to render
// report.html (checking excluded; median of 3) and its size; then, where chromium is installed, the time the page
// takes to open (load event, the explorer and plots drawn) and to redraw the explorer and the plots on a change of
// window (whole history, half, a 50th, a 1000th; median of 5 frames each). Figures only: timings drift with load.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseHistory } from '../harness/history/readers/index.js';
import { renderRunReport } from '../harness/report/run-report.js';
import { runFlags } from '../harness/commands/command-line.js';
import { writeRunFile } from '../harness/store/folder.js';
import type { Test } from '../harness/store/test.js';
import { CHROMIUM, launch } from '../test/helpers/browser.js';
import { makeRunFolder } from '../test/helpers/run-folders.js';

const SIZES = (process.env.BENCH_OPS ?? '10000,100000').split(',').map(Number);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const root = mkdtempSync(join(tmpdir(), 'fl-bench-report-'));

for (const ops of SIZES) {
  const dir = makeRunFolder(root, { seed: ops, stale: true, ops, keys: 50 });
  const test = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as Test;
  const flags = runFlags(test.options, test.runtime);
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  const events = parseHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8'), { format: 'jsonl' }).events;
  const times: number[] = [];
  let html = '';
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    html = renderRunReport({ test, events, results, nodes: ['n1'], command: test.command!, flags });
    times.push(performance.now() - t0);
  }
  writeRunFile(dir, 'report.html', html);
  console.log(
    `${ops} ops: render ${median(times).toFixed(0)} ms (median of 3), page ${(html.length / 2 ** 20).toFixed(1)} MiB`,
  );
  if (!CHROMIUM) {
    console.log('  (no chromium at /usr/bin/chromium: page timings skipped)');
    continue;
  }
  const browser = await launch();
  try {
    const t0 = performance.now();
    const { page } = await browser.open(pathToFileURL(join(dir, 'report.html')).href);
    const open = performance.now() - t0;
    const redraw = await page.evaluate(async () => {
      const rep = (window as never as { faultlineReport: { explorers: FlExplorerBench[] } }).faultlineReport;
      const ex = rep.explorers[0];
      ex.setView(0);
      const frame = (): Promise<void> =>
        new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
      const { start, end } = ex.data;
      const out: Record<string, number> = {};
      for (const [name, span] of [
        ['whole', end - start],
        ['half', (end - start) / 2],
        ['1/50', (end - start) / 50],
        ['1/1000', (end - start) / 1000],
      ] as const) {
        const ts: number[] = [];
        for (let k = 0; k < 5; k++) {
          const a = start + ((end - start - span) * k) / 4;
          const t = performance.now();
          ex.setWindow(a, a + span);
          await frame();
          ts.push(performance.now() - t);
        }
        out[name] = ts.sort((x, y) => x - y)[2];
      }
      return out;
    });
    console.log(
      `  open ${open.toFixed(0)} ms; redraw (explorer + plots, median of 5): ` +
        Object.entries(redraw)
          .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
          .join(', '),
    );
  } finally {
    await browser.close();
  }
}

interface FlExplorerBench {
  data: { start: number; end: number };
  setView(v: number): void;
  setWindow(a: number, b: number): void;
}

// Reports and the results index in a real browser (Debian's chromium through Playwright, test/helpers/browser.ts):
// a real run's report, an invalid run's report, the static results/index.html, and the index and a report served
// by `faultline serve`. Each: the verdict is shown, and there are no console errors and no CSP violations; on the
// invalid report the offending operation is shown in the explorer, on screen, without the page moving sideways.
// Skips, saying why, without chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeIndex } from '../../harness/report/index-page.js';
import { type Browser, CHROMIUM, launch, pageProblems, SKIP_REASON } from '../helpers/browser.js';
import { runCli, runDirOf } from '../helpers/cli.js';
import { CLI } from '../helpers/paths.js';
import { makeRunFolder } from '../helpers/run-folders.js';

if (!CHROMIUM) {
  console.log(SKIP_REASON);
  test.skip('browser tests need chromium', () => undefined);
  test.run();
} else {
  const root = mkdtempSync(join(tmpdir(), 'fl-browser-'));
  let browser: Browser;
  let serve: ChildProcess | undefined;
  const invalid = makeRunFolder(root, { seed: 5, stale: true });

  test.before(async () => {
    browser = await launch();
  });
  test.after(async () => {
    serve?.kill('SIGTERM');
    await browser.close();
  });

  test('a real run report: the verdict, both plots with their legends, the rerun line, no errors', async () => {
    const r = runCli(
      [
        'run',
        '--runtime',
        'local',
        '--workload',
        'register',
        '--nemesis',
        'partition',
        '--nodes',
        '3',
        '--time-limit',
        '4',
        '--nemesis-interval',
        '1',
        '--seed',
        '3',
        '--out',
        root,
      ],
      { timeoutMs: 120_000 },
    );
    assert.ok(r.code === 0 || r.code === 1 || r.code === 2, `run exit ${r.code}: ${r.stderr}`);
    const realRun = runDirOf(r.stdout);
    const valid = JSON.parse(readFileSync(join(realRun, 'results.json'), 'utf8')).valid;
    const { page, problems } = await browser.open(pathToFileURL(join(realRun, 'report.html')).href);
    const h1 = await page.textContent('h1');
    assert.match(h1 ?? '', valid === true ? /: valid$/ : valid === false ? /: INVALID$/ : /: unknown$/);
    assert.is(await page.locator('.fl-plot .uplot').count(), 2, 'throughput and latency');
    assert.ok((await page.locator('.u-legend .u-series').count()) >= 8, 'legends: outcomes and quantiles');
    assert.match((await page.textContent('#command')) ?? '', /^npx faultline run --runtime local .*--seed 3 /);
    assert.equal(await pageProblems(page, problems), [], 'run report');
  });

  test('an invalid report: INVALID, the offending operation selected and on screen, fault lanes drawn', async () => {
    const { page, problems } = await browser.open(pathToFileURL(join(invalid, 'report.html')).href);
    assert.match((await page.textContent('h1')) ?? '', /INVALID/);
    const off = await page.evaluate(() => {
      const ex = (window as never as { faultlineReport: { explorers: FlExplorer[] } }).faultlineReport.explorers[0];
      const id = ex.data.offending;
      return {
        id,
        selected: ex.root.dataset.selected,
        box: ex.locate(id),
        faults: ex.data.faults.length,
        vw: innerWidth,
        vh: innerHeight,
        scrollX,
        scrollWidth: document.documentElement.scrollWidth,
      };
    });
    assert.is(off.selected, String(off.id), 'the offending operation is selected');
    assert.ok(off.box, 'drawn');
    const b = off.box!;
    assert.ok(b.y >= 0 && b.y + b.h <= off.vh && b.x >= 0 && b.x + b.w <= off.vw, `on screen: ${JSON.stringify(off)}`);
    assert.is(off.scrollX, 0, 'the page did not move sideways');
    assert.ok(off.scrollWidth <= off.vw, 'nothing wider than the window');
    assert.ok(off.faults > 0, 'fault lanes above the timeline');
    assert.match((await page.textContent('body')) ?? '', /offending operation: key k0: client \d+: .*read → "?A"?/);
    assert.match((await page.textContent('.fl-details')) ?? '', /could not be linearized after the longest prefix/);
    assert.equal(await pageProblems(page, problems), [], 'invalid report');
  });

  test('the static results/index.html: every run, verdicts shown, filters work offline, no errors', async () => {
    writeIndex(root);
    const { page, problems } = await browser.open(pathToFileURL(join(root, 'index.html')).href);
    const rows = await page.$$eval('#runs tbody tr', (trs) => trs.map((r) => (r as HTMLElement).dataset.verdict));
    assert.is(rows.length, 2);
    assert.ok(rows.includes('invalid'));
    await page.selectOption('select[name=verdict]', 'invalid');
    assert.is(await page.locator('#runs tbody tr:visible').count(), 1);
    assert.equal(await pageProblems(page, problems), [], 'static index');
  });

  test('faultline serve: the index and a report through the server, no errors', async () => {
    serve = spawn(process.execPath, [CLI, 'serve', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      serve!.stdout!.on('data', (c) => {
        out += c;
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      serve!.on('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
    });
    const idx = await browser.open(`${url}?verdict=invalid`);
    const verdicts = await idx.page.$$eval('#runs tbody tr', (trs) => trs.map((r) => r.children[1].textContent));
    assert.equal(verdicts, ['INVALID']);
    const href = await idx.page.$eval('#runs tbody tr a', (a) => (a as HTMLAnchorElement).href);
    assert.equal(await pageProblems(idx.page, idx.problems), [], 'served index');
    const rep = await browser.open(href);
    assert.match((await rep.page.textContent('h1')) ?? '', /INVALID/);
    assert.ok(
      await rep.page.evaluate(() => 'faultlineReport' in window),
      "the report's script ran under the server's CSP and its own",
    );
    assert.equal(await pageProblems(rep.page, rep.problems), [], 'served report');
  });

  test.run();
}

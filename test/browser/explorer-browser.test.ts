// The report's history explorer clicked through in a real browser (Debian's chromium through Playwright): zoom by
// the buttons and by Ctrl+wheel, pan by dragging, switch views (a failing partition draws only its own processes),
// hover an operation for its summary, click one for its details (times, values, its step in the longest
// linearizable prefix with the model's state before and after), the offending operation on screen without the
// page moving sideways, its time marked on the plots; and the report of an invalid transactional history (Elle's
// paper example): its G-single cycle drawn and explained, a click on a transaction focusing the explorer on the
// cycle, a screenshot of it in the test's temp folder. Every page: no console errors, no CSP violations.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Browser, CHROMIUM, launch, pageProblems, SKIP_REASON } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { ELLE_CONFORMANCE_DIR } from '../helpers/paths.js';
import { makeRunFolder } from '../helpers/run-folders.js';

type Win = [number, number];

const win = (page: Page): Promise<Win> =>
  page.evaluate(() =>
    (window as never as { faultlineReport: { explorers: FlExplorer[] } }).faultlineReport.explorers[0].window(),
  );

/** The explorer's canvas on screen (mouse coordinates are the viewport's). */
async function canvasBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const c = page.locator('.fl-canvas-wrap canvas');
  await c.scrollIntoViewIfNeeded();
  return (await c.boundingBox())!;
}

if (!CHROMIUM) {
  console.log(SKIP_REASON);
  test.skip('browser tests need chromium', () => undefined);
  test.run();
} else {
  const root = mkdtempSync(join(tmpdir(), 'fl-explorer-'));
  let browser: Browser;
  const invalid = makeRunFolder(root, { seed: 5, stale: true });
  let page: Page;
  let problems: string[];

  test.before(async () => {
    browser = await launch();
    ({ page, problems } = await browser.open(pathToFileURL(join(invalid, 'report.html')).href));
  });
  test.after(async () => {
    await browser.close();
  });

  test('zoom: the buttons halve and double the window, Ctrl+wheel zooms in, "whole history" fits it', async () => {
    const [a, b] = await win(page);
    await page.click('.fl-zoom-in');
    const [c, d] = await win(page);
    assert.ok(Math.abs(d - c - (b - a) / 2) < 1e-9, `halved: ${[a, b]} -> ${[c, d]}`);
    await page.click('.fl-zoom-out');
    const [e, f] = await win(page);
    assert.ok(Math.abs(f - e - (b - a)) < 1e-9, 'doubled back');
    const box = await canvasBox(page);
    await page.mouse.move(box.x + box.width / 2, box.y + 60);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -400);
    await page.keyboard.up('Control');
    await page.waitForTimeout(50);
    const [g, h] = await win(page);
    assert.ok(h - g < (f - e) * 0.7, `Ctrl+wheel zoomed in: ${[e, f]} -> ${[g, h]}`);
    await page.click('.fl-fit');
    const whole = await page.evaluate(() => {
      const ex = (window as never as { faultlineReport: { explorers: FlExplorer[] } }).faultlineReport.explorers[0];
      return [ex.data, ex.window()] as const;
    });
    const [data, w] = whole as unknown as [{ start: number; end: number }, Win];
    assert.ok(Math.abs(w[0] - data.start) < 1e-9 && Math.abs(w[1] - data.end) < 1e-9, 'the whole history');
  });

  test('pan: dragging the timeline right moves the window earlier by the distance dragged', async () => {
    await page.click('.fl-zoom-in');
    await page.click('.fl-zoom-in');
    const [a, b] = await win(page);
    const box = await canvasBox(page);
    const y = box.y + box.height - 6;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 100, y, { steps: 5 });
    await page.mouse.up();
    const [c, d] = await win(page);
    assert.ok(c < a && d < b, `moved earlier: ${[a, b]} -> ${[c, d]}`);
    assert.ok(Math.abs(d - c - (b - a)) < 1e-9, 'same width');
  });

  test('a range dragged across a plot zooms the explorer to it; a double-click shows the whole history', async () => {
    await page.click('.fl-fit');
    const [a, b] = await win(page);
    await page.locator('.fl-plot-tp .u-over').scrollIntoViewIfNeeded();
    const over = (await page.locator('.fl-plot-tp .u-over').boundingBox())!;
    await page.mouse.move(over.x + over.width * 0.3, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.5, over.y + over.height / 2, { steps: 5 });
    await page.mouse.up();
    const [c, d] = await win(page);
    assert.ok(c > a && d < b && d - c < (b - a) * 0.3, `the explorer follows the plot: ${[a, b]} -> ${[c, d]}`);
    await page.mouse.dblclick(over.x + over.width / 2, over.y + over.height / 2);
    const [e, f] = await win(page);
    assert.ok(Math.abs(e - a) < 1e-9 && Math.abs(f - b) < 1e-9, `whole again: ${[e, f]}`);
  });

  test('views: a failing partition draws only the processes that have operations in it', async () => {
    const views = await page.$$eval('select.fl-view option', (os) => os.map((o) => o.textContent));
    assert.is(views[0], 'whole history');
    const bad = views.findIndex((v) => /^key k0: INVALID$/.test(v ?? ''));
    assert.ok(bad > 0, `a view of the failing key: ${views}`);
    await page.selectOption('select.fl-view', '0');
    assert.match((await page.textContent('.fl-window')) ?? '', /, 6 processes$/, 'the whole history: 4 clients + 2');
    await page.selectOption('select.fl-view', String(bad));
    const rows = await page.evaluate((v) => {
      const ex = (window as never as { faultlineReport: { explorers: FlExplorer[] } }).faultlineReport.explorers[0];
      const ops = ex.data.views[v].ops ?? [];
      return new Set(ops.map((id) => ex.data.proc[id])).size;
    }, bad);
    assert.match((await page.textContent('.fl-window')) ?? '', new RegExp(`, ${rows} processes$`));
  });

  test('hover shows an operation; a click pins its details with its step in the longest prefix', async () => {
    await page.click('.fl-to-offending');
    const target = await page.evaluate(() => {
      const ex = (window as never as { faultlineReport: { explorers: FlExplorer[] } }).faultlineReport.explorers[0];
      const lin = ex.data.views[ex.view()].lin as { order: number[] };
      // The last step of the prefix that is drawn on screen.
      for (let k = lin.order.length - 1; k >= 0; k--) {
        const box = ex.locate(lin.order[k]);
        if (box && box.w >= 4)
          return { id: lin.order[k], k, n: lin.order.length, box, text: ex.data.text[lin.order[k]] };
      }
      return undefined;
    });
    assert.ok(target, 'a step of the prefix is on screen');
    const { box, k, n, text } = target!;
    await page.mouse.move(box.x + box.w / 2, box.y + box.h / 2);
    await page.waitForSelector('.fl-tip:not([hidden])');
    assert.ok(((await page.textContent('.fl-tip')) ?? '').includes(text), 'the tip names the operation');
    await page.mouse.click(box.x + box.w / 2, box.y + box.h / 2);
    const details = (await page.textContent('.fl-details')) ?? '';
    assert.match(details, /invoked at \d+\.\d+ s \(history index \d+\); ok at \d+\.\d+ s/);
    assert.ok(details.includes(`step ${k + 1} of ${n} in the longest linearizable prefix`), details);
    assert.match(details, /state before: .+; after: .+/);
  });

  test('the offending operation: on screen without sideways scrolling, its time marked on the plots', async () => {
    await page.click('.fl-to-offending');
    const r = await page.evaluate(() => {
      const rep = (window as never as { faultlineReport: { explorers: FlExplorer[]; plots: FlPlot[][] } })
        .faultlineReport;
      const ex = rep.explorers[0];
      const id = ex.data.offending;
      // The red line at the violation's start, read off each plot's canvas (uPlot draws in device pixels).
      const marks = rep.plots[0].map((u) => {
        const x = Math.round(u.valToPos(ex.data.inv[id], 'x', true));
        const y = Math.round(u.bbox.top + u.bbox.height / 2);
        const ctx = u.ctx;
        let red = 0;
        for (let dx = -2; dx <= 2; dx++) {
          const [r, g, b] = ctx.getImageData(x + dx, y, 1, 1).data;
          if (r > 150 && g < 80 && b < 80) red++;
        }
        return red;
      });
      return {
        box: ex.locate(id),
        details: ex.root.querySelector('.fl-details')!.textContent,
        marks,
        scrollX,
        vw: innerWidth,
        vh: innerHeight,
        scrollWidth: document.documentElement.scrollWidth,
      };
    });
    const b = r.box!;
    assert.ok(b && b.x >= 0 && b.x + b.w <= r.vw && b.y >= 0 && b.y + b.h <= r.vh, `on screen: ${JSON.stringify(r)}`);
    assert.is(r.scrollX, 0);
    assert.ok(r.scrollWidth <= r.vw, 'the page is no wider than the window');
    assert.match(r.details ?? '', /the offending operation/);
    assert.is(r.marks.length, 2, 'two plots');
    for (const m of r.marks) assert.ok(m > 0, `the violation's line on each plot: ${r.marks}`);
    assert.equal(await pageProblems(page, problems), [], 'no errors, no CSP violations');
  });

  test('an invalid transactional history: the G-single cycle drawn and explained, transactions link', async () => {
    const out = join(root, 'txn');
    const paper = join(ELLE_CONFORMANCE_DIR, 'list-append/elle-cli-paper-example.json');
    assert.is(runCli(['check', '--model', 'list-append', '--out', out, paper]).code, 1);
    const t = await browser.open(pathToFileURL(join(out, 'report.html')).href, { width: 1280, height: 1000 });
    const cycle = t.page.locator('svg.cycle');
    assert.is(await cycle.count(), 1);
    assert.is(await cycle.locator('a.node').count(), 3, 'three transactions');
    const labels = await cycle.locator('.elabel').allTextContents();
    assert.equal(labels.sort(), ['rw 255: 5 → 8', 'wr 255: 8', 'ww 256: 4 → 3']);
    const steps = await t.page.locator('ol.steps li').allTextContents();
    assert.is(steps.length, 3);
    assert.match(steps[2], /closes the cycle/);
    assert.match(
      (await t.page.textContent('table.anomalies')) ?? '',
      /G-single-item\s*1\s*consistent-view, repeatable-read/,
    );
    // The cycle's transactions are outlined in the explorer from the start; the page did not move.
    assert.is(await t.page.evaluate(() => scrollY), 0);
    const shot = join(root, 'txn-report.png');
    await t.page.screenshot({ path: shot });
    console.log(`screenshot: ${shot}`);
    // A click on T2 focuses the explorer on the cycle, T2 selected and on screen.
    await t.page.locator('.fl-cycle-text ul.txns a').nth(1).click();
    const r = await t.page.evaluate(() => {
      const ex = (window as never as { faultlineReport: { explorers: FlExplorer[] } }).faultlineReport.explorers[0];
      const id = Number(ex.root.dataset.selected);
      return { completion: ex.data.ci[id], box: ex.locate(id), vh: innerHeight };
    });
    assert.is(r.completion, 3, 'T2 is operation 3');
    assert.ok(r.box && r.box.y >= 0 && r.box.y + r.box.h <= r.vh, 'T2 on screen');
    assert.match((await t.page.textContent('.fl-details')) ?? '', /append 255 8/);
    assert.equal(await pageProblems(t.page, t.problems), [], 'no errors, no CSP violations');
  });

  test.run();
}

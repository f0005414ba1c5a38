// Reports and the results index in a real browser: Debian's chromium, headless, driven over the DevTools protocol
// (test/helpers/chromium.ts). For a real run's report, an invalid run's report, the static results/index.html and
// the index and a report served by `faultline serve`: the verdict is shown, the console has no errors, and on an
// invalid report the offending operation is highlighted and scrolled into view. Skips, saying why, without chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeIndex } from '../../harness/report/index-page.js';
import { Browser, CHROMIUM, type Page } from '../helpers/chromium.js';
import { runCli, runDirOf } from '../helpers/cli.js';
import { CLI } from '../helpers/paths.js';
import { makeRunFolder } from '../helpers/run-folders.js';

if (!CHROMIUM) {
  console.log(
    'SKIP browser tests: chromium not found at /usr/bin/chromium (apt-get install chromium, or set FAULTLINE_CHROMIUM)',
  );
  test.skip('browser tests need chromium', () => undefined);
  test.run();
} else {
  const root = mkdtempSync(join(tmpdir(), 'fl-browser-'));
  let browser: Browser;
  let serve: ChildProcess | undefined;
  let realRun: string;
  const invalid = makeRunFolder(root, { seed: 5, stale: true });

  const noErrors = (p: Page, what: string): void => assert.equal(p.errors, [], `${what}: console errors`);

  test.before(() => {
    browser = Browser.launch();
  });
  test.after(async () => {
    serve?.kill('SIGTERM');
    await browser.close();
  });

  test('a real run report: the verdict is shown, charts and legends drawn, no console errors', async () => {
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
    realRun = runDirOf(r.stdout);
    const valid = JSON.parse(readFileSync(join(realRun, 'results.json'), 'utf8')).valid;
    const p = await browser.open(pathToFileURL(join(realRun, 'report.html')).href);
    const h1 = await p.eval<string>('document.querySelector("h1").textContent');
    assert.match(h1, valid === true ? /: valid$/ : valid === false ? /: INVALID$/ : /: unknown$/);
    assert.is(await p.eval<number>('document.querySelectorAll("svg.chart").length'), 2);
    assert.ok((await p.eval<number>('document.querySelectorAll(".chart-legend span").length')) >= 4);
    assert.match(
      await p.eval<string>('document.getElementById("command").textContent'),
      /^faultline run --runtime local .*--seed 3 /,
    );
    noErrors(p, 'run report');
  });

  test(
    'an invalid report: INVALID shown, ' + 'the offending operation highlighted and in view, fault lanes drawn',
    async () => {
      const p = await browser.open(pathToFileURL(join(invalid, 'report.html')).href);
      assert.match(await p.eval<string>('document.querySelector("h1").textContent'), /INVALID/);
      const off = await p.eval<{
        focus: boolean;
        top: number;
        bottom: number;
        vh: number;
      }>(`(() => { const e = document.getElementById('offending'); const r = e.getBoundingClientRect();
      return { focus: e.classList.contains('focus'), top: r.top, bottom: r.bottom, vh: innerHeight }; })()`);
      assert.ok(off.focus, 'highlighted');
      assert.ok(off.top >= 0 && off.bottom <= off.vh, `in view: ${JSON.stringify(off)}`);
      assert.ok(
        (await p.eval<number>('document.querySelectorAll(".timeline .fault").length')) > 0,
        'fault lane above the timeline',
      );
      assert.match(
        await p.eval<string>('document.body.textContent'),
        /offending operation: key k0: client \d+: .*read → "?A"?/,
      );
      noErrors(p, 'invalid report');
    },
  );

  test(
    'the static results/index.html: every run, verdicts shown, ' + 'filters work offline, no console errors',
    async () => {
      writeIndex(root);
      const p = await browser.open(pathToFileURL(join(root, 'index.html')).href);
      const rows = await p.eval<string[]>(
        '[...document.querySelectorAll("#runs tbody tr")].map(r => r.dataset.verdict)',
      );
      assert.is(rows.length, 2);
      assert.ok(rows.includes('invalid'));
      await p.eval(
        `(() => { const s = document.querySelector('select[name=verdict]'); ` +
          `s.value = 'invalid'; ` +
          `s.dispatchEvent(new Event('change', { bubbles: true })); })()`,
      );
      assert.is(
        await p.eval<number>(
          '[...document.querySelectorAll("#runs tbody tr")].filter(r => r.style.display !== "none").length',
        ),
        1,
      );
      noErrors(p, 'static index');
    },
  );

  test('faultline serve: the index and a report through the server, no console errors', async () => {
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
    const p = await browser.open(`${url}?verdict=invalid`);
    const verdicts = await p.eval<string[]>(
      '[...document.querySelectorAll("#runs tbody tr")].map(r => r.children[1].textContent)',
    );
    assert.equal(verdicts, ['INVALID']);
    const href = await p.eval<string>('document.querySelector("#runs tbody tr a").href');
    noErrors(p, 'served index');
    const rep = await browser.open(href);
    assert.match(await rep.eval<string>('document.querySelector("h1").textContent'), /INVALID/);
    assert.ok(
      await rep.eval<boolean>('document.getElementById("offending").classList.contains("focus")'),
      "the inline script ran under the server's CSP",
    );
    noErrors(rep, 'served report');
  });

  test.run();
}

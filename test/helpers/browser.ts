// Browser tests drive Debian's chromium through Playwright (playwright-core: no browser is downloaded). One
// browser per test file, with a fresh profile; each page records console errors, uncaught exceptions, failed
// loads and Content-Security-Policy violations, which every test asserts are none.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM =
  process.env.FAULTLINE_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

export const SKIP_REASON =
  'SKIP browser tests: chromium not found at /usr/bin/chromium (apt-get install chromium, or set FAULTLINE_CHROMIUM)';

export interface Browser {
  /** Opens `url` in a new page and waits for its load event; `problems` fills as the page runs. */
  open(url: string, viewport?: { width: number; height: number }): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('chromium is not installed');
  const profile = mkdtempSync(join(tmpdir(), 'fl-chromium-'));
  const ctx: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  // A policy violation is reported to the page as an event; the test reads what was collected.
  await ctx.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'}`),
    );
  });
  return {
    async open(url, viewport) {
      const page = await ctx.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'assert') problems.push(`console.${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`failed load: ${r.url()} (${r.failure()?.errorText})`));
      await page.goto(url, { waitUntil: 'load' });
      return { page, problems };
    },
    async close() {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Console errors, exceptions, failed loads and CSP violations of a page so far. */
export async function pageProblems(page: Page, problems: readonly string[]): Promise<string[]> {
  const csp = await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
  return [...problems, ...csp.map((v) => `CSP violation: ${v}`)];
}

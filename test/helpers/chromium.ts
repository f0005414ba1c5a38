// A tiny headless-Chromium driver for the browser tests: Debian's `chromium`, driven over the DevTools protocol
// on a pipe (--remote-debugging-pipe: JSON messages separated by NUL bytes on fds 3 and 4), so no WebSocket
// client and no downloaded browser are needed. It opens a page, waits for its load event, evaluates
// expressions, and collects console errors, uncaught exceptions and failed loads.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM =
  process.env.FAULTLINE_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
}

export class Browser {
  private next = 1;
  private pending = new Map<number, Pending>();
  private listeners: ((m: { method: string; params: Record<string, unknown>; sessionId?: string }) => void)[] = [];
  private buffer = '';
  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const out = child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let i = this.buffer.indexOf('\0'); i >= 0; i = this.buffer.indexOf('\0')) {
        const msg = JSON.parse(this.buffer.slice(0, i));
        this.buffer = this.buffer.slice(i + 1);
        if (msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) p?.reject(new Error(`${msg.error.message}`));
          else p?.resolve(msg.result);
        } else for (const l of this.listeners) l(msg);
      }
    });
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('chromium exited'));
      this.pending.clear();
    });
  }

  static launch(): Browser {
    if (!CHROMIUM) throw new Error('chromium is not installed');
    const profile = mkdtempSync(join(tmpdir(), 'fl-chromium-'));
    const child = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-dev-shm-usage',
        `--user-data-dir=${profile}`,
        '--remote-debugging-pipe',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    return new Browser(child, profile);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.next++;
    const w = this.child.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** Opens `url` in a new tab and waits for its load event; returns the tab and every error seen so far (live). */
  async open(url: string, timeoutMs = 30_000): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    const page = new Page(this, sessionId);
    this.listeners.push((m) => {
      if (m.sessionId === sessionId) page.event(m.method, m.params);
    });
    await Promise.all([
      this.send('Runtime.enable', {}, sessionId),
      this.send('Log.enable', {}, sessionId),
      this.send('Page.enable', {}, sessionId),
    ]);
    const loaded = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${url} did not load within ${timeoutMs} ms`)), timeoutMs);
      page.onLoad = () => {
        clearTimeout(t);
        resolve();
      };
    });
    await this.send('Page.navigate', { url }, sessionId);
    await loaded;
    return page;
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]);
    } catch {
      /* already gone */
    }
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await new Promise((r) => (this.child.exitCode !== null ? r(null) : this.child.on('exit', r)));
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  readonly errors: string[] = [];
  onLoad: () => void = () => undefined;
  constructor(
    private readonly browser: Browser,
    private readonly sessionId: string,
  ) {}

  event(method: string, params: Record<string, unknown>): void {
    if (method === 'Page.loadEventFired') this.onLoad();
    if (method === 'Runtime.exceptionThrown') {
      const details = params.exceptionDetails as { exception?: { description?: string }; text?: string };
      this.errors.push(`exception: ${JSON.stringify(details?.exception?.description ?? params.exceptionDetails)}`);
    }
    if (method === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'assert'))
      this.errors.push(`console.${params.type}: ${JSON.stringify(params.args)}`);
    if (method === 'Log.entryAdded') {
      const e = params.entry as { level: string; text: string; url?: string };
      if (e.level === 'error') this.errors.push(`log: ${e.text}${e.url ? ` (${e.url})` : ''}`);
    }
  }

  async eval<T>(expression: string): Promise<T> {
    const r = (await this.browser.send(
      'Runtime.evaluate',
      { expression, returnByValue: true, awaitPromise: true },
      this.sessionId,
    )) as { result: { value: T }; exceptionDetails?: unknown };
    if (r.exceptionDetails) throw new Error(`evaluating ${expression}: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }

  async screenshot(): Promise<Buffer> {
    const r = (await this.browser.send(
      'Page.captureScreenshot',
      { format: 'png', captureBeyondViewport: false },
      this.sessionId,
    )) as { data: string };
    return Buffer.from(r.data, 'base64');
  }
}

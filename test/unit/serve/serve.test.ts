// The results browser over a crafted results root: every run listed newest first with verdict, name, target and
// seed; filters by verdict and name; files served read-only with their types; nothing outside the root, whether
// asked for with "..", encoded dots, a symlink leading out, or a FIFO; hidden temp files and other methods refused.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Server } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer } from '../../../harness/serve/server.js';
import { writeIndex } from '../../../harness/report/index-page.js';
import { listRuns } from '../../../harness/store/index.js';
import { readVerdict } from '../../../harness/store/folder.js';
import { makeRunFolder } from '../../helpers/run-folders.js';
import { httpGet, type Reply } from '../../helpers/http-get.js';

const root = mkdtempSync(join(tmpdir(), 'fl-serve-'));
const valid = makeRunFolder(root, { seed: 1 });
const invalid = makeRunFolder(root, { seed: 2, stale: true, nemesis: 'kill' });
const outside = mkdtempSync(join(tmpdir(), 'fl-serve-outside-'));
writeFileSync(join(outside, 'secret.txt'), 'secret');
symlinkSync(outside, join(root, 'escape'));
symlinkSync(join(outside, 'secret.txt'), join(valid, 'secret.txt'));
writeFileSync(join(valid, '.report.html.123.tmp'), 'temp');
execFileSync('mkfifo', [join(valid, 'fifo.log')]);
let server: Server;
let base: string;

function get(path: string, method = 'GET'): Promise<Reply> {
  return httpGet(base, path, { method });
}

test.before(async () => {
  const s = await startServer({ root, port: 0, host: '127.0.0.1' });
  server = s.server;
  base = s.url;
});
test.after(() => {
  server.close();
});

test('listRuns: newest first, verdicts from results.json', () => {
  const runs = listRuns(root);
  assert.equal(
    runs.map((r) => r.path),
    [relative(root, invalid), relative(root, valid)],
  );
  assert.equal(
    runs.map((r) => r.verdict),
    [false, true],
  );
  assert.is(runs[0].seed, 2);
  assert.is(runs[0].target, 'reference');
  assert.is(runs[0].durationS, 12);
});

test('the index lists every run with verdict, name, target, seed and links; filters on the server', async () => {
  const r = await get('/');
  assert.is(r.status, 200);
  assert.match(r.type, /text\/html/);
  assert.match(r.csp, /default-src 'none'/);
  const rows = r.body.match(/<tr data-verdict="(\w+)"/g) ?? [];
  assert.equal(rows, ['<tr data-verdict="invalid"', '<tr data-verdict="valid"']);
  const invalidHref = relative(root, invalid).split('/').map(encodeURIComponent).join('/').replace(/[+]/g, '\\+');
  assert.match(r.body, new RegExp(`href="${invalidHref}/report.html"`));
  const inv = await get('/?verdict=invalid');
  assert.is((inv.body.match(/<tr data-verdict/g) ?? []).length, 1);
  assert.match(inv.body, /INVALID/);
  const byName = await get('/?name=kill');
  assert.is((byName.body.match(/<tr data-verdict/g) ?? []).length, 1);
  assert.is((await get('/?name=nothing-like-this')).body.match(/<tr data-verdict/g), null);
});

test('files of a run are served with their types; folders are listed', async () => {
  const rel = `/${relative(root, valid).split('/').map(encodeURIComponent).join('/')}`;
  const rep = await get(`${rel}/report.html`);
  assert.is(rep.status, 200);
  assert.is(rep.body, readFileSync(join(valid, 'report.html'), 'utf8'));
  assert.match((await get(`${rel}/results.json`)).type, /application\/json/);
  assert.match((await get(`${rel}/history.jsonl`)).type, /text\/plain/);
  const dir = await get(`${rel}/`);
  assert.is(dir.status, 200);
  assert.match(dir.body, /history\.jsonl/);
  assert.not.match(dir.body, /secret\.txt|\.report\.html/, 'links out and hidden files are not listed');
  assert.is((await get(rel)).status, 301);
});

test('nothing outside the root: "..", encoded dots, symlinks out, FIFOs, hidden files; read-only', async () => {
  for (const p of [
    '/../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2fetc/passwd',
    '/escape/secret.txt',
    '/escape/',
    `/${relative(root, valid)}/secret.txt`,
    `/${relative(root, valid)}/fifo.log`,
    `/${relative(root, valid)}/.report.html.123.tmp`,
    '/%00',
    '/a\\..\\b',
    '/nope',
  ]) {
    const r = await get(p.replace(/\+/g, '%2B'));
    assert.is(r.status, 404, `${p} → ${r.status}`);
    assert.not.match(r.body, /secret|root:/);
  }
  assert.is((await get('/', 'POST')).status, 405);
  assert.is((await get('/', 'DELETE')).status, 405);
  assert.is((await get('/', 'HEAD')).status, 200);
});

test('readVerdict: from the first bytes when "valid" leads, else from the whole file', () => {
  const d = makeRunFolder(mkdtempSync(join(tmpdir(), 'fl-verdict-')), { seed: 9 });
  assert.is(readVerdict(d), true);
  writeFileSync(join(d, 'results.json'), JSON.stringify({ checkers: [], valid: 'unknown' }));
  assert.is(readVerdict(d), 'unknown');
  writeFileSync(join(d, 'results.json'), '{"valid": false, "checkers": []}');
  assert.is(readVerdict(d), false);
});

test('writeIndex: the static index.html lists the same runs with relative links', () => {
  const p = writeIndex(root);
  const html = readFileSync(p, 'utf8');
  assert.equal(html.match(/<tr data-verdict="(\w+)"/g), ['<tr data-verdict="invalid"', '<tr data-verdict="valid"']);
  assert.not.match(html, /href="\//, 'relative links only, so the artifact is browsable from anywhere');
  mkdirSync(join(root, 'empty-test'));
  assert.is(listRuns(root).length, 2, 'a folder without runs adds nothing');
});

test.run();

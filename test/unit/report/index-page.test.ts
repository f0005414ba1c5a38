// Issue 23 item 7: the results index tells runs apart by runtime, target, nemesis and offending operation, filters
// on each, and shows the same workload, seed and nemesis against different targets side by side. The data and the
// rendering are checked on entries made here; the store's reading of them on run folders built through the store;
// the server's filters over HTTP.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { INDEX_SCRIPT, indexRuns, renderIndexPage } from '../../../harness/report/index-page.js';
import { sourceHash } from '../../../harness/report/source-hashes.js';
import { startServer } from '../../../harness/serve/server.js';
import { filterRuns, sideBySide, type RunEntry } from '../../../harness/store/index.js';
import { httpGet } from '../../helpers/http-get.js';
import { makeRunFolder } from '../../helpers/run-folders.js';

let clock = 0;
function entry(o: Partial<RunEntry>): RunEntry {
  clock++;
  return {
    path: `t/${clock}`,
    name: 'kv-partition',
    verdict: true,
    runtime: 'local',
    target: 'reference',
    workload: 'kv',
    nemesis: 'partition',
    seed: 3,
    startedAt: `2026-01-01T00:00:${String(60 - clock).padStart(2, '0')}Z`,
    hasReport: true,
    ...o,
  };
}

// Newest first, as listRuns gives them.
const runs: RunEntry[] = [
  entry({ target: 'etcd', runtime: 'docker', verdict: false, offending: 'key k7: client 3: read → 4' }),
  entry({ target: 'etcd', runtime: 'local', verdict: true }),
  entry({ target: 'reference', verdict: false, offending: 'key k1: client 0: read → 2' }),
  entry({ target: 'my-kv', verdict: false, anomalies: ['G1c', 'G2'], offending: 'list-append: G1c' }),
  entry({ target: 'reference', verdict: true, offending: 'older, shadowed' }),
  entry({ seed: 4, target: 'etcd', nemesis: 'kill', name: 'etcd-kv-kill' }),
  entry({ seed: 4, target: 'etcd', nemesis: 'kill', runtime: 'docker', name: 'etcd-kv-kill' }),
  entry({ seed: 5, target: 'etcd', nemesis: 'pause', name: 'etcd-kv-pause' }),
];

test('filterRuns: each column, exact for runtime, target, workload, nemesis and verdict; substring for text', () => {
  const paths = (f: Parameters<typeof filterRuns>[1]): string[] => filterRuns(runs, f).map((r) => r.path);
  assert.equal(paths({ runtime: 'docker' }), [runs[0].path, runs[6].path]);
  assert.equal(paths({ target: 'etcd', runtime: 'local' }), [runs[1].path, runs[5].path, runs[7].path]);
  assert.equal(paths({ nemesis: 'kill' }), [runs[5].path, runs[6].path]);
  assert.equal(paths({ verdict: 'invalid', target: 'reference' }), [runs[2].path]);
  assert.equal(paths({ offending: 'K7' }), [runs[0].path]);
  assert.equal(paths({ offending: 'g2' }), [runs[3].path], 'anomaly names are searched too');
  assert.equal(paths({ name: 'PAUSE' }), [runs[7].path]);
  assert.equal(paths({ target: 'etc' }), [], 'exact columns do not match a prefix');
  assert.is(filterRuns(runs, {}).length, runs.length);
});

test('sideBySide: one group per workload, seed and nemesis run on two or more targets or runtimes', () => {
  const groups = sideBySide(runs);
  assert.is(groups.length, 2, 'seed 5 ran on one target only');
  const [a, b] = groups;
  assert.equal([a.workload, a.seed, a.nemesis], ['kv', 3, 'partition']);
  assert.equal(
    a.runs.map((r) => `${r.target}/${r.runtime}/${r.verdict}`),
    ['etcd/docker/false', 'etcd/local/true', 'my-kv/local/false', 'reference/local/false'],
    'ordered by target then runtime; the older reference run is shadowed by the newer',
  );
  assert.equal([b.seed, b.nemesis, b.runs.map((r) => r.runtime)], [4, 'kill', ['docker', 'local']]);
});

test('renderIndexPage: the new columns, filters with the values present, the side-by-side tables, escaped', () => {
  const hostile = entry({ target: '<script>x</script>', nemesis: '"><b>', offending: `</code><script>y</script>` });
  const html = renderIndexPage([...runs, hostile], { title: 'faultline results', filter: { runtime: 'docker' } });
  assert.match(
    html,
    '<th>started</th><th>verdict</th><th>test</th><th>runtime</th><th>target</th><th>nemesis</th><th>seed</th>',
  );
  assert.match(html, /<th>offending op<\/th>/);
  assert.match(html, /<tr data-verdict="invalid" data-runtime="docker" data-target="etcd" data-workload="kv"/);
  assert.match(html, /<td>docker<\/td><td>etcd<\/td><td>partition<\/td><td>3<\/td>/);
  assert.match(html, /<code title="key k7: client 3: read → 4">key k7: client 3: read → 4<\/code>/);
  assert.match(html, /<code title="G1c, G2: list-append: G1c">/);
  assert.match(html, /<select name="runtime"><option value="">any<\/option><option value="docker" selected>/);
  assert.match(html, /<select name="target">.*<option value="my-kv">my-kv<\/option>/);
  assert.match(html, /<input name="offending" value="" placeholder="substring">/);
  assert.match(html, /<caption>kv · seed 3 · nemesis partition<\/caption>/);
  assert.match(html, /<caption>kv · seed 4 · nemesis kill<\/caption>/);
  assert.not.match(html, /seed 5/);
  assert.is((html.match(/<script>/g) ?? []).length, 1, 'only our script; hostile values are text');
  assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/);
  assert.ok(html.includes(`script-src ${sourceHash(INDEX_SCRIPT)};`), 'the meta policy allows the page script');
  assert.ok(html.includes(`<script>${INDEX_SCRIPT}</script>`));
  assert.not.match(html, /unsafe-inline|style="/);
});

test("the page's script filters its rows as filterRuns does (run on a stand-in for the page's DOM)", () => {
  const html = renderIndexPage(runs, { title: 't' });
  const rows = [...html.matchAll(/<tr (data-[^>]*)>/g)].map((m) => {
    const attrs = Object.fromEntries([...m[1].matchAll(/(data-\w+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    return { style: { display: '' }, getAttribute: (k: string) => attrs[k] ?? null };
  });
  const fields = [...html.matchAll(/<(select|input) name="(\w+)"/g)].map((m) => ({
    tagName: m[1].toUpperCase(),
    name: m[2],
    value: '',
  }));
  const listeners: (() => void)[] = [];
  const form = { querySelectorAll: () => fields, addEventListener: (_: string, f: () => void) => listeners.push(f) };
  const count = { textContent: '' };
  const document = {
    getElementById: (id: string) => (id === 'filters' ? form : count),
    querySelectorAll: () => rows,
  };
  new Function('document', 'location', INDEX_SCRIPT)(document, { search: '?runtime=docker', protocol: 'http:' });
  const shown = (): string[] => runs.filter((_, i) => rows[i].style.display !== 'none').map((r) => r.path);
  assert.equal(
    shown(),
    filterRuns(runs, { runtime: 'docker' }).map((r) => r.path),
    'the query applies on opening',
  );
  assert.is(count.textContent, '2 of 8 runs shown, newest first');
  for (const f of fields) f.value = { runtime: '', target: 'etcd', offending: 'K7' }[f.name] ?? '';
  listeners[0]();
  assert.equal(
    shown(),
    filterRuns(runs, { target: 'etcd', offending: 'k7' }).map((r) => r.path),
  );
  assert.is(shown().length, 1);
});

test('run folders: runtime and target from test.json, the offending op of an invalid run, served filters', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fl-index-'));
  const docker = makeRunFolder(root, { seed: 3, stale: true, runtime: 'docker', target: 'etcd' });
  const local = makeRunFolder(root, { seed: 3, runtime: 'local', target: 'etcd' });
  const ref = makeRunFolder(root, { seed: 3, stale: true });
  const list = indexRuns(root);
  const byPath = new Map(list.map((r) => [r.path, r]));
  const d = byPath.get(relative(root, docker))!;
  const l = byPath.get(relative(root, local))!;
  assert.equal(
    [d.runtime, d.target, d.verdict, l.runtime, l.target, l.verdict],
    ['docker', 'etcd', false, 'local', 'etcd', true],
  );
  assert.match(d.offending ?? '', /key k0: client 501: .*read → "A"/);
  assert.is(l.offending, undefined);
  assert.is(byPath.get(relative(root, ref))!.target, 'reference');
  const groups = sideBySide(list);
  assert.is(groups.length, 1);
  assert.equal(
    groups[0].runs.map((r) => `${r.target}/${r.runtime}`),
    ['etcd/docker', 'etcd/local', 'reference/local'],
  );

  const { server, url } = await startServer({ root, port: 0, host: '127.0.0.1' });
  try {
    const rows = async (q: string): Promise<string[]> =>
      [
        ...(await httpGet(url, `/${q}`)).body.matchAll(
          /<tr data-verdict="(\w+)" data-runtime="(\w+)" data-target="(\w+)"/g,
        ),
      ].map((m) => `${m[3]}/${m[2]}/${m[1]}`);
    assert.equal(await rows('?runtime=docker'), ['etcd/docker/invalid']);
    assert.equal((await rows('?target=etcd')).sort(), ['etcd/docker/invalid', 'etcd/local/valid']);
    assert.equal(await rows('?target=reference&verdict=invalid'), ['reference/local/invalid']);
    assert.equal((await rows('?offending=client%20501')).sort(), ['etcd/docker/invalid', 'reference/local/invalid']);
    assert.equal(await rows('?nemesis=kill'), []);
    const page = (await httpGet(url, '/?target=etcd')).body;
    assert.match(page, /<caption>kv · seed 3 · nemesis partition<\/caption>/, 'side by side over all runs');
  } finally {
    server.close();
  }
});

test.run();

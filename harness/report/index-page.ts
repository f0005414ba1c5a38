// The results index page: one row per run, newest first, with the runtime, target, nemesis and offending operation
// a person tells runs apart by, filters on each, and a side-by-side view of the same workload, seed and nemesis
// run against different targets or runtimes. The same page is written as results/index.html (static, opened from
// a CI artifact, filtered by its inline script) and served by `faultline serve` (which also filters on the server
// from the query, so a filtered view is a link that works without the script). Links are relative to the results
// root, so both work. The page runs only its own script, allowed by hash (source-hashes.ts).
import { firstOffending } from '../check/pipeline.js';
import type { Results } from '../checker/results.js';
import {
  EXACT_FILTERS,
  filterValue,
  listRuns,
  sideBySide,
  TEXT_FILTERS,
  writeIndexFile,
  type EntryVerdict,
  type IndexFilter,
  type RunEntry,
  type SideBySide,
  type Summarise,
} from '../store/index.js';
import { BASE_CSS, esc, num, page } from './html.js';
import { strictPolicy, withPolicyMeta, type PageSources } from './source-hashes.js';

/** Longest offending text shown in a cell; the whole of it is the cell's tooltip. */
const OFFENDING_CHARS = 80;

/** Most anomaly names kept per run (a transactional checker may name a dozen kinds). */
const MAX_ANOMALIES = 12;

/** An invalid run's first offending operation (the pipeline's wording) and the anomaly names its checkers stored. */
export const summariseResults: Summarise = (r: Results) => {
  const anomalies = new Set<string>();
  for (const c of r.checkers) {
    const types = (c.details as { anomalyTypes?: unknown } | undefined)?.anomalyTypes;
    if (Array.isArray(types)) for (const t of types) if (typeof t === 'string') anomalies.add(t);
  }
  return { offending: firstOffending(r)?.text, anomalies: [...anomalies].slice(0, MAX_ANOMALIES) };
};

/** Every run under `root` as the index shows it, invalid runs with their offending operation. */
export function indexRuns(root: string): RunEntry[] {
  return listRuns(root, summariseResults);
}

function verdictCell(v: EntryVerdict, error?: string): string {
  const cls = v === true ? 'valid' : v === false ? 'invalid' : 'unknown';
  const word = v === true ? 'valid' : v === false ? 'INVALID' : v;
  return (
    `<span class="${cls}">${esc(word)}</span>` +
    `${error ? ` <span class="muted" title="${esc(error)}">(run error)</span>` : ''}`
  );
}

/** What an invalid run showed: its anomalies' names, else its first offending operation, cut short. */
function showedCell(r: RunEntry): string {
  const full = [r.anomalies?.join(', '), r.offending].filter(Boolean).join(': ');
  if (!full) return '';
  const short = full.length > OFFENDING_CHARS ? `${full.slice(0, OFFENDING_CHARS - 1)}…` : full;
  return `<code title="${esc(full)}">${esc(short)}</code>`;
}

/** A path of the root for a link: each segment URI-encoded. */
function href(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function when(r: RunEntry): string {
  return esc(r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'));
}

function nameCell(r: RunEntry, label = r.name): string {
  return r.hasReport ? `<a href="${href(r.path)}/report.html">${esc(label)}</a>` : esc(label);
}

function row(r: RunEntry): string {
  const data = [...EXACT_FILTERS, ...TEXT_FILTERS].map((k) => ` data-${k}="${esc(filterValue(r, k))}"`).join('');
  const files = ['test.json', 'results.json', 'history.jsonl']
    .map((f) => `<a href="${href(r.path)}/${f}">${f}</a>`)
    .join(' ');
  return (
    `<tr${data}><td>${when(r)}</td><td>${verdictCell(r.verdict, r.error)}</td><td>${nameCell(r)}</td>` +
    `<td>${esc(r.runtime)}</td><td>${esc(r.target)}</td><td>${esc(r.nemesis)}</td><td>${esc(r.seed ?? '')}</td>` +
    `<td>${r.durationS !== undefined ? `${num(r.durationS, 1)} s` : ''}</td><td>${showedCell(r)}</td>` +
    `<td class="files"><a href="${href(r.path)}/">folder</a> ${files}</td></tr>`
  );
}

const LABELS: Record<keyof IndexFilter, string> = {
  verdict: 'verdict',
  runtime: 'runtime',
  target: 'target',
  workload: 'workload',
  nemesis: 'nemesis',
  name: 'test name',
  offending: 'offending op',
};

/** A select of every value a column holds among all runs (not only the shown ones), the chosen one selected. */
function select(key: (typeof EXACT_FILTERS)[number], all: readonly RunEntry[], chosen: string): string {
  const values = [...new Set(all.map((r) => filterValue(r, key)).filter(Boolean))].sort();
  if (chosen && !values.includes(chosen)) values.push(chosen);
  const opts = ['', ...values]
    .map((v) => `<option value="${esc(v)}"${v === chosen ? ' selected' : ''}>${v ? esc(v) : 'any'}</option>`)
    .join('');
  return `<label>${LABELS[key]} <select name="${key}">${opts}</select></label>`;
}

function sideBySideSection(groups: readonly SideBySide[]): string {
  const tables = groups.map((g) => {
    const rows = g.runs
      .map(
        (r) =>
          `<tr><td>${nameCell(r, r.target)}</td><td>${esc(r.runtime)}</td>` +
          `<td>${verdictCell(r.verdict, r.error)}</td><td>${showedCell(r)}</td><td>${when(r)}</td></tr>`,
      )
      .join('');
    return (
      `<table class="side"><caption>${esc(g.workload)} · seed ${esc(g.seed ?? '?')} · ` +
      `nemesis ${esc(g.nemesis || 'none')}</caption><thead><tr><th>target</th><th>runtime</th><th>verdict</th>` +
      `<th>what it showed</th><th>started</th></tr></thead><tbody>${rows}</tbody></table>`
    );
  });
  return (
    '<h2 id="side-by-side">Side by side</h2><p class="muted">The same workload, seed and nemesis against ' +
    'different targets or runtimes: the newest run of each, its verdict and what it found.</p>' +
    (tables.length ? tables.join('\n') : '<p class="muted">no workload, seed and nemesis ran on two targets</p>')
  );
}

/** The page's one script: the filters, applied in the page so that the static index.html filters too. */
export const INDEX_SCRIPT = `
(function () {
  var form = document.getElementById('filters');
  var fields = Array.prototype.slice.call(form.querySelectorAll('select, input'));
  var rows = Array.prototype.slice.call(document.querySelectorAll('#runs tbody tr'));
  var count = document.getElementById('count');
  function keep(r) {
    return fields.every(function (f) {
      var v = f.value, d = r.getAttribute('data-' + f.name) || '';
      if (!v) return true;
      return f.tagName === 'SELECT' ? d === v : d.indexOf(v.toLowerCase()) >= 0;
    });
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (r) {
      var ok = keep(r);
      r.style.display = ok ? '' : 'none';
      if (ok) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' runs shown, newest first';
  }
  var q = new URLSearchParams(location.search);
  fields.forEach(function (f) {
    if (q.get(f.name) !== null) f.value = q.get(f.name);
  });
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  if (location.protocol === 'file:') form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
  apply();
})();
`;

const INDEX_CSS =
  'form label{margin-right:12px} td.files a{margin-right:6px} #runs td{white-space:nowrap} ' +
  'table.side{margin-bottom:16px} table.side caption{text-align:left;font-weight:600;padding:4px 0}';

/** The scripts and styles the index page holds: its policy is made of these, never of a page read back. */
export const INDEX_SOURCES: PageSources = { scripts: [INDEX_SCRIPT], styles: [BASE_CSS + INDEX_CSS] };

export interface IndexPageOptions {
  title: string;
  /** The filter the rows were chosen by (the form shows it). */
  filter?: IndexFilter;
  /** Every run, for the filters' choices and the side-by-side view; the rows shown when absent. */
  all?: readonly RunEntry[];
}

export function renderIndexPage(runs: readonly RunEntry[], o: IndexPageOptions): string {
  const all = o.all ?? runs;
  const f = o.filter ?? {};
  const texts = TEXT_FILTERS.map(
    (k) => `<label>${LABELS[k]} <input name="${k}" value="${esc(f[k] ?? '')}" placeholder="substring"></label>`,
  ).join('\n');
  const body =
    `<h1>${esc(o.title)}</h1>
<p class="muted" id="count">${num(runs.length)} run${runs.length === 1 ? '' : 's'}` +
    `${all.length !== runs.length ? ` of ${num(all.length)}` : ''}, newest first · ` +
    `<a href="#side-by-side">side by side</a></p>
<form id="filters" method="get">${EXACT_FILTERS.map((k) => select(k, all, f[k] ?? '')).join('\n')}
${texts} <button type="submit">filter</button></form>
<table id="runs"><thead><tr><th>started</th><th>verdict</th><th>test</th><th>runtime</th><th>target</th>` +
    `<th>nemesis</th><th>seed</th><th>duration</th><th>offending op</th><th>files</th></tr></thead>
<tbody>
${runs.map(row).join('\n')}
</tbody></table>
${runs.length === 0 ? '<p class="muted">no runs</p>' : ''}
${sideBySideSection(sideBySide(all))}
<script>${INDEX_SCRIPT}</script>`;
  return withPolicyMeta(page(o.title, body, INDEX_CSS), strictPolicy(INDEX_SOURCES));
}

/** Rewrites root/index.html from the folders under root; returns its path. */
export function writeIndex(root: string): string {
  return writeIndexFile(root, renderIndexPage(indexRuns(root), { title: 'faultline results' }));
}

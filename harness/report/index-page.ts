// The results index page: one row per run, newest first, with filters by verdict and by test name. The same
// page is written as results/index.html (static, opened from a CI artifact, filtered by its inline script) and
// served by `faultline serve` (which also filters on the server from ?verdict=&name=). Links are relative to
// the results root, so both work.
import { listRuns, writeIndexFile, type EntryVerdict, type RunEntry } from '../store/index.js';
import { esc, num, page } from './html.js';

function verdictCell(v: EntryVerdict, error?: string): string {
  const cls = v === true ? 'valid' : v === false ? 'invalid' : 'unknown';
  const word = v === true ? 'valid' : v === false ? 'INVALID' : v;
  return (
    `<span class="${cls}">${esc(word)}</span>` +
    `${error ? ` <span class="muted" title="${esc(error)}">(run error)</span>` : ''}`
  );
}

/** A path of the root for a link: each segment URI-encoded. */
function href(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function renderIndexPage(
  runs: readonly RunEntry[],
  o: { title: string; verdict?: string; name?: string; total?: number },
): string {
  const rows = runs
    .map((r) => {
      const key = r.verdict === true ? 'valid' : r.verdict === false ? 'invalid' : String(r.verdict);
      const files = ['test.json', 'results.json', 'history.jsonl']
        .map((f) => `<a href="${href(r.path)}/${f}">${f}</a>`)
        .join(' ');
      return (
        `<tr data-verdict="${esc(key)}" data-name="${esc(r.name.toLowerCase())}">` +
        `<td>${esc(r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</td>` +
        `<td>${verdictCell(r.verdict, r.error)}</td>` +
        `<td>${r.hasReport ? `<a href="${href(r.path)}/report.html">${esc(r.name)}</a>` : esc(r.name)}</td>` +
        `<td>${esc(r.target)}</td><td>${esc(r.seed ?? '')}</td>` +
        `<td>${r.durationS !== undefined ? `${num(r.durationS, 1)} s` : ''}</td>` +
        `<td class="files"><a href="${href(r.path)}/">folder</a> ${files}</td></tr>`
      );
    })
    .join('\n');
  const opt = (v: string, label: string): string =>
    `<option value="${v}"${o.verdict === v ? ' selected' : ''}>${label}</option>`;
  const body =
    `<h1>${esc(o.title)}</h1>
<p class="muted" id="count">${num(runs.length)} run${runs.length === 1 ? '' : 's'}` +
    `${o.total !== undefined && o.total !== runs.length ? ` of ${num(o.total)}` : ''}, newest first</p>
<form id="filters" method="get"><label>verdict <select name="verdict">` +
    `${opt('', 'any')}${opt('valid', 'valid')}${opt('invalid', 'invalid')}` +
    `${opt('unknown', 'unknown')}${opt('incomplete', 'incomplete')}</select></label>
<label>test name <input name="name" value="${esc(o.name ?? '')}" placeholder="substring"></label> ` +
    `<button type="submit">filter</button></form>
<table id="runs"><thead><tr><th>started</th><th>verdict</th><th>test</th>` +
    `<th>target</th><th>seed</th><th>duration</th><th>files</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${runs.length === 0 ? '<p class="muted">no runs</p>' : ''}
<script>
// Filters in the page too, so the static results/index.html filters without a server.
(function () {
  var form = document.getElementById('filters');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#runs tbody tr'));
  var count = document.getElementById('count');
  function apply() {
    var v = form.elements.verdict.value, n = form.elements.name.value.toLowerCase(), shown = 0;
    rows.forEach(function (r) {
      var ok = (!v || r.getAttribute('data-verdict') === v) && (!n || r.getAttribute('data-name').indexOf(n) >= 0);
      r.style.display = ok ? '' : 'none';
      if (ok) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' runs shown, newest first';
  }
  var q = new URLSearchParams(location.search);
  if (q.get('verdict') !== null) form.elements.verdict.value = q.get('verdict');
  if (q.get('name') !== null) form.elements.name.value = q.get('name');
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  if (location.protocol === 'file:') form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
  apply();
})();
</script>`;
  return page(o.title, body, 'form label{margin-right:12px} td.files a{margin-right:6px} #runs td{white-space:nowrap}');
}

/** Rewrites root/index.html from the folders under root; returns its path. */
export function writeIndex(root: string): string {
  return writeIndexFile(root, renderIndexPage(listRuns(root), { title: 'faultline results' }));
}

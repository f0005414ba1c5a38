// Small helpers shared by every HTML page we write: escaping and the page shell with inline CSS (the reports
// are single self-contained files, opened straight from the results folder or a CI artifact). Every page carries
// a Content-Security-Policy allowing only its own inline scripts and styles by hash (csp.ts), so no inline style
// attributes or event handler attributes anywhere: classes and scripts' listeners instead.
import { cspMeta } from './csp.js';

export function esc(s: unknown): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * A number for the page, escaped like any text: values read back from results.json are only numbers if the
 * file says so, and a crafted file must not get markup in through a "number" field.
 */
export function num(v: unknown, digits?: number): string {
  if (typeof v === 'number') return esc(digits !== undefined && Number.isFinite(v) ? v.toFixed(digits) : String(v));
  return esc(v);
}

export const BASE_CSS =
  `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px} h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:8px 0} ` +
  `td,th{padding:4px 10px;border-bottom:1px solid #e3e6eb;text-align:left;vertical-align:top}
code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace} pre{background:#f0f2f5;padding:8px;overflow:auto}
.valid{color:#137333;font-weight:600} .invalid{color:#c5221f;font-weight:600} .unknown{color:#b06000;font-weight:600}
.card{background:#fff;border:1px solid #e3e6eb;border-radius:6px;padding:12px 16px;margin:12px 0}
.muted{color:#667085} .timeline{overflow-x:auto;background:#fff;border:1px solid #e3e6eb}
.legend span{display:inline-block;margin-right:14px} ` +
  `.sw{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin-right:4px;border-radius:2px}
`;

/** The page's title and body in the shell, its <meta> policy hashing the inline scripts and styles it holds. */

export function page(title: string, body: string, css = ''): string {
  const rest = `<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${BASE_CSS}${css}</style></head>
<body>${body}</body></html>
`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${cspMeta(rest)}${rest}`;
}

export function verdictHtml(v: true | false | 'unknown'): string {
  return v === true
    ? '<span class="valid">valid</span>'
    : v === false
      ? '<span class="invalid">INVALID</span>'
      : '<span class="unknown">unknown</span>';
}

// The inline scripts and styles a run report (run-report.ts) can hold, as the texts its renderer puts in the
// page. `serve` sends a report.html with a policy made of these hashes, not of the file's own elements: a
// report.html in a folder someone sent may hold any script, and only the ones this renderer writes may run.
import { CHART_CSS } from './charts.js';
import { BASE_CSS } from './html.js';
import { FOCUS_SCRIPT } from './run-report.js';
import type { PageSources } from './source-hashes.js';
import { TIMELINE_CSS } from './timeline.js';

function inner(element: string, tag: string): string {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  if (!element.startsWith(open) || !element.endsWith(close)) throw new Error(`not a <${tag}> element: ${tag}`);
  return element.slice(open.length, -close.length);
}

export const REPORT_SOURCES: PageSources = {
  scripts: [inner(FOCUS_SCRIPT, 'script')],
  styles: [BASE_CSS + TIMELINE_CSS + CHART_CSS],
};

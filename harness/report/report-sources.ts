// The inline scripts and styles a run report (run-report.ts) can hold, as the texts its renderer puts in the
// page. `serve` sends a report.html with a policy made of these hashes, not of the file's own elements: a
// report.html in a folder someone sent may hold any script, and only the ones this renderer writes may run.
import { appScript } from './client-script.js';
import { BASE_CSS } from './html.js';
import { runReportCss } from './run-report.js';
import { strictPolicy, type PageSources } from './source-hashes.js';
import { uplot } from './vendor.js';

/** The run report's two inline scripts (uPlot, then the page's own) and its one <style>, as page() writes it. */
export const REPORT_SOURCES: PageSources = {
  scripts: [uplot().js, appScript()],
  styles: [BASE_CSS + runReportCss()],
};

/** A legend swatch's style attribute as the renderer writes it: a colour and nothing else. */
const SWATCH = /\bstyle="(background:#[0-9a-fA-F]{3,8})"/g;

/** Most distinct swatch colours allowed in one report (a legend has a dozen at most). */
const MAX_SWATCHES = 64;

/**
 * The policy `serve` sends with a report: REPORT_SOURCES, and the report's legend swatches, whose colours are
 * style attributes. Those are taken from the page, but only in the swatch's exact form (a background colour),
 * which can neither run nor load anything; every other inline style in a crafted file stays blocked.
 */
export function reportPolicy(html: string): string {
  const colours = new Set<string>();
  for (const m of html.matchAll(SWATCH)) if (colours.add(m[1]).size >= MAX_SWATCHES) break;
  return strictPolicy({ ...REPORT_SOURCES, styleAttributes: [...colours] });
}

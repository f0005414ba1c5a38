// The report's one inline script: uPlot (vendor.ts), then the client functions (client/), taken as their compiled
// text and called in the page. Writing the page's code as TypeScript functions keeps it type-checked with the rest;
// each is self-contained (client/explorer.ts says why), so the text of the functions is the whole program.
import { makeExplorer, showOffending } from './client/explorer.js';
import { reportMain } from './client/page.js';
import { makePlots } from './client/plots.js';
import { uplot } from './vendor.js';

const CLIENT = [makeExplorer, showOffending, makePlots, reportMain];

let cached: string | undefined;

/** The app's script (without uPlot): the functions, then a call to the page's main. */
export function appScript(): string {
  cached ??= `(function () {\n'use strict';\n${CLIENT.map((f) => f.toString()).join('\n')}\nreportMain();\n})();`;
  return cached;
}

/** Every script and style a report page needs, as elements to put at the end of its body and in its <style>. */
export function reportAssets(): { scripts: string; css: string } {
  const u = uplot();
  return { scripts: `<script>${u.js}</script>\n<script>${appScript()}</script>`, css: u.css };
}

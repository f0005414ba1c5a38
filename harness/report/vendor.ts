// uPlot (npm `uplot`), inlined into the report: the page is one file that opens offline under a policy allowing
// only its own inline scripts, so the library cannot be linked, only copied in. It is read from node_modules at
// render time, found the way Node finds any dependency (createRequire from this module), so it works in a clone
// and when Faultline is itself installed as a dependency (npm may hoist uplot above our package folder).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface Asset {
  js: string;
  css: string;
}

let cached: Asset | undefined;

/** Text that would end the inline element early ("</script", "</style") or open an HTML comment in a script. */
const BREAKS_OUT = /<\/(script|style)|<!--/i;

export function uplot(): Asset {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let js: string;
  let css: string;
  try {
    js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  } catch (e) {
    throw new Error(`the report needs the uplot package (npm install): ${(e as Error).message.split('\n')[0]}`);
  }
  // The page embeds the text verbatim; a release that held either sequence would break the page, so refuse it.
  if (BREAKS_OUT.test(js) || BREAKS_OUT.test(css)) throw new Error('uplot: its files cannot be inlined into a page');
  cached = { js, css };
  return cached;
}

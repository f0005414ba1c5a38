// The Content-Security-Policy every page we write carries in a <meta> tag: nothing may load from anywhere, and
// the only scripts and styles that run are the page's own inline ones, each allowed by its SHA-256 hash (no
// 'unsafe-inline'). A report is one file opened from disk or a CI artifact, so nonces (which need a server to
// change them per response) do not fit; hashes do, and `serve` can send the same policy as a header.
//
// The hashes are taken from the finished page: every <script> and <style> element in it is ours, because text
// from histories and results is escaped (esc) before it reaches the page and so can never open an element.
import { createHash } from 'node:crypto';

const ELEMENT = /<(script|style)\b([^>]*)>([\s\S]*?)<\/\1>/gi;

/** Most inline elements a page may hash: a page with more is a bug in the page, not something to allow. */
const MAX_HASHED = 64;

export interface InlineHashes {
  scripts: string[];
  styles: string[];
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The hashes of the page's inline scripts and styles (data blocks, type=application/json, are never run). */
export function inlineHashes(html: string): InlineHashes {
  const scripts = new Set<string>();
  const styles = new Set<string>();
  let n = 0;
  for (const m of html.matchAll(ELEMENT)) {
    const [, tag, attrs, text] = m;
    if (tag.toLowerCase() === 'script' && /\btype\s*=\s*"application\/json"/i.test(attrs)) continue;
    if (++n > MAX_HASHED) throw new Error(`a page with more than ${MAX_HASHED} inline scripts and styles`);
    (tag.toLowerCase() === 'script' ? scripts : styles).add(sha256(text));
  }
  return { scripts: [...scripts], styles: [...styles] };
}

/** The policy of a page with these inline hashes. */
export function cspPolicy(h: InlineHashes): string {
  return [
    "default-src 'none'",
    `script-src ${h.scripts.length ? h.scripts.join(' ') : "'none'"}`,
    `style-src ${h.styles.length ? h.styles.join(' ') : "'none'"}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The <meta> element carrying the policy of `html` (frame-ancestors is header-only, so `serve` adds it). */
export function cspMeta(html: string): string {
  return `<meta http-equiv="Content-Security-Policy" content="${cspPolicy(inlineHashes(html))}">`;
}

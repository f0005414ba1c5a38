// Content-Security-Policy for the pages Faultline renders itself, without 'unsafe-inline': every inline script
// and style a page may run is named by the SHA-256 hash of its text (CSP Level 3 hash sources). The texts hashed
// are the renderer's own constants, never read back from a page, so a crafted page (a report.html someone sent,
// an .html a node wrote into its folder) cannot bless its own scripts: only ours run, whatever the file holds.
// Hashes, not nonces: the index is also a static file opened from disk or a CI artifact, where no server can
// mint a nonce per response; the same policy goes in a <meta> of the page and in `serve`'s header.
import { createHash } from 'node:crypto';

/** A CSP hash source for an inline element's exact text: 'sha256-<base64>'. */
export function sourceHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export interface PageSources {
  /** The exact texts of the inline scripts the page may run. */
  scripts: readonly string[];
  /** The exact texts of its inline <style> elements. */
  styles: readonly string[];
  /** Values of style="" attributes to allow ('unsafe-hashes' with their hashes: those values only, no others). */
  styleAttributes?: readonly string[];
}

/**
 * The policy of a page of ours: nothing loads from anywhere, only the listed inline scripts and styles apply,
 * forms submit only back to where the page came from (the index's filter form, a GET to serve).
 */
export function strictPolicy(s: PageSources): string {
  const list = (texts: readonly string[]): string =>
    texts.length ? [...new Set(texts.map(sourceHash))].join(' ') : "'none'";
  return [
    "default-src 'none'",
    `script-src ${list(s.scripts)}`,
    `style-src ${list(s.styles)}${s.styleAttributes?.length ? ` 'unsafe-hashes' ${list(s.styleAttributes)}` : ''}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The policy for responses that are not our pages (files of a run folder): no script, no style, a sandbox. */
export const FILE_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'";

const CHARSET = '<meta charset="utf-8">';

/**
 * `html` (a page from html.ts's page()) with the policy in a <meta> right after its charset, so it holds when the
 * file is opened from disk. frame-ancestors is header-only: serve adds it.
 */
export function withPolicyMeta(html: string, policy: string): string {
  const at = html.indexOf(CHARSET);
  if (at < 0 || at > 200) throw new Error('withPolicyMeta: not a page of ours (no charset meta in its head)');
  const end = at + CHARSET.length;
  return `${html.slice(0, end)}<meta http-equiv="Content-Security-Policy" content="${policy}">${html.slice(end)}`;
}

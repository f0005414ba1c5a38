// The top of a run's report: the command that reruns it, as a person pastes it (`npx faultline run ...`, since
// Faultline is usually a project's dependency, not a global command), wrapped inside its box, with a copy button;
// and the options as the flags and values a person would type, never `undefined` or JSON-quoted strings.
import type { Test } from '../store/test.js';
import { esc } from './html.js';

/** The recorded command (`faultline run ...`) as one that works without a global install. */
export function npxCommand(command: string): string {
  return /^faultline(\s|$)/.test(command) ? `npx ${command}` : command;
}

export function rerunCard(command: string): string {
  return (
    '<div class="card"><h2>Rerun</h2><div class="fl-command-box">' +
    `<pre id="command" class="fl-command">${esc(npxCommand(command))}</pre>` +
    '<button type="button" class="fl-copy" data-target="command">copy</button></div>' +
    '<p class="muted">or <code>npx faultline rerun</code> this folder; ' +
    '<code>npx faultline shrink</code> it for the few operations that prove an invalid verdict</p></div>'
  );
}

/**
 * Flag/value pairs of the run's options, given as the flags of its command line (commands/command-line.ts's
 * runFlags, in the order `faultline run --help` lists them); a switch reads yes/no.
 */
export function optionRows(flags: readonly string[]): [string, string][] {
  const rows: [string, string][] = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    const next = flags[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      rows.push([f, next]);
      i++;
    } else if (f.startsWith('--no-')) rows.push([`--${f.slice(5)}`, 'no']);
    else rows.push([f, 'yes']);
  }
  return rows;
}

export function optionsTable(flags: readonly string[], test: Test): string {
  const items = optionRows(flags).map(([f, v]) => `<div><code>${esc(f)}</code> ${esc(v)}</div>`);
  // validate.ts does not require "target" of test.json: a folder from before runs recorded it has none.
  const resolved = Object.entries(test.target?.options ?? {});
  if (resolved.length)
    items.push(
      `<div class="wide">target options in effect: ${esc(resolved.map(([k, v]) => `${k}=${v}`).join(' '))}</div>`,
    );
  return `<div class="fl-options">${items.join('')}</div>`;
}

export const RERUN_CSS = `
.fl-command-box{display:flex;gap:8px;align-items:flex-start}
pre.fl-command{flex:1;margin:0;white-space:pre-wrap;overflow-wrap:break-word}
.fl-copy{font:13px system-ui,sans-serif;padding:4px 12px}
.fl-options{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:4px 16px}
.fl-options div{overflow-wrap:anywhere} .fl-options .wide{grid-column:1/-1} .fl-options code{color:#475467}
`;

// The API table of docs/node.md, rendered from the declarations in system/node/api.ts: one row per endpoint
// (request shape, answers by status code) and one row per named shape. `npm run docs:node` writes it between
// the markers below; test/unit/node/api-docs.test.ts fails when the file holds anything else there.
import { API } from './api.js';
import type { Endpoint, Shape } from './schema.js';

export const BEGIN = '<!-- api-table: generated from system/node/api.ts by `npm run docs:node`; do not edit -->';
export const END = '<!-- api-table end -->';

/** A shape as TypeScript-like text; named shapes are referred to by name and collected in `named`. */
function text(s: Shape, named: Map<string, Shape & { kind: 'named' }>, top = false): string {
  switch (s.kind) {
    case 'named':
      if (!named.has(s.name)) named.set(s.name, s);
      return top ? text(s.shape, named) : s.name;
    case 'json':
      return 'Json';
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
    case 'null':
      return s.kind;
    case 'literal':
      return JSON.stringify(s.value);
    case 'array': {
      const inner = text(s.of, named);
      return s.of.kind === 'union' ? `(${inner})[]` : `${inner}[]`;
    }
    case 'tuple':
      return `[${s.items.map((i) => text(i, named)).join(', ')}]`;
    case 'record':
      return `{[k: string]: ${text(s.of, named)}}`;
    case 'object':
      return `{${s.fields.map(([k, f, opt]) => `${k}${opt ? '?' : ''}: ${text(f, named)}`).join(', ')}}`;
    case 'union':
      return s.of.map((a) => text(a, named)).join(' | ');
  }
}

const code = (s: string): string => (s === '' ? '' : `\`${s.replaceAll('|', '\\|')}\``);

function table(head: string[], rows: string[][]): string[] {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  return [line(head), `| ${width.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)];
}

/** The generated markdown (both tables), without the markers. */
export function renderApiTable(endpoints: Record<string, Endpoint> = API): string {
  const named = new Map<string, Shape & { kind: 'named' }>();
  const rows = Object.values(endpoints).map((e) => [
    code(`${e.method} ${e.path}`),
    e.request ? code(text(e.request.shape, named)) : '',
    Object.entries(e.responses)
      .map(([status, s]) => `${status}: ${code(text(s!.shape, named))}`)
      .join('; '),
    e.summary,
  ]);
  // Named shapes in order of first mention, each defined once (definitions may mention more of them).
  const defs: string[][] = [];
  for (let i = 0; i < named.size; i++) {
    const n = [...named.values()][i];
    defs.push([code(n.name), code(text(n, named, true)), n.doc]);
  }
  return [
    ...table(['endpoint', 'request', 'answers (status: body)', 'for'], rows),
    '',
    ...table(['shape', 'definition', 'meaning'], defs),
  ].join('\n');
}

/** `markdown` with the region between the markers replaced by the current tables. */
export function withApiTable(markdown: string): string {
  const b = markdown.indexOf(BEGIN);
  const e = markdown.indexOf(END);
  if (b < 0 || e < b) throw new Error(`docs/node.md has no "${BEGIN}" ... "${END}" region`);
  return `${markdown.slice(0, b + BEGIN.length)}\n\n${renderApiTable()}\n\n${markdown.slice(e)}`;
}

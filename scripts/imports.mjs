#!/usr/bin/env node
// The import graph of the TypeScript sources outside test/, and what runs against the layering of
// docs/architecture.md (its table as data: docs/layers.json). Every import counts, type-only ones and
// `import('x')` types included: a cycle of types is still a cycle a reader walks. Only relative imports are
// edges (packages and node: builtins are not ours). Parsed with the TypeScript compiler, never with a regex.
//
//   node scripts/imports.mjs [--root DIR] [--json]
//
// Prints the figures (files, imports, cycles between files, imports against the table) and every offence with
// the file and line of the import; exits 1 when there is one. --root checks another checkout with this
// checkout's table (how the figures before a change are taken). test/unit/architecture/layering.test.ts runs
// the same analysis in the normal test run.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Folders whose .ts files are parsed (test/ is not: tests may import anything they exercise). */
export const SOURCE_DIRS = ['system', 'harness', 'workloads', 'targets', 'bench'];

const posix = (p) => p.split(sep).join('/');

/** The .ts sources under `dir` (declaration files and node_modules left out), sorted. */
function sources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map(posix)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.split('/').includes('node_modules'))
    .sort()
    .map((f) => join(dir, f));
}

/** Every module specifier a file names, with its line and whether only types come through it. */
export function importsOf(text, file = 'x.ts') {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out = [];
  const add = (node, spec, typeOnly) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ spec, line, typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const typeOnly =
        !!c &&
        (c.isTypeOnly ||
          (!c.name &&
            !!c.namedBindings &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) add(node, arg.literal.text, true);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length === 1 &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node, node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The repository file a relative specifier names (`./x.js` is ./x.ts or ./x/index.ts), or undefined. */
function resolveSpec(root, from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(join(root, from)), spec);
  const stem = base.replace(/\.(m?js|ts)$/, '');
  for (const cand of [`${stem}.ts`, join(stem, 'index.ts'), base]) {
    if (existsSync(cand) && statSync(cand).isFile()) return posix(relative(root, cand));
  }
  return posix(relative(root, `${stem}.ts`));
}

/** The graph: files (relative, with /) and their edges { from, to, line, typeOnly }. */
export function importGraph(root = HERE, dirs = SOURCE_DIRS) {
  const files = dirs.flatMap((d) => sources(join(root, d))).map((f) => posix(relative(root, f)));
  const edges = [];
  for (const from of files) {
    for (const i of importsOf(readFileSync(join(root, from), 'utf8'), from)) {
      const to = resolveSpec(root, from, i.spec);
      if (to !== undefined) edges.push({ from, to, line: i.line, typeOnly: i.typeOnly });
    }
  }
  return { files, edges };
}

/** Strongly connected components of more than one file (or a file importing itself): the import cycles. */
export function cycles(graph) {
  const next = new Map(graph.files.map((f) => [f, []]));
  for (const e of graph.edges) if (next.has(e.to)) next.get(e.from).push(e.to);
  // Tarjan's algorithm, iterative (no recursion depth limit on a long chain of imports).
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const sccs = [];
  for (const start of graph.files) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const ws = next.get(v);
      if (i < ws.length) {
        top[1]++;
        const w = ws[i];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const u = work[work.length - 1][0];
        low.set(u, Math.min(low.get(u), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const scc = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1 || next.get(v).includes(v)) sccs.push(scc.sort());
      }
    }
  }
  // One concrete circle per component, for the message: the shortest way from its first file back to it.
  return sccs.map((scc) => {
    const inScc = new Set(scc);
    const from = new Map([[scc[0], undefined]]);
    const queue = [scc[0]];
    let end;
    while (queue.length > 0 && end === undefined) {
      const v = queue.shift();
      for (const w of next.get(v)) {
        if (w === scc[0]) {
          end = v;
          break;
        }
        if (inScc.has(w) && !from.has(w)) {
          from.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [];
    for (let v = end; v !== undefined; v = from.get(v)) path.unshift(v);
    return { files: scc, circle: [...path, scc[0]] };
  });
}

export function readTable(root = HERE) {
  return JSON.parse(readFileSync(join(root, 'docs', 'layers.json'), 'utf8'));
}

const under = (file, prefixes) => prefixes.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));

/** The layer a file belongs to, or undefined when the table does not place it. */
export function layerOf(table, file) {
  return table.layers.find((l) => under(file, l.paths));
}

/** Why an import runs against the table, or undefined when it is allowed. */
export function offence(table, e) {
  const sepFrom = table.separate.find((s) => under(e.from, s.paths));
  const sepTo = table.separate.find((s) => under(e.to, s.paths));
  if (sepFrom || sepTo) {
    if (sepFrom && sepFrom === sepTo) return undefined;
    if (sepFrom) return `${sepFrom.name} (${sepFrom.paths.join(', ')}) imports nothing outside itself`;
    if (under(e.from, sepTo.importedBy)) return undefined;
    return `${sepTo.name} (${sepTo.paths.join(', ')}) is imported only by ${sepTo.importedBy.join(', ')}`;
  }
  const a = layerOf(table, e.from);
  const b = layerOf(table, e.to);
  if (!a) return `${e.from} is in no layer of docs/layers.json`;
  if (!b) {
    if (a.alsoImports && under(e.to, a.alsoImports)) return undefined;
    return `${e.to} is in no layer of docs/layers.json`;
  }
  if (b.level > a.level) return `runs up from ${a.name} (level ${a.level}) to ${b.name} (level ${b.level})`;
  for (const s of table.seams) {
    if (e.from.startsWith(s.from) && e.to.startsWith(s.into) && !under(e.to, s.only))
      return `${s.from} may import from ${s.into} only ${s.only.length ? s.only.join(', ') : 'nothing'}: ${s.why}`;
  }
  return undefined;
}

/** Everything the test and the command line report. */
export function analyse(root = HERE, table = readTable(HERE)) {
  const graph = importGraph(root);
  const offences = graph.edges.flatMap((e) => {
    const why = offence(table, e);
    return why ? [{ ...e, why }] : [];
  });
  return { graph, cycles: cycles(graph), offences };
}

export function describe(r) {
  const typeOnly = r.graph.edges.filter((e) => e.typeOnly).length;
  const lines = [
    `${r.graph.files.length} files, ${r.graph.edges.length} imports between them (${typeOnly} type-only)`,
    `${r.cycles.length} import cycle${r.cycles.length === 1 ? '' : 's'} between files`,
    ...r.cycles.map((c) => `  ${c.circle.join(' -> ')}`),
    `${r.offences.length} import${r.offences.length === 1 ? '' : 's'} against docs/layers.json`,
    ...r.offences.map((o) => `  ${o.from}:${o.line} imports ${o.to}: ${o.why}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--root');
  const root = at >= 0 ? resolve(args[at + 1] ?? '.') : HERE;
  const r = analyse(root);
  if (args.includes('--json'))
    process.stdout.write(
      `${JSON.stringify({ files: r.graph.files.length, cycles: r.cycles, offences: r.offences })}\n`,
    );
  else process.stdout.write(`${describe(r)}\n`);
  process.exit(r.cycles.length > 0 || r.offences.length > 0 ? 1 : 0);
}

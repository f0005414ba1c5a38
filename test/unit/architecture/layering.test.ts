// The import rule of docs/architecture.md, enforced: every TypeScript file outside test/ (type-only imports
// included) imports only from its own layer or lower ones, through the two narrow seams, with no cycle between
// files; the table the doc shows is the one docs/layers.json holds; and the analysis (scripts/imports.mjs, which
// also prints the figures) really catches a cycle, an upward import, a seam crossed and the separate stack
// reached, on a small tree made here.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../../helpers/paths.js';

interface Layer {
  level: number;
  name: string;
  paths: string[];
  alsoImports?: string[];
}
interface Separate {
  name: string;
  paths: string[];
  importedBy: string[];
}
interface Seam {
  from: string;
  into: string;
  only: string[];
  why: string;
}
interface Table {
  layers: Layer[];
  separate: Separate[];
  seams: Seam[];
}
interface Edge {
  from: string;
  to: string;
  line: number;
  typeOnly: boolean;
}
interface Analysis {
  graph: { files: string[]; edges: Edge[] };
  cycles: { files: string[]; circle: string[] }[];
  offences: (Edge & { why: string })[];
}
interface ImportsModule {
  analyse(root?: string, table?: Table): Analysis;
  readTable(root?: string): Table;
  importsOf(text: string, file?: string): { spec: string; line: number; typeOnly: boolean }[];
}

const imports = (await import(pathToFileURL(join(ROOT, 'scripts', 'imports.mjs')).href)) as ImportsModule;
const table = imports.readTable(ROOT);

test('no import cycle between the files outside test/', () => {
  const { graph, cycles } = imports.analyse(ROOT, table);
  assert.ok(graph.files.length > 100, `the graph holds the sources (${graph.files.length} files)`);
  assert.equal(
    cycles.map((c) => c.circle.join(' -> ')),
    [],
  );
});

test('every import runs down the layers of docs/architecture.md and through its seams', () => {
  const { offences } = imports.analyse(ROOT, table);
  assert.equal(
    offences.map((o) => `${o.from}:${o.line} imports ${o.to}: ${o.why}`),
    [],
  );
});

/** The rows of the doc's table between the two markers, as cells. */
function rows(doc: string, name: string): string[][] {
  const begin = doc.indexOf(`<!-- ${name}:begin`);
  const end = doc.indexOf(`<!-- ${name}:end -->`);
  assert.ok(begin >= 0 && end > begin, `docs/architecture.md has the ${name} table between its markers`);
  return doc
    .slice(begin, end)
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(2)
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

const ticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
/** The paths a cell names, and those named inside its parenthesis (what else a row may import, or who imports it). */
const split = (cell: string): { paths: string[]; aside: string[] } => {
  const at = cell.indexOf('(');
  return at < 0
    ? { paths: ticked(cell), aside: [] }
    : { paths: ticked(cell.slice(0, at)), aside: ticked(cell.slice(at)) };
};

test('the table in docs/architecture.md is the one docs/layers.json holds', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const layers = rows(doc, 'layers');
  const stacked = layers.filter((r) => r[0] !== 'apart');
  assert.equal(
    stacked.map((r) => ({ level: Number(r[0]), name: r[1], ...split(r[2]) })),
    table.layers.map((l) => ({ level: l.level, name: l.name, paths: l.paths, aside: l.alsoImports ?? [] })),
  );
  assert.equal(
    layers.filter((r) => r[0] === 'apart').map((r) => ({ name: r[1], ...split(r[2]) })),
    table.separate.map((s) => ({ name: s.name, paths: s.paths, aside: s.importedBy })),
  );
  assert.equal(
    rows(doc, 'seams').map((r) => ({ from: ticked(r[0])[0], into: ticked(r[1])[0], only: ticked(r[2]) })),
    table.seams.map((s) => ({ from: s.from, into: s.into, only: s.only })),
  );
});

test('the analysis catches a cycle, an upward import, a seam crossed and the separate stack reached', () => {
  const root = mkdtempSync(join(tmpdir(), 'fl-layering-'));
  const file = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  try {
    // A cycle of types only, inside one layer: still a cycle.
    file('harness/history/a.ts', "import type { B } from './b.js';\nexport type A = B | 1;\n");
    file('harness/history/b.ts', "import type { A } from './a.js';\nexport type B = A | 2;\n");
    // Ground importing an engine, through a dynamic import.
    file('harness/net/up.ts', "export const load = () => import('../checker/models.js');\n");
    file('harness/checker/models.ts', 'export const m = 1;\n');
    // A target reaching into the runtime's internals, past its input contract.
    file('harness/runtime/spec.ts', 'export interface Spec { n: number }\n');
    file('harness/runtime/docker/image.ts', 'export const build = 1;\n');
    file(
      'targets/mine/cluster.ts',
      "import type { Spec } from '../../harness/runtime/spec.js';\n" +
        "import { build } from '../../harness/runtime/docker/image.js';\nexport const s: Spec = { n: build };\n",
    );
    // The reference cluster importing the harness, and a workload importing the reference cluster.
    file('system/node/x.ts', "export { m } from '../../harness/checker/models.js';\n");
    file('workloads/w.ts', "import { m } from '../system/node/x.js';\nexport const w = m;\n");
    const r = imports.analyse(root, table);
    assert.equal(
      r.cycles.map((c) => c.files),
      [['harness/history/a.ts', 'harness/history/b.ts']],
    );
    const found = r.offences.map((o) => `${o.from}:${o.line} ${o.to}`).sort();
    assert.equal(found, [
      'harness/net/up.ts:1 harness/checker/models.ts',
      'system/node/x.ts:1 harness/checker/models.ts',
      'targets/mine/cluster.ts:2 harness/runtime/docker/image.ts',
      'workloads/w.ts:1 system/node/x.ts',
    ]);
    assert.match(r.offences.find((o) => o.from === 'harness/net/up.ts')!.why, /runs up from ground \(level 1\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('every kind of import is seen, type-only ones marked', () => {
  const found = imports.importsOf(
    [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "import { type C, type D } from './c.js';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "type G = import('./g.js').G;",
      "const h = await import('./h.js');",
      "import 'node:fs';",
      '// import x from "./commented.js";',
      'const s = "import y from \'./in-a-string.js\'";',
    ].join('\n'),
  );
  assert.equal(
    found.map((i) => `${i.spec}${i.typeOnly ? ' (types)' : ''}`),
    ['./a.js', './b.js (types)', './c.js (types)', './e.js', './f.js (types)', './g.js (types)', './h.js', 'node:fs'],
  );
});

test.run();

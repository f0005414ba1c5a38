// The newcomer's docs stay true to the code: every flag the parser declares is in docs/cli.md, and every
// environment variable the code reads is in docs/environment.md. Each failure names what is missing, so the fix is
// a line of documentation. The parser's commands are built as the CLI builds them; no command runs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yargs from 'yargs';
import { commands } from '../../../harness/commands/index.js';
import { ROOT } from '../../helpers/paths.js';

/** Flags every command has from yargs itself. */
const GLOBAL = new Set(['help', 'version']);

/** Whether `doc` names `word` whole: not as the start of a longer name (`--out` is not found in `--out-dir`). */
function mentions(doc: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(doc);
}

/** Each command's name and the flags its builder declares (positionals left out: they are not `--` flags). */
function declaredFlags(): { command: string; flags: string[] }[] {
  return commands.map((c) => {
    const spec = String(c.command);
    const positionals = new Set([...spec.matchAll(/[<[](\w+)(?:\.\.)?[>\]]/g)].map((m) => m[1]));
    const y = yargs([]);
    if (typeof c.builder === 'function') c.builder(y);
    else if (c.builder) y.options(c.builder);
    // getOptions() is yargs' own (its typings leave it out): the options as the builder declared them.
    const options = (y as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions();
    const keys = Object.keys(options.key);
    const flags = keys.filter((k) => !GLOBAL.has(k) && !positionals.has(k));
    return { command: spec.split(' ')[0], flags };
  });
}

/** The text of docs/cli.md from `## faultline <command>` to the next `## ` heading (its `###` included). */
function section(doc: string, command: string): string | undefined {
  const start = doc.search(new RegExp(`^## faultline ${command}(?![\\w-])`, 'm'));
  if (start < 0) return undefined;
  const next = doc.slice(start + 3).search(/^## /m);
  return next < 0 ? doc.slice(start) : doc.slice(start, start + 3 + next);
}

test("every flag of every command is documented in docs/cli.md, in that command's section", () => {
  const doc = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
  const declared = declaredFlags();
  assert.ok(declared.length >= 10, `the parser's commands were found (${declared.length})`);
  assert.ok(
    declared.some((d) => d.command === 'run' && d.flags.includes('nodes')),
    "run's --nodes was read from its builder",
  );
  const missing: string[] = [];
  for (const { command, flags } of declared) {
    const text = section(doc, command);
    if (text === undefined) missing.push(`the command ${command} (no "## faultline ${command}" heading)`);
    else for (const f of flags) if (!mentions(text, `--${f}`)) missing.push(`${command} --${f}`);
  }
  assert.equal(missing, [], `docs/cli.md does not document: ${missing.join(', ')}`);
});

/** Source files under `dir` (recursively), TypeScript and plain ESM. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const NAME = '[A-Z][A-Z0-9_]*';

/**
 * The environment variables a source file reads: `process.env.X` and `process.env['X']`; `env.X` on an env passed
 * in; `process.env[CONST]` with `const CONST = 'X'` somewhere in the code; and, in a file whose helper reads
 * `process.env[name]`, each all-caps name with an underscore given to a call as its first argument
 * (`envInt('FAULTLINE_BENCH_RUNS', 10)`).
 */
function readVariables(text: string, constants: Map<string, string>): string[] {
  const found = new Set<string>();
  const add = (re: RegExp): void => {
    for (const m of text.matchAll(re)) found.add(m[1]);
  };
  add(new RegExp(`process\\.env\\.(${NAME})`, 'g'));
  add(new RegExp(`process\\.env\\[\\s*['"\`](${NAME})['"\`]\\s*\\]`, 'g'));
  add(new RegExp(`(?<![\\w.])env\\.(${NAME})\\b`, 'g'));
  for (const m of text.matchAll(new RegExp(`process\\.env\\[\\s*(${NAME})\\s*\\]`, 'g'))) {
    const v = constants.get(m[1]);
    if (v !== undefined) found.add(v);
  }
  if (/process\.env\[\s*[a-z]\w*\s*\]/.test(text)) add(/\b[a-z]\w*\(\s*['"]([A-Z][A-Z0-9]*_[A-Z0-9_]+)['"]/g);
  return [...found];
}

test('every environment variable the code reads is listed in docs/environment.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'environment.md'), 'utf8');
  const files = ['harness', 'targets', 'workloads', 'bench', 'scripts', join('test', 'helpers')].flatMap((d) =>
    sources(join(ROOT, d)),
  );
  const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
  const constants = new Map<string, string>();
  for (const text of texts.values())
    for (const m of text.matchAll(new RegExp(`const (${NAME}) = ['"](${NAME})['"]`, 'g'))) constants.set(m[1], m[2]);
  const readers = new Map<string, string[]>();
  for (const [file, text] of texts)
    for (const v of readVariables(text, constants)) readers.set(v, [...(readers.get(v) ?? []), relative(ROOT, file)]);
  // Each way of reading is seen at least once, so a scan that found nothing cannot pass by accident.
  for (const known of ['FAULTLINE_NO_PULL', 'FAULTLINE_BASE_IMAGE', 'SSH_AUTH_SOCK', 'FAULTLINE_BENCH_RUNS'])
    assert.ok(readers.has(known), `the scan finds ${known}`);
  const missing = [...readers]
    .filter(([v]) => !mentions(doc, v))
    .map(([v, where]) => `${v} (read in ${where.join(', ')})`)
    .sort();
  assert.equal(missing, [], `docs/environment.md does not list: ${missing.join('; ')}`);
});

test.run();
